"""The demo's people and reviews (a step of `manage.py demo`): every review state on show.

Creates a viewer, a reviewer and an admin with demo-only passwords (printed),
links a git identity to the reviewer, and has a colleague ("rosa") record
decisions so a newcomer sees every state: approved, changes requested,
rejected, stale and needs review.  Everything goes through the real services
(reviews, notes, people, the importer), so the audit trail is real too; the
stale one is made the honest way: an earlier variant of one overlay is
imported and approved, then the real demo config is imported again, which
lapses that approval.  Idempotent: an existing user or any review is left
alone.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count

from . import audit, notes, people, permissions, reviews
from .importer import import_config
from .models import ConfigCommit, Deviation, DeviationKind, Origin, Review, ReviewState

ACTOR = audit.Actor.job("demo set-up", Origin.COMMAND)
# username, password (demo database only), roles, staff (may open /admin/)
DEMO_USERS = (
    ("viewer", "viewer-demo", [permissions.VIEWER], False),
    ("reviewer", "reviewer-demo", [permissions.REVIEWER], False),
    ("admin", "admin-demo", [permissions.ADMIN], True),
)
COLLEAGUE = "rosa"  # records the demo's past decisions; cannot log in
_VALUE = re.compile(r'^(\s*value\s*=\s*")([^"\\]*)(")', re.MULTILINE)


def _users(command: Any) -> dict[str, Any]:
    model = get_user_model()
    made = {}
    with transaction.atomic():
        people.ensure_roles(ACTOR)
        for username, password, roles, staff in DEMO_USERS:
            user = model.objects.filter(username=username).first()
            if user is None:
                user = people.create_user(
                    ACTOR, username, password=password, roles=roles, is_staff=staff
                )
            made[username] = user
        if not model.objects.filter(username=COLLEAGUE).exists():
            people.create_user(ACTOR, COLLEAGUE, roles=[permissions.REVIEWER])
    command.stdout.write("Demo users (this demo database only; never use these passwords):")
    for username, password, roles, staff in DEMO_USERS:
        grants = permissions.ROLE_DESCRIPTIONS[roles[0]] + ("; may open /admin/" if staff else "")
        command.stdout.write(f"  {username:<9} password {password:<14} {grants}")
    return made


def _link_identity(command: Any, reviewer: Any) -> None:
    if reviewer.git_identities.exists():
        return
    # The most prolific config author, when the config has history; else a placeholder.
    top = (
        ConfigCommit.objects.values("author_email", "author_name")
        .annotate(n=Count("introduced"))
        .order_by("-n", "author_email")
        .first()
    )
    email = (top or {}).get("author_email") or "reviewer@demo.azldrift.invalid"
    with transaction.atomic():
        people.link_identity(ACTOR, reviewer, email=email, name=(top or {}).get("author_name", ""))
    command.stdout.write(f"  reviewer is linked to the git identity {email} (four eyes)")


def _overlays() -> list[Deviation]:
    return list(
        Deviation.objects.filter(
            kind=DeviationKind.OVERLAY, removed=False, current_version__isnull=False
        )
        .select_related("component", "current_version")
        .order_by("component__name", "position")
    )


def _pick(candidates: list[Deviation], taken: set[int], prefer) -> Deviation | None:
    free = [d for d in candidates if d.pk not in taken]
    chosen = next((d for d in free if prefer(d)), free[0] if free else None)
    if chosen is not None:
        taken.add(chosen.pk)
    return chosen


def _variant_of(dev: Deviation, config: Path, out: Path) -> Path | None:
    """A copy of the config (in `out`) in which `dev`'s `value` reads differently, or None."""
    source = config / dev.config_file
    if not source.is_file() or not dev.line_start:
        return None
    lines = source.read_text().splitlines(keepends=True)
    block = "".join(lines[dev.line_start - 1 : dev.line_end])
    changed = _VALUE.sub(lambda m: f"{m[1]}{m[2]} (earlier wording){m[3]}", block, count=1)
    if changed == block:
        return None
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(config, out)
    text = "".join(lines[: dev.line_start - 1]) + changed + "".join(lines[dev.line_end :])
    (out / dev.config_file).write_text(text)
    return out


def _decide(colleague: Any, dev: Deviation | None, decision: str, comment: str = "") -> None:
    if dev is not None:
        reviews.decide(audit.Actor.for_user(colleague, Origin.COMMAND), dev.pk, decision, comment)


def _reviews(command: Any, context: dict[str, Any], users: dict[str, Any]) -> None:
    colleague = get_user_model().objects.get(username=COLLEAGUE)
    config = Path(context["config"])
    taken: set[int] = set()
    overlays = _overlays()
    value_overlay = _pick(overlays, taken, lambda d: "value" in d.current_version.content)
    changes = _pick(overlays, taken, lambda d: d.verdict_at_tip == "failed")
    rejected = _pick(overlays, taken, lambda d: d.obsolete)
    approved = [
        _pick(overlays, taken, lambda d: d.verdict_at_tip == "applied" and not d.obsolete)
        for _ in range(3)
    ]
    noted = _pick(overlays, taken, lambda d: True)

    for dev in approved:
        _decide(colleague, dev, "approved")
    _decide(
        colleague,
        changes,
        "changes-requested",
        "This fails at the branch tip: rework it before the next snapshot moves.",
    )
    _decide(colleague, rejected, "rejected", "Fedora has this change already: drop the overlay.")
    if noted is not None:
        # The reviewer's own justification: four eyes keeps them from approving it.
        notes.add_note(
            audit.Actor.for_user(users["reviewer"], Origin.COMMAND),
            noted,
            "Kept for Azure Linux's compliance baseline; see the security review of 2026-02.",
        )
    out = Path(context.get("variant_dir") or Path(settings.CACHE_DIR) / "demo-config-variant")
    variant = _variant_of(value_overlay, config, out) if value_overlay else None
    if variant is not None:
        # Approve an earlier wording of one overlay, then re-import the real config:
        # the approval no longer matches the content and lapses to stale.
        cache = context.get("cache_dir")
        import_config(variant, cache_dir=cache)
        _decide(colleague, value_overlay, "approved")
        import_config(config, cache_dir=cache)


def demo_people_and_reviews(command: Any, context: dict[str, Any]) -> None:
    """Demo users (printed), a git identity, and decisions in every review state."""
    users = _users(command)
    _link_identity(command, users["reviewer"])
    if not Review.objects.exists():
        _reviews(command, context, users)
    states = Counter(Deviation.objects.filter(removed=False).values_list("review_state", flat=True))
    command.stdout.write(
        "Review states: "
        + ", ".join(f"{states.get(s.value, 0)} {s.label}" for s in ReviewState)
        + " (log in and open the review queue)"
    )
