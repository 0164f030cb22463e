"""Owners, due dates and acknowledgements: the services that change them, each with its
audit event in the same transaction.

- `set_owner` / `set_due_date`: a reviewer or admin sets (or clears) a deviation's or a
  component's owner or due date; from then on the app's value wins over the config's.
- `propose_from_config`: the import reads what the config proposes (core.config.ownership)
  for the deviations it wrote, and takes it where the app has set nothing.
- `acknowledge` / `withdraw`: live with drift, a failure or no-op at the tip, an obsolete
  flag or a suggestion until a date, for a reason.  The acknowledgement stores its basis
  (pin, tip, upstream version, verdict, content); `holding()` is the one rule of when it
  still holds, computed in SQL when pages are read, and `record_lapsed` (`manage.py
  expire`) writes down, once, those that stopped holding.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from deviations.core.config.ownership import propose
from deviations.domain import audit, permissions
from deviations.models import (
    Acknowledgement,
    Component,
    ComponentSync,
    Deviation,
    GitIdentity,
    ImportRun,
    Owner,
    UpstreamRelease,
    UpstreamSuggestion,
)
from deviations.vocabulary import (
    AcknowledgedSubject,
    AcknowledgementState,
    AssignedBy,
    AuditAction,
    SuggestionStatus,
    Verdict,
)
from deviations.vocabulary.ownership import TEMPORARY_CATEGORY

MAX_REASON = 5_000
# The furthest an acknowledgement may reach: long enough for a release cycle, short
# enough that nothing is acknowledged forever.
MAX_ACKNOWLEDGEMENT_DAYS = 366

Target = Deviation | Component


class OwnershipError(ValueError):
    """Input that cannot be taken; `field` names it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def today() -> dt.date:
    """The day the rules compare due and expiry dates with (the server's time zone)."""
    return timezone.localdate()


def _user(actor: audit.Actor) -> User:
    if actor.user is None:
        raise PermissionDenied("Owners, due dates and acknowledgements are set by users.")
    return actor.user


def _where(target: Target) -> dict[str, Any]:
    """The audit event's object: the deviation or component itself."""
    name = target.component.name if isinstance(target, Deviation) else target.name
    return {**audit.describe(target), "component_name": name}


def _locked(target: Target) -> Target:
    if isinstance(target, Deviation):
        return (
            Deviation.objects.select_for_update(of=("self",))
            .select_related("component", "owner")
            .get(pk=target.pk)
        )
    return (
        Component.objects.select_for_update(of=("self",)).select_related("owner").get(pk=target.pk)
    )


# --- owners and due dates -----------------------------------------------------------------


def owner_for(user: User) -> Owner:
    """The owner row of `user` (made the first time they own something)."""
    owner, _ = Owner.objects.get_or_create(user=user, defaults={"name": user.get_username()})
    return owner


def _owner_name(owner: Owner | None) -> str | None:
    return owner.name if owner is not None else None


def set_owner(actor: audit.Actor, target: Target, user: User | None) -> bool:
    """Make `user` (None: nobody) the owner of `target`, set in the app from now on.

    False when nothing changed (same owner, already set in the app): no event.
    """
    _user(actor)
    with transaction.atomic():
        target = _locked(target)
        permissions.require(permissions.ownership_refusal(actor.user, target))
        if user is not None and not user.is_active:
            raise OwnershipError(f"{user.get_username()} is not an active account.", "owner")
        owner = owner_for(user) if user is not None else None
        if (
            target.owner_id == (owner.pk if owner else None)
            and target.owner_source == AssignedBy.APP
        ):
            return False
        before = {"owner": _owner_name(target.owner), "source": target.owner_source}
        target.owner, target.owner_source = owner, AssignedBy.APP
        target.updated_at = timezone.now()
        target.save(update_fields=["owner", "owner_source", "updated_at"])
        audit.record(
            actor,
            AuditAction.OWNER_SET,
            **_where(target),
            before=before,
            after={"owner": _owner_name(owner), "source": AssignedBy.APP},
        )
    return True


def set_due_date(actor: audit.Actor, target: Target, due: dt.date | None) -> bool:
    """Set `target`'s due date (None: none), set in the app from now on; False when unchanged."""
    _user(actor)
    with transaction.atomic():
        target = _locked(target)
        permissions.require(permissions.ownership_refusal(actor.user, target))
        if target.due_date == due and target.due_date_source == AssignedBy.APP:
            return False
        before = {
            "due_date": target.due_date.isoformat() if target.due_date else None,
            "source": target.due_date_source,
        }
        target.due_date, target.due_date_source = due, AssignedBy.APP
        target.updated_at = timezone.now()
        target.save(update_fields=["due_date", "due_date_source", "updated_at"])
        audit.record(
            actor,
            AuditAction.DUE_DATE_SET,
            **_where(target),
            before=before,
            after={"due_date": due.isoformat() if due else None, "source": AssignedBy.APP},
        )
    return True


def _resolver() -> dict[str, User]:
    """Lower-cased usernames, account e-mails and git identities -> their active user."""
    found: dict[str, User] = {}
    users = {u.pk: u for u in User.objects.filter(is_active=True)}
    for identity in GitIdentity.objects.filter(user_id__in=users):
        for text in (identity.email, identity.name):
            if text:
                found.setdefault(text.strip().lower(), users[identity.user_id])
    for user in users.values():
        if user.email:
            found.setdefault(user.email.strip().lower(), user)
        found[user.get_username().lower()] = user
    return found


def propose_from_config(actor: audit.Actor, run: ImportRun) -> int:
    """Read the owner and due date the config proposes for the deviations `run` wrote a
    version of; keep the proposal, and take it as the value where the app has set none.
    An `ownership.proposed` event for each deviation whose proposal changed.  Call inside
    the import's transaction.  Returns how many changed."""
    changed = Deviation.objects.filter(current_version__import_run=run).select_related(
        "component", "current_version", "owner"
    )
    resolve: dict[str, User] | None = None
    updated: list[Deviation] = []
    drafts: list[audit.Draft] = []
    for deviation in changed.order_by("pk").iterator(chunk_size=2000):
        version = deviation.current_version
        assert version is not None  # filtered on it
        said = propose(version.metadata, version.comment)
        if (said.owner, said.due_date) == (deviation.proposed_owner, deviation.proposed_due_date):
            continue
        before = _proposal_state(deviation)
        deviation.proposed_owner, deviation.proposed_due_date = said.owner, said.due_date
        if deviation.owner_source != AssignedBy.APP:
            if said.owner:
                resolve = resolve if resolve is not None else _resolver()
                user = resolve.get(said.owner.lower())
                deviation.owner = owner_for(user) if user else None
            else:
                deviation.owner = None
            deviation.owner_source = AssignedBy.CONFIG if deviation.owner else ""
        if deviation.due_date_source != AssignedBy.APP:
            deviation.due_date = said.due_date
            deviation.due_date_source = AssignedBy.CONFIG if said.due_date else ""
        updated.append(deviation)
        after = _proposal_state(deviation)
        if said.problems:
            after["problems"] = list(said.problems)
        drafts.append(
            audit.Draft(
                AuditAction.OWNERSHIP_PROPOSED,
                **audit.describe(deviation),
                component_name=deviation.component.name,
                before=before,
                after=after,
            )
        )
    Deviation.objects.bulk_update(
        updated,
        [
            "proposed_owner",
            "proposed_due_date",
            "owner",
            "owner_source",
            "due_date",
            "due_date_source",
        ],
        batch_size=1000,
    )
    if drafts:
        audit.record_many(actor, drafts)
    return len(updated)


def _proposal_state(deviation: Deviation) -> dict[str, Any]:
    due = deviation.due_date
    proposed_due = deviation.proposed_due_date
    return {
        "proposed_owner": deviation.proposed_owner,
        "proposed_due_date": proposed_due.isoformat() if proposed_due else None,
        "owner": _owner_name(deviation.owner),
        "owner_source": deviation.owner_source,
        "due_date": due.isoformat() if due else None,
        "due_date_source": deviation.due_date_source,
    }


# --- findings ---------------------------------------------------------------------------


def temporary_q(prefix: str = "") -> Q:
    """A temporary workaround: its category says so, or its metadata says `temporary`."""
    return Q(**{f"{prefix}category": TEMPORARY_CATEGORY}) | Q(
        **{f"{prefix}current_version__metadata__temporary": True}
    )


def overdue_q(day: dt.date) -> Q:
    """Past its due date and still in the config (deviations and components alike)."""
    return Q(removed=False, due_date__lt=day)


def no_expiry_q() -> Q:
    """A temporary workaround still in the config with no due date."""
    return Q(removed=False, due_date__isnull=True) & temporary_q()


# --- acknowledgements -------------------------------------------------------------------


@dataclass(frozen=True)
class Basis:
    """What is true of an item now, as an acknowledgement stores it."""

    pin_commit: str = ""
    tip_commit: str = ""
    upstream_version: str = ""
    verdict: str = ""
    fingerprint: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "pin_commit": self.pin_commit,
            "tip_commit": self.tip_commit,
            "upstream_version": self.upstream_version,
            "verdict": self.verdict,
            "fingerprint": self.fingerprint,
        }


_CONDITION = {
    AcknowledgedSubject.FAILING_AT_TIP: Verdict.FAILED,
    AcknowledgedSubject.NOOP_AT_TIP: Verdict.NOOP,
}


def basis_now(
    subject: AcknowledgedSubject,
    component: Component,
    deviation: Deviation | None = None,
    suggestion: UpstreamSuggestion | None = None,
) -> Basis:
    """What `subject` rests on now; OwnershipError when there is nothing to acknowledge."""
    sync = (
        ComponentSync.objects.filter(component=component)
        .values("pinned_commit", "tip_commit", "commits_behind")
        .first()
    )
    if subject == AcknowledgedSubject.DRIFT:
        if not sync or not (sync["commits_behind"] or 0) > 0:
            raise OwnershipError("This component is not behind its branch tip.", "subject")
        version = (
            UpstreamRelease.objects.filter(component=component)
            .values_list("latest_version", flat=True)
            .first()
        )
        return Basis(sync["pinned_commit"], sync["tip_commit"], upstream_version=version or "")
    if deviation is None:
        raise OwnershipError("Name the deviation this is about.", "subject")
    tip = sync["tip_commit"] if sync else ""
    if subject == AcknowledgedSubject.SUGGESTION:
        if suggestion is None or suggestion.deviation_id != deviation.pk:
            raise OwnershipError("Name one of this deviation's suggestions.", "suggestion")
        if suggestion.status != SuggestionStatus.OPEN:
            raise OwnershipError("This suggestion is no longer open.", "suggestion")
        return Basis(fingerprint=suggestion.evidence_hash)
    if subject == AcknowledgedSubject.OBSOLETE:
        if not deviation.obsolete:
            raise OwnershipError("This deviation is not flagged obsolete.", "subject")
        return Basis(tip_commit=tip, verdict="obsolete", fingerprint=deviation.fingerprint)
    wanted = _CONDITION[subject]
    if deviation.verdict_at_tip != wanted:
        raise OwnershipError(
            f"This deviation's verdict at the tip is not {wanted.label}.", "subject"
        )
    return Basis(tip_commit=tip, verdict=wanted, fingerprint=deviation.fingerprint)


def _with_now(queryset: QuerySet[Acknowledgement]) -> QuerySet[Acknowledgement]:
    return queryset.annotate(
        pin_now=Coalesce("component__sync__pinned_commit", Value("")),
        tip_now=Coalesce("component__sync__tip_commit", Value("")),
        behind_now=Coalesce("component__sync__commits_behind", Value(0)),
        upstream_now=Coalesce("component__upstream_release__latest_version", Value("")),
    )


def _basis_holds() -> Q:
    """The basis of an (annotated, see _with_now) acknowledgement is still what is true."""
    tip = Q(tip_now=F("basis_tip_commit"))
    on_deviation = Q(deviation__removed=False, deviation__fingerprint=F("basis_fingerprint"))
    return (
        Q(
            subject=AcknowledgedSubject.DRIFT,
            component__removed=False,
            pin_now=F("basis_pin_commit"),
            upstream_now=F("basis_upstream_version"),
            behind_now__gt=0,
        )
        & tip
        | Q(subject=AcknowledgedSubject.FAILING_AT_TIP, deviation__verdict_at_tip=Verdict.FAILED)
        & tip
        & on_deviation
        | Q(subject=AcknowledgedSubject.NOOP_AT_TIP, deviation__verdict_at_tip=Verdict.NOOP)
        & tip
        & on_deviation
        | Q(subject=AcknowledgedSubject.OBSOLETE, deviation__obsolete=True) & tip & on_deviation
        | Q(
            subject=AcknowledgedSubject.SUGGESTION,
            deviation__removed=False,
            suggestion__status=SuggestionStatus.OPEN,
        )
    )


def holding(day: dt.date | None = None) -> QuerySet[Acknowledgement]:
    """The acknowledgements that hold on `day` (today): recorded active, not yet at their
    expiry date, and their basis unchanged.  The one rule every count and page uses."""
    day = day or today()
    return _with_now(
        Acknowledgement.objects.filter(state=AcknowledgementState.ACTIVE, expires_on__gt=day)
    ).filter(_basis_holds())


def state_of(ack: Acknowledgement, day: dt.date | None = None) -> AcknowledgementState:
    """An acknowledgement's state on `day`, computed (one query while it is recorded active)."""
    if ack.state != AcknowledgementState.ACTIVE:
        return AcknowledgementState(ack.state)
    if ack.expires_on <= (day or today()):
        return AcknowledgementState.EXPIRED
    if not holding(day).filter(pk=ack.pk).exists():
        return AcknowledgementState.BASIS_CHANGED
    return AcknowledgementState.ACTIVE


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip().replace("\r\n", "\n")
    if not reason:
        raise OwnershipError("Say why: an acknowledgement needs a reason.", "reason")
    if len(reason) > MAX_REASON:
        raise OwnershipError(f"A reason is at most {MAX_REASON} characters.", "reason")
    return reason


def _check_expiry(expires_on: dt.date | None) -> dt.date:
    if expires_on is None:
        raise OwnershipError("An acknowledgement needs an expiry date.", "expires_on")
    day = today()
    if expires_on <= day:
        raise OwnershipError("The expiry date must be after today.", "expires_on")
    if (expires_on - day).days > MAX_ACKNOWLEDGEMENT_DAYS:
        raise OwnershipError(
            f"An acknowledgement lasts at most {MAX_ACKNOWLEDGEMENT_DAYS} days.", "expires_on"
        )
    return expires_on


def _ack_payload(ack: Acknowledgement) -> dict[str, Any]:
    return {
        "acknowledgement": ack.pk,
        "subject": ack.subject,
        "reason": ack.reason,
        "expires_on": ack.expires_on.isoformat(),
        "suggestion": ack.suggestion_id,
        "basis": {
            "pin_commit": ack.basis_pin_commit,
            "tip_commit": ack.basis_tip_commit,
            "upstream_version": ack.basis_upstream_version,
            "verdict": ack.basis_verdict,
            "fingerprint": ack.basis_fingerprint,
        },
    }


def _ack_where(ack: Acknowledgement) -> dict[str, Any]:
    """Filed under the deviation, or the component for drift, so their trails show it."""
    if ack.deviation is not None:
        return _where(ack.deviation)
    return _where(ack.component)


def acknowledge(
    actor: audit.Actor,
    subject: AcknowledgedSubject | str,
    target: Target,
    *,
    reason: str,
    expires_on: dt.date | None,
    suggestion: UpstreamSuggestion | None = None,
) -> Acknowledgement:
    """Acknowledge `subject` on `target` (drift on a component; the rest on a deviation)
    until `expires_on`, for `reason`.  An active acknowledgement of the same item is
    replaced (the new event's `before` shows it)."""
    user = _user(actor)
    try:
        subject = AcknowledgedSubject(subject)
    except ValueError:
        raise OwnershipError(
            f"Nothing called {subject!r} can be acknowledged.", "subject"
        ) from None
    reason = _clean_reason(reason)
    expires_on = _check_expiry(expires_on)
    is_drift = subject == AcknowledgedSubject.DRIFT
    if is_drift != isinstance(target, Component):
        raise OwnershipError(
            "Drift is acknowledged on a component; the rest on a deviation.", "subject"
        )
    with transaction.atomic():
        target = _locked(target)
        permissions.require(permissions.acknowledgement_refusal(actor.user, target))
        deviation = target if isinstance(target, Deviation) else None
        component = deviation.component if deviation is not None else target
        assert isinstance(component, Component)
        if suggestion is not None:
            suggestion = UpstreamSuggestion.objects.get(pk=suggestion.pk)
        basis = basis_now(subject, component, deviation, suggestion)
        same = Acknowledgement.objects.select_for_update().filter(
            subject=subject,
            component=component,
            deviation=deviation,
            suggestion=suggestion,
            state=AcknowledgementState.ACTIVE,
        )
        previous = [_ack_payload(a) for a in same]
        now = timezone.now()
        same.update(state=AcknowledgementState.REPLACED, ended_at=now)
        ack = Acknowledgement.objects.create(
            subject=subject,
            component=component,
            deviation=deviation,
            suggestion=suggestion,
            reason=reason,
            expires_on=expires_on,
            basis_pin_commit=basis.pin_commit,
            basis_tip_commit=basis.tip_commit,
            basis_upstream_version=basis.upstream_version,
            basis_verdict=basis.verdict,
            basis_fingerprint=basis.fingerprint,
            created_by=user,
            created_at=now,
        )
        audit.record(
            actor,
            AuditAction.ACKNOWLEDGED,
            **_ack_where(ack),
            before={"replaced": previous} if previous else None,
            after=_ack_payload(ack),
        )
    return ack


def withdraw(actor: audit.Actor, ack: Acknowledgement) -> bool:
    """End `ack` before its date; False when it had ended already (no event)."""
    _user(actor)
    with transaction.atomic():
        ack = (
            Acknowledgement.objects.select_for_update(of=("self",))
            .select_related("component", "deviation__component")
            .get(pk=ack.pk)
        )
        target: Target = ack.deviation if ack.deviation is not None else ack.component
        permissions.require(permissions.acknowledgement_refusal(actor.user, target))
        if ack.state != AcknowledgementState.ACTIVE:
            return False
        ack.state, ack.ended_at = AcknowledgementState.WITHDRAWN, timezone.now()
        ack.save(update_fields=["state", "ended_at"])
        audit.record(
            actor,
            AuditAction.ACKNOWLEDGEMENT_WITHDRAWN,
            **_ack_where(ack),
            before=_ack_payload(ack),
            after={"acknowledgement": ack.pk, "state": AcknowledgementState.WITHDRAWN},
        )
    return True


@dataclass
class Lapsed:
    """What `record_lapsed` wrote down: each acknowledgement that stopped holding, and why."""

    expired: list[Acknowledgement]
    basis_changed: list[Acknowledgement]

    @property
    def total(self) -> int:
        return len(self.expired) + len(self.basis_changed)


def _why(ack: Acknowledgement) -> dict[str, Any]:
    """What changed under a lapsed acknowledgement (read from its annotations)."""
    now = {
        "pin_commit": getattr(ack, "pin_now", ""),
        "tip_commit": getattr(ack, "tip_now", ""),
        "upstream_version": getattr(ack, "upstream_now", ""),
    }
    stored = {
        "pin_commit": ack.basis_pin_commit,
        "tip_commit": ack.basis_tip_commit,
        "upstream_version": ack.basis_upstream_version,
    }
    changed = {
        k: {"was": stored[k], "now": now[k]} for k in now if stored[k] and stored[k] != now[k]
    }
    if ack.deviation is not None:
        dev = ack.deviation
        if dev.removed:
            changed["deviation"] = {"was": "in the config", "now": "removed"}
        if ack.basis_fingerprint and dev.fingerprint != ack.basis_fingerprint:
            changed["content"] = {"was": ack.basis_fingerprint, "now": dev.fingerprint}
        if ack.subject in _CONDITION and dev.verdict_at_tip != ack.basis_verdict:
            changed["verdict_at_tip"] = {"was": ack.basis_verdict, "now": dev.verdict_at_tip}
        if ack.subject == AcknowledgedSubject.OBSOLETE and not dev.obsolete:
            changed["obsolete"] = {"was": True, "now": False}
    if ack.suggestion is not None and ack.suggestion.status != SuggestionStatus.OPEN:
        changed["suggestion"] = {"was": SuggestionStatus.OPEN, "now": ack.suggestion.status}
    return changed


def record_lapsed(actor: audit.Actor, day: dt.date | None = None) -> Lapsed:
    """Write down every acknowledgement recorded active that no longer holds on `day`:
    `acknowledgement.expired` (its date came) or `acknowledgement.lapsed` (its basis
    changed), one event each, once: a second run finds them recorded and writes nothing."""
    day = day or today()
    result = Lapsed([], [])
    with transaction.atomic():
        active = _with_now(
            Acknowledgement.objects.select_for_update(of=("self",)).filter(
                state=AcknowledgementState.ACTIVE
            )
        )
        held = set(holding(day).values_list("pk", flat=True))
        ended = [
            ack
            for ack in active.select_related(
                "component", "deviation__component", "suggestion"
            ).order_by("pk")
            if ack.pk not in held
        ]
        now = timezone.now()
        drafts = []
        for ack in ended:
            expired = ack.expires_on <= day
            ack.state = (
                AcknowledgementState.EXPIRED if expired else AcknowledgementState.BASIS_CHANGED
            )
            ack.ended_at = now
            (result.expired if expired else result.basis_changed).append(ack)
            after: dict[str, Any] = {"acknowledgement": ack.pk, "state": ack.state}
            if not expired:
                after["changed"] = _why(ack)
            drafts.append(
                audit.Draft(
                    AuditAction.ACKNOWLEDGEMENT_EXPIRED
                    if expired
                    else AuditAction.ACKNOWLEDGEMENT_LAPSED,
                    **_ack_where(ack),
                    before=_ack_payload(ack),
                    after=after,
                )
            )
        Acknowledgement.objects.bulk_update(ended, ["state", "ended_at"], batch_size=1000)
        if drafts:
            audit.record_many(actor, drafts)
    return result


def acknowledged_ids(
    subject: AcknowledgedSubject, day: dt.date | None = None, *, of: Iterable[int] | None = None
) -> set[int]:
    """Ids of the deviations (components, for drift) whose `subject` holds acknowledged."""
    column = "component_id" if subject == AcknowledgedSubject.DRIFT else "deviation_id"
    rows = holding(day).filter(subject=subject)
    if of is not None:
        rows = rows.filter(**{f"{column}__in": list(of)})
    return set(rows.values_list(column, flat=True))
