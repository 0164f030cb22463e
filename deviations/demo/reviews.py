"""The demo's people and reviews (a step of `manage.py demo`): every review state on show.

Creates a viewer, a reviewer and an admin with demo-only passwords (printed),
links the reviewer to one of the demo config's git authors (so four eyes keeps
them from approving what that author wrote), and has a colleague ("rosa")
record decisions so a newcomer sees every state: approved, changes requested,
rejected, stale and needs review.  Everything goes through the real services
(reviews, notes, people), so the audit trail is real too.  The stale one comes
from the config's real history: on a fresh demo database the records are still
at the commit rosa reviewed, and she approves an overlay that a later commit
changes (`later_changed`, from the demo's import step); importing the later
commits (the next step) lapses that approval.  Idempotent: an existing user or
any review is left alone.  The functions return what they did; the command prints it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count

from deviations.domain import audit, notes, people, permissions, reviews
from deviations.models import ConfigCommit, Deviation, Review
from deviations.vocabulary import Decision, DeviationKind, Origin, ReviewState, Verdict

ACTOR = audit.Actor.job("demo set-up", Origin.COMMAND)
# username, password (demo database only), roles, staff (may open /admin/)
DEMO_USERS = (
    ("viewer", "viewer-demo", [permissions.VIEWER], False),
    ("reviewer", "reviewer-demo", [permissions.REVIEWER], False),
    ("admin", "admin-demo", [permissions.ADMIN], True),
)
COLLEAGUE = "rosa"  # records the demo's past decisions; cannot log in


@dataclass(frozen=True)
class GitAuthor:
    """A git author identity (the demo config history names the reviewer's)."""

    email: str
    name: str


@dataclass(frozen=True)
class DemoPeople:
    """What the people-and-reviews step did."""

    linked: str | None  # the git identity linked to the reviewer (None: linked already)
    decisions: int | None  # decisions recorded (None: there were reviews already)

    def lines(self) -> list[str]:
        out = ["Demo users (this demo database only; never use these passwords):"]
        for username, password, roles, staff in DEMO_USERS:
            grants = permissions.ROLE_DESCRIPTIONS[roles[0]] + (
                "; may open /admin/" if staff else ""
            )
            out.append(f"  {username:<9} password {password:<14} {grants}")
        if self.linked is not None:
            out.append(
                f"  reviewer is linked to the git identity {self.linked}: four eyes keeps them "
                "from approving what that identity wrote"
            )
        if self.decisions is not None:
            out.append(f"{self.decisions} decisions recorded by {COLLEAGUE}")
        return out


def _users() -> dict[str, User]:
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
    return made


def _link_identity(reviewer: User, named: GitAuthor | None) -> str | None:
    """Link the reviewer to `named` (else the most prolific config author); the email."""
    if reviewer.git_identities.exists():
        return None
    if named is None:
        top = (
            ConfigCommit.objects.values("author_email", "author_name")
            .annotate(n=Count("introduced"))
            .order_by("-n", "author_email")
            .first()
        )
        named = GitAuthor(
            email=(top["author_email"] if top else "") or "reviewer@demo.azldrift.invalid",
            name=top["author_name"] if top else "",
        )
    with transaction.atomic():
        people.link_identity(ACTOR, reviewer, email=named.email, name=named.name)
    return named.email


def _overlays() -> list[Deviation]:
    return list(
        Deviation.objects.filter(
            kind=DeviationKind.OVERLAY, removed=False, current_version__isnull=False
        )
        .select_related("component", "current_version")
        .order_by("component__name", "position")
    )


def _pick(
    candidates: list[Deviation], taken: set[int], prefer: Callable[[Deviation], bool]
) -> Deviation | None:
    free = [d for d in candidates if d.pk not in taken]
    chosen = next((d for d in free if prefer(d)), free[0] if free else None)
    if chosen is not None:
        taken.add(chosen.pk)
    return chosen


def _decide(colleague: User, dev: Deviation | None, decision: Decision, comment: str = "") -> None:
    if dev is not None:
        if decision == Decision.APPROVED and not comment and reviews.broken_now(dev):
            # The rule for everyone: an approval of what fails at the pin says why.
            comment = "Approved despite the failure at the pin: the next rebase fixes it."
        # The colleague decides on the deviation as it was read here.
        reviews.decide(
            audit.Actor.for_user(colleague, Origin.COMMAND),
            dev.pk,
            decision,
            comment,
            seen=reviews.seen_now(dev),
        )


def _reviews(
    reviewer: User, later_changed: Collection[int], later_removed: Collection[int]
) -> None:
    colleague = get_user_model().objects.get(username=COLLEAGUE)
    # The other decisions stay clear of what the later commits change or remove.
    taken: set[int] = {*later_changed, *later_removed}
    overlays = _overlays()
    stale = next((d for d in overlays if d.pk in later_changed), None)
    changes = _pick(overlays, taken, lambda d: d.verdict_at_tip == Verdict.FAILED)
    rejected = _pick(overlays, taken, lambda d: d.obsolete)
    approved = [
        _pick(overlays, taken, lambda d: d.verdict_at_tip == Verdict.APPLIED and not d.obsolete)
        for _ in range(3)
    ]
    noted = _pick(overlays, taken, lambda d: True)

    for dev in approved:
        _decide(colleague, dev, Decision.APPROVED)
    _decide(
        colleague,
        changes,
        Decision.CHANGES_REQUESTED,
        "This fails at the branch tip: rework it before the next snapshot moves.",
    )
    _decide(
        colleague, rejected, Decision.REJECTED, "Fedora has this change already: drop the overlay."
    )
    # Approved as it reads at the reviewed commit; a later commit changes it (stale).
    _decide(colleague, stale, Decision.APPROVED)
    if noted is not None:
        # The reviewer's own justification: four eyes keeps them from approving it.
        notes.add_note(
            audit.Actor.for_user(reviewer, Origin.COMMAND),
            noted,
            "Kept for Azure Linux's compliance baseline; see the security review of 2026-02.",
        )


def review_states() -> str:
    """One line: how many live deviations are in each review state."""
    states = Counter(Deviation.objects.filter(removed=False).values_list("review_state", flat=True))
    return (
        "Review states: "
        + ", ".join(f"{states.get(s.value, 0)} {s.label}" for s in ReviewState)
        + " (log in and open the review queue)"
    )


def demo_people_and_reviews(
    reviewer_identity: GitAuthor | None,
    later_changed: Collection[int] = (),
    later_removed: Collection[int] = (),
) -> DemoPeople:
    """Demo users, a git identity for the reviewer, and decisions in every review state.

    `later_changed` and `later_removed` are the deviations the config's later commits
    change and remove: one of the changed is approved (it goes stale), the rest are
    left alone.
    """
    users = _users()
    linked = _link_identity(users["reviewer"], reviewer_identity)
    decisions = None
    if not Review.objects.exists():
        _reviews(users["reviewer"], later_changed, later_removed)
        decisions = Review.objects.count()
    return DemoPeople(linked, decisions)
