"""Who may do what: the one place the HTML views, the API and the commands ask.

Roles are Django groups named by `VIEWER`, `REVIEWER` and `ADMIN`
(`manage.py setup_roles` creates them; a superuser holds every role):

- viewer: reads everything (pages, API reads, CSV exports);
- reviewer: reads, records review decisions, writes justification notes;
- admin: reads, manages users, roles and git identities, starts syncs,
  changes settings.

Reviewers and admins both set owners and due dates and acknowledge drift (`can_steward`).

A user may hold several roles.  An inactive or anonymous user holds none.
Four eyes: nobody approves a deviation they authored (the config commit that
introduced it or last changed it is theirs, by their linked git identities)
nor one whose justification notes they wrote.

Functions answer True/False (`can_*`) or give the reason for a refusal
(`*_refusal`, None when allowed); `require()` turns a refusal into
`PermissionDenied`, which both Django views and DRF answer with 403.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from deviations.models import Component, ConfigCommit, Deviation, GitIdentity, NoteVersion
from deviations.vocabulary import Decision

VIEWER = "viewer"
REVIEWER = "reviewer"
ADMIN = "admin"
ROLES = (VIEWER, REVIEWER, ADMIN)
ROLE_DESCRIPTIONS = {
    VIEWER: "reads everything: pages, API, CSV exports",
    REVIEWER: "reads; records review decisions and writes justification notes",
    ADMIN: "reads; manages users, roles and git identities; starts syncs",
}

# Whom a question is about: a request's user (anonymous until logged in) or, for a job
# run without one, None.
Asker = User | AnonymousUser | None

_ROLES_CACHE = "_azldrift_roles"
_IDENTITIES_CACHE = "_azldrift_identities"


def roles(user: Asker) -> frozenset[str]:
    """The roles a user holds (cached on the user object for the request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, _ROLES_CACHE, None)
    if cached is None:
        if user.is_superuser:
            cached = frozenset(ROLES)
        else:
            cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        setattr(user, _ROLES_CACHE, cached)
    return cached


def forget(user: Asker) -> None:
    """Drop the cached roles and identities after they changed."""
    for name in (_ROLES_CACHE, _IDENTITIES_CACHE):
        if hasattr(user, name):
            delattr(user, name)


def require(allowed: bool | str | None, message: str = "") -> None:
    """Raise PermissionDenied unless allowed.

    `allowed` is a boolean from a `can_*` function, or a refusal string from a
    `*_refusal` function (None means allowed).
    """
    if isinstance(allowed, str):
        raise PermissionDenied(allowed)
    if allowed is False:
        raise PermissionDenied(message or "You do not have permission to do this.")


# --- reading and jobs --------------------------------------------------------


def can_view(user: Asker) -> bool:
    return bool(roles(user))


def can_export(user: Asker) -> bool:
    return can_view(user)


def can_start_sync(user: Asker) -> bool:
    return ADMIN in roles(user)


def can_manage_users(user: Asker) -> bool:
    """Users, roles, staff flags and git identities (the admin role)."""
    return ADMIN in roles(user)


def can_see_sync_sources(user: Asker) -> bool:
    """Where a sync fetched from when told to look elsewhere (a `file://` path on the
    server, a mirror's address) and which process ran it: admins, who start syncs."""
    return ADMIN in roles(user)


# --- reviews -------------------------------------------------------------------


def can_review(user: Asker) -> bool:
    """Holds the reviewer role (decisions on particular deviations: `decision_refusal`)."""
    return REVIEWER in roles(user)


def review_refusal(user: Asker, deviation: Deviation) -> str | None:
    """Why `user` may not record any decision on `deviation`, or None (four eyes aside)."""
    if not can_review(user):
        return "Only reviewers record review decisions."
    if deviation.removed:
        return "This deviation is no longer in the config; there is nothing to review."
    return None


def decision_refusal(user: Asker, deviation: Deviation, decision: Decision | str) -> str | None:
    """Why `user` may not record `decision` on `deviation` now, or None."""
    refusal = review_refusal(user, deviation)
    if refusal is None and decision == Decision.APPROVED:
        refusal = approval_refusal(user, deviation)
    return refusal


def approval_refusal(user: Asker, deviation: Deviation) -> str | None:
    """Four eyes: the reason `user` may not approve `deviation`, or None."""
    return approval_refusals(user, [deviation]).get(deviation.pk)


def approval_refusals(user: Asker, deviations: Iterable[Deviation]) -> dict[int, str]:
    """Four-eyes refusals for several deviations at once (two queries in all)."""
    ids = [d.pk for d in deviations]
    if not ids or isinstance(user, AnonymousUser):  # no role: refused before four eyes
        return {}
    refusals: dict[int, str] = {}
    for pk, how in authored(user, ids).items():
        refusals[pk] = (
            f"Four eyes: you authored this deviation ({how}), so someone else must approve it."
        )
    note_authored = set(
        NoteVersion.objects.filter(note__deviation_id__in=ids, author=user).values_list(
            "note__deviation_id", flat=True
        )
    )
    for pk in note_authored:
        refusals.setdefault(
            pk,
            "Four eyes: you wrote part of this deviation's justification notes, "
            "so someone else must approve it.",
        )
    return refusals


def suggestion_refusal(user: Asker, deviation: Deviation) -> str | None:
    """Why `user` may not accept or dismiss an upstream suggestion on `deviation`, or None.

    A suggestion is a reviewer's call, like a review decision (four eyes does not apply:
    accepting records agreement, it approves nothing).
    """
    if not can_review(user):
        return "Only reviewers accept or dismiss upstream suggestions."
    if deviation.removed:
        return "This deviation is no longer in the config; its suggestions are closed."
    return None


def can_steward(user: Asker) -> bool:
    """Sets owners and due dates and acknowledges drift: reviewers and admins."""
    return bool({REVIEWER, ADMIN} & roles(user))


def ownership_refusal(user: Asker, target: Deviation | Component) -> str | None:
    """Why `user` may not set the owner or due date of `target` (a deviation or a
    component), or None: reviewers and admins may, while it is in the config."""
    if not can_steward(user):
        return "Only reviewers and admins set owners and due dates."
    if target.removed:
        return "This is no longer in the config; its owner and due date are closed."
    return None


def acknowledgement_refusal(user: Asker, target: Deviation | Component) -> str | None:
    """Why `user` may not acknowledge (or withdraw an acknowledgement of) something on
    `target`, or None: reviewers and admins may, while it is in the config."""
    if not can_steward(user):
        return "Only reviewers and admins acknowledge drift, failures and flags."
    if target.removed:
        return "This is no longer in the config; there is nothing to acknowledge."
    return None


def can_check_upstream(user: Asker) -> bool:
    """Starting an upstream check is a job, like a sync: admins."""
    return ADMIN in roles(user)


# --- authorship through git identities ----------------------------------------------


def identities(user: Asker) -> tuple[frozenset[str], frozenset[str]]:
    """(e-mails, names) the user commits under, lower-cased; includes the account e-mail."""
    cached = getattr(user, _IDENTITIES_CACHE, None)
    if cached is None:
        emails, names = set(), set()
        if isinstance(user, User) and user.is_authenticated:
            if user.email:
                emails.add(user.email.strip().lower())
            for email, name in GitIdentity.objects.filter(user=user).values_list("email", "name"):
                if email:
                    emails.add(email.strip().lower())
                if name:
                    names.add(name.strip().lower())
        cached = (frozenset(emails), frozenset(names))
        setattr(user, _IDENTITIES_CACHE, cached)
    return cached


def authored(user: Asker, deviation_ids: Iterable[int]) -> dict[int, str]:
    """Which of these deviations the user authored, each with how (one query).

    Authored means the config commit that introduced the deviation or the one
    that last changed it has one of the user's e-mails or names as its author.
    Matching is case-insensitive; a name alone is enough, since a refusal on a
    namesake is the safe mistake.
    """
    ids = list(deviation_ids)
    if not ids:
        return {}
    # Any: the stubs cannot follow the annotations across the function's return.
    mine: Any = _authored_by(user)
    if mine is None:
        return {}
    rows = mine.filter(pk__in=ids).values_list(
        "pk",
        "introduced_commit__sha",
        "intro_email_lc",
        "intro_name_lc",
        "changed_commit__sha",
    )
    emails, names = identities(user)
    found = {}
    for pk, intro_sha, intro_email, intro_name, changed_sha in rows:
        if intro_email in emails or intro_name in names:
            found[pk] = f"introduced in your commit {intro_sha[:12]}"
        else:
            found[pk] = f"last changed in your commit {changed_sha[:12]}"
    return found


def _authored_by(user: Asker) -> QuerySet[Deviation] | None:
    """Every deviation the user authored (the rule of `authored`), None without identities."""
    emails, names = identities(user)
    if not (emails or names):
        return None

    def by(prefix: str) -> Q:
        q = Q(**{f"{prefix}_email_lc__in": emails}) if emails else Q(pk__in=[])
        if names:
            q |= Q(**{f"{prefix}_name_lc__in": names})
        return q

    return Deviation.objects.annotate(
        intro_email_lc=Lower("introduced_commit__author_email"),
        intro_name_lc=Lower("introduced_commit__author_name"),
        changed_email_lc=Lower("changed_commit__author_email"),
        changed_name_lc=Lower("changed_commit__author_name"),
    ).filter(by("intro") | by("changed"))


def approvable(user: Asker, deviations: QuerySet[Deviation]) -> QuerySet[Deviation]:
    """`deviations` less those four eyes keeps `user` from approving (the rule of
    `approval_refusals`, as a query: the review queue's "I may decide" filter)."""
    if not isinstance(user, User) or not can_review(user):
        return deviations.none()
    noted = NoteVersion.objects.filter(author=user).values("note__deviation_id")
    deviations = deviations.exclude(pk__in=noted)
    emails, names = identities(user)
    if not (emails or names):
        return deviations
    # The user's commits first (the commits table is small), then the deviations they
    # introduced or last changed: two uncorrelated INs, not a scan of every deviation.
    matches = Q(email_lc__in=emails) if emails else Q(pk__in=[])
    if names:
        matches |= Q(name_lc__in=names)
    commits = (
        ConfigCommit.objects.annotate(email_lc=Lower("author_email"), name_lc=Lower("author_name"))
        .filter(matches)
        .values("pk")
    )
    return deviations.exclude(
        Q(introduced_commit_id__in=commits) | Q(changed_commit_id__in=commits)
    )


# --- notes and identities ---------------------------------------------------------------


def note_refusal(user: Asker, deviation: Deviation) -> str | None:
    """Reviewers and the deviation's authors write justification notes."""
    if not can_view(user):
        return "You do not have access to azldrift."
    if deviation.removed:
        return "This deviation is no longer in the config; notes are closed."
    if can_review(user) or deviation.pk in authored(user, [deviation.pk]):
        return None
    return "Only reviewers and the deviation's authors write justification notes."


def can_add_note(user: Asker, deviation: Deviation) -> bool:
    return note_refusal(user, deviation) is None


def can_link_identity(user: Asker) -> bool:
    """Only admins link identities: a user who could unlink their own could dodge four eyes."""
    return can_manage_users(user)


# --- changing accounts: no self-escalation ------------------------------------------------

# What nobody changes on their own account (the snapshot keys of deviations.domain.people):
# their roles and flags would let them grant themselves more, and their e-mail and git
# identities decide four eyes (unlinking your own identity would let you approve your work).
SELF_GUARDED = ("groups", "is_superuser", "is_staff", "is_active", "permissions", "email",
                "git_identities", "identity")  # fmt: skip


def privileged(account: Mapping[str, Any] | None) -> bool:
    """An account snapshot with the admin role, staff or superuser status: an admin."""
    if not account:
        return False
    return bool(
        account.get("is_superuser") or account.get("is_staff") or ADMIN in account.get("groups", ())
    )


def account_change_refusal(
    user: Asker,
    target: User | None,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
) -> str | None:
    """Why `user` may not take the account `target` from `before` to `after`, or None.

    `before` and `after` are snapshots (deviations.domain.people.snapshot: groups,
    is_staff, is_superuser, is_active, permissions, email, git_identities, ...; `identity`
    names a link or unlink); a new account has neither `target` nor `before`; a password
    set by someone else is `after` with `password_set`.  The rules, for every face alike:

    - only admins manage accounts;
    - nobody changes their own roles, flags, permissions, e-mail or git identities;
    - only superusers change an admin's account (admin role, staff or superuser) and
      only they grant the admin role, staff, superuser status or Django permissions.

    A command run from the shell (no user) is trusted: shell access is database access.
    """
    if user is None:
        return None
    if not can_manage_users(user):
        return "Only admins manage users and identities."
    changed = {key for key in after if (before or {}).get(key) != after.get(key)}
    if not changed:
        return None
    if target is not None and target.pk == user.pk and changed & set(SELF_GUARDED):
        return (
            "Nobody changes their own roles, staff or superuser status, permissions, e-mail "
            "or git identities: ask another admin."
        )
    if isinstance(user, User) and user.is_superuser:
        return None
    if target is not None and target.pk != user.pk and privileged(before):
        return f"Only superusers change an admin's account ({target.get_username()} is an admin)."
    if privileged(after):
        return "Only superusers grant the admin role, staff or superuser status."
    if "permissions" in changed and after.get("permissions"):
        return "Only superusers grant Django permissions."
    return None
