"""The demo's people and reviews (a step of `manage.py demo`): every review state on show.

Creates a viewer, a reviewer and an admin with demo-only passwords (printed),
links the reviewer to one of the demo config's git authors (so four eyes keeps
them from approving what that author wrote), and has a colleague ("rosa")
record decisions so a newcomer sees every state: approved, changes requested,
rejected, stale and needs review.  Everything goes through the real services
(reviews, notes, people), so the audit trail is real too.  The stale one comes
from the config's real history: on a fresh demo database the records are still
at the commit rosa reviewed, and she approves an overlay that a later commit
changes (`context["later"]`, from the demo's import step); importing the later
commits (the next step) lapses that approval.  Idempotent: an existing user or
any review is left alone.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count

from deviations.domain import audit, notes, people, permissions, reviews
from deviations.models import ConfigCommit, Deviation, DeviationKind, Origin, Review, ReviewState

ACTOR = audit.Actor.job("demo set-up", Origin.COMMAND)
# username, password (demo database only), roles, staff (may open /admin/)
DEMO_USERS = (
    ("viewer", "viewer-demo", [permissions.VIEWER], False),
    ("reviewer", "reviewer-demo", [permissions.REVIEWER], False),
    ("admin", "admin-demo", [permissions.ADMIN], True),
)
COLLEAGUE = "rosa"  # records the demo's past decisions; cannot log in


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


def _link_identity(command: Any, context: dict[str, Any], reviewer: Any) -> None:
    if reviewer.git_identities.exists():
        return
    # The author the demo config history names; else (--config) its most prolific author.
    named = (context.get("config_history") or {}).get("reviewer")
    if named is None:
        top = (
            ConfigCommit.objects.values("author_email", "author_name")
            .annotate(n=Count("introduced"))
            .order_by("-n", "author_email")
            .first()
        ) or {}
        named = {
            "email": top.get("author_email") or "reviewer@demo.azldrift.invalid",
            "name": top.get("author_name", ""),
        }
    email = named["email"]
    with transaction.atomic():
        people.link_identity(ACTOR, reviewer, email=email, name=named["name"])
    command.stdout.write(
        f"  reviewer is linked to the git identity {email}: four eyes keeps them from "
        "approving what that identity wrote"
    )


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


def _decide(colleague: Any, dev: Deviation | None, decision: str, comment: str = "") -> None:
    if dev is not None:
        reviews.decide(audit.Actor.for_user(colleague, Origin.COMMAND), dev.pk, decision, comment)


def _reviews(context: dict[str, Any], users: dict[str, Any]) -> None:
    colleague = get_user_model().objects.get(username=COLLEAGUE)
    later = context.get("later") or {}
    # The other decisions stay clear of what the later commits change or remove.
    taken: set[int] = {*later.get("changed", ()), *later.get("removed", ())}
    overlays = _overlays()
    stale = next((d for d in overlays if d.pk in later.get("changed", ())), None)
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
    # Approved as it reads at the reviewed commit; a later commit changes it (stale).
    _decide(colleague, stale, "approved")
    if noted is not None:
        # The reviewer's own justification: four eyes keeps them from approving it.
        notes.add_note(
            audit.Actor.for_user(users["reviewer"], Origin.COMMAND),
            noted,
            "Kept for Azure Linux's compliance baseline; see the security review of 2026-02.",
        )


def print_review_states(command: Any) -> None:
    """One line: how many live deviations are in each review state."""
    states = Counter(Deviation.objects.filter(removed=False).values_list("review_state", flat=True))
    command.stdout.write(
        "Review states: "
        + ", ".join(f"{states.get(s.value, 0)} {s.label}" for s in ReviewState)
        + " (log in and open the review queue)"
    )


def demo_people_and_reviews(command: Any, context: dict[str, Any]) -> None:
    """Demo users (printed), a git identity, and decisions in every review state."""
    users = _users(command)
    _link_identity(command, context, users["reviewer"])
    if not Review.objects.exists():
        _reviews(context, users)
        command.stdout.write(f"{Review.objects.count()} decisions recorded by {COLLEAGUE}")
