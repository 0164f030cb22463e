"""Review decisions, bound to the exact content and effect decided on.

A decision (approve, request changes, reject) is a `Review` row carrying the
deviation's fingerprint (its normalised content) and effect hash (its own
rendered diff at the pinned upstream commit, with the diff text itself) at
that moment.  When the config re-import changes the fingerprint or a sync
changes the effect, `lapse_changed()` turns the decision stale, with an
audit event saying why; `changes_since_decision()` shows a reviewer exactly
what moved since.

Every function here changes state and its audit events in one transaction,
and checks permissions itself (deviations.domain.permissions), so the HTML views,
the API and commands share the same rules.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from deviations.core import severity
from deviations.domain import audit, permissions
from deviations.models import ConfigCommit, Deviation, DeviationVersion, OverlayResult, Review
from deviations.vocabulary import AuditAction, Decision, ReviewState, Severity, Target, Verdict
from deviations.vocabulary.reviews import DECIDED, OPEN

__all__ = ["DECIDED", "OPEN"]  # the states that can lapse, and the ones that wait
MAX_COMMENT = 10_000


class ReviewError(ValueError):
    """A decision that cannot be recorded; `field` names the input at fault, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Seen:
    """The content and effect a reviewer was shown (hidden form fields, the API's input).

    Every decision carries one: a decision is bound to what its reviewer read,
    never to whatever the deviation happens to be when it is recorded.
    """

    fingerprint: str
    effect_hash: str


class ContentChanged(ReviewError):
    """The deviation changed between the reviewer reading it and deciding.

    `changed` names what moved ("content", "effect"); `current` is what the
    deviation is now, for a client that reads it again.
    """

    def __init__(self, message: str, changed: tuple[str, ...], current: Seen) -> None:
        super().__init__(message)
        self.changed = changed
        self.current = current


def current_effect(deviation: Deviation) -> str:
    """The deviation's own rendered diff at the pinned upstream commit ("" before a sync)."""
    diff = (
        OverlayResult.objects.filter(deviation=deviation, target=Target.PIN)
        .values_list("diff", flat=True)
        .first()
    )
    return diff or ""


def seen_now(deviation: Deviation) -> Seen:
    return Seen(deviation.fingerprint, deviation.effect_hash)


def _decision(decision: Decision | str) -> Decision:
    try:
        return Decision(decision)
    except ValueError:
        raise ReviewError(f"unknown decision {decision!r}", field="decision") from None


def broken_now(deviation: Deviation) -> bool:
    """The deviation is broken now (the severity rule of deviations.core.severity: it
    fails at the pinned upstream commit, as its last sync stored it)."""
    found = severity.severities(
        verdict_at_pin=deviation.verdict_at_pin,
        verdict_at_tip=deviation.verdict_at_tip,
        review_state=deviation.review_state,
        obsolete=deviation.obsolete,
        documented=deviation.documented,
    )
    return Severity.BROKEN_NOW in found


DESPITE_FAILURE = (
    "Say why you approve despite the failure: this deviation fails at the pinned "
    "upstream commit, so approving it needs a comment."
)


def comment_refusal(
    deviation: Deviation | None, decision: Decision | str, comment: str
) -> str | None:
    """Why `comment` is not enough for `decision` on `deviation`, or None.

    The one rule the review page, the bulk confirmation and the API share (through
    `decide` and `approve_many`): anything but an approval says why, and so does an
    approval of a deviation that is broken now ("approve despite failure").
    """
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        return f"The comment is longer than {MAX_COMMENT} characters."
    if comment:
        return None
    if decision != Decision.APPROVED:
        return "Say why: a comment is required to request changes or reject."
    if deviation is not None and broken_now(deviation):
        return DESPITE_FAILURE
    return None


def _clean_comment(decision: Decision, comment: str, deviation: Deviation | None = None) -> str:
    refusal = comment_refusal(deviation, decision, comment)
    if refusal:
        raise ReviewError(refusal, field="comment")
    return (comment or "").strip()


def _short(hash_: str) -> str:
    return hash_[:12] if hash_ else "none (not synced)"


def what_changed(deviation: Deviation, seen: Seen) -> tuple[tuple[str, ...], str]:
    """What moved since the reviewer read `seen`: ("content", "effect") or fewer, and
    a sentence naming the versions (content) and effect hashes with the sync (effect)."""
    changed, parts = [], []
    if seen.fingerprint != deviation.fingerprint:
        changed.append("content")
        read = (
            DeviationVersion.objects.filter(deviation=deviation, fingerprint=seen.fingerprint)
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
        )
        now = deviation.current_version.number if deviation.current_version else None
        parts.append(
            f"its content (you read {f'version {read}' if read else 'a version it never had'}, "
            f"it is now {f'version {now}' if now else 'without a version'})"
        )
    if seen.effect_hash != deviation.effect_hash:
        changed.append("effect")
        pin = (
            OverlayResult.objects.filter(deviation=deviation, target=OverlayResult.Target.PIN)
            .values_list("run_id", "upstream_commit")
            .first()
        )
        rendered = f", rendered by sync #{pin[0]} at {pin[1][:12]}" if pin else ""
        parts.append(
            "its rendered effect at the pinned upstream commit (you read effect "
            f"{_short(seen.effect_hash)}, it is now {_short(deviation.effect_hash)}{rendered})"
        )
    return tuple(changed), " and ".join(parts)


def _check_seen(deviation: Deviation, seen: Seen) -> None:
    changed, what = what_changed(deviation, seen)
    if changed:
        raise ContentChanged(
            f"{deviation} changed since you read it: {what}. "
            "Read it again and decide on what it is now.",
            changed,
            seen_now(deviation),
        )


def _locked(ids: Sequence[int]) -> list[Deviation]:
    # Lock in primary-key order, so two bulk reviews cannot deadlock.
    return list(
        Deviation.objects.select_for_update(of=("self",))
        .select_related("component", "current_version")
        .filter(pk__in=ids)
        .order_by("pk")
    )


def _draft(deviation: Deviation, review: Review, old_state: str) -> audit.Draft:
    version = deviation.current_version
    despite = review.decision == Decision.APPROVED and broken_now(deviation)
    return audit.Draft(
        action=AuditAction.for_decision(review.decision),
        **audit.describe(deviation),
        component_name=deviation.component.name,
        before={"review_state": old_state},
        after={
            "review_state": review.decision,
            "review": review.pk,
            "comment": review.comment,
            "version": version.number if version else None,
            "fingerprint": review.fingerprint,
            "effect_hash": review.effect_hash,
            "verdict_at_pin": deviation.verdict_at_pin,
            "verdict_at_tip": deviation.verdict_at_tip,
            # An approval of a deviation that fails at the pin says so ("approve despite
            # failure"); its comment says why.
            "despite_failure": despite,
        },
    )


def _effects(ids: Iterable[int]) -> dict[int, str]:
    return dict(
        OverlayResult.objects.filter(deviation_id__in=list(ids), target=Target.PIN).values_list(
            "deviation_id", "diff"
        )
    )


def _review(
    deviation: Deviation,
    user: User | None,
    decision: Decision,
    comment: str,
    now: dt.datetime,
    effect_diff: str | None = None,
) -> Review:
    if deviation.current_version_id is None:
        raise ReviewError(f"{deviation} has no recorded content to decide on.")
    return Review(
        deviation=deviation,
        version_id=deviation.current_version_id,
        decision=decision,
        comment=comment,
        reviewer=user,
        fingerprint=deviation.fingerprint,
        effect_hash=deviation.effect_hash,
        effect_diff=current_effect(deviation) if effect_diff is None else effect_diff,
        created_at=now,
    )


def decide(
    actor: audit.Actor,
    deviation: Deviation | int,
    decision: Decision | str,
    comment: str = "",
    *,
    seen: Seen,
) -> Review:
    """Record one decision by `actor.user` on `deviation`.

    `seen` is what the reviewer was shown (required: a decision is bound to
    it); if the deviation has changed since, `ContentChanged` names what and
    nothing is written.  Raises PermissionDenied (no reviewer role, four eyes)
    or ReviewError.
    """
    decision = _decision(decision)
    comment = _clean_comment(decision, comment)
    user = actor.user
    pk = deviation if isinstance(deviation, int) else deviation.pk
    with transaction.atomic():
        found = _locked([pk])
        if not found:
            raise ReviewError(f"deviation #{pk} does not exist")
        dev = found[0]
        permissions.require(permissions.decision_refusal(user, dev, decision))
        _check_seen(dev, seen)
        # Broken now or not is read under the lock, from what the reviewer saw (the
        # effect hash just checked): an approval of a failure says why.
        _clean_comment(decision, comment, dev)
        now = timezone.now()
        review = _review(dev, user, decision, comment, now)
        review.save()
        old_state = dev.review_state
        Deviation.objects.filter(pk=dev.pk).update(
            review_state=decision.state, review_state_changed_at=now
        )
        dev.review_state, dev.review_state_changed_at = decision.state, now
        audit.record_many(actor, [_draft(dev, review, old_state)])
    return review


@dataclass(frozen=True)
class Refused:
    deviation_id: int
    label: str
    reason: str


@dataclass
class BulkOutcome:
    approved: list[Review]
    refused: list[Refused]


def _bulk_refusal(dev: Deviation, basic: str | None, four_eyes: str | None) -> str | None:
    if basic or four_eyes:
        return basic or four_eyes
    if dev.review_state == ReviewState.APPROVED:
        return "Already approved."
    if dev.current_version_id is None:
        return "It has no recorded content to decide on."
    return None


def bulk_preview(user: User, deviation_ids: Iterable[int]) -> list[tuple[Deviation, str | None]]:
    """For the confirmation page: each selected deviation and why it would be refused, or None."""
    ids = list(dict.fromkeys(int(i) for i in deviation_ids))
    devs = list(
        Deviation.objects.select_related("component", "current_version")
        .filter(pk__in=ids)
        .order_by("component__name", "position")
    )
    four_eyes = permissions.approval_refusals(user, devs)
    return [
        (
            dev,
            _bulk_refusal(dev, permissions.review_refusal(user, dev), four_eyes.get(dev.pk)),
        )
        for dev in devs
    ]


def failures_at_pin(deviation_ids: Iterable[int]) -> dict[int, str]:
    """Why each of these deviations that is broken now fails at the pin (the sync's
    message; "" when it gave none), for pages that list several."""
    return dict(
        OverlayResult.objects.filter(
            deviation_id__in=list(deviation_ids), target=Target.PIN, verdict=Verdict.FAILED
        ).values_list("deviation_id", "message")
    )


def approve_many(actor: audit.Actor, selection: dict[int, Seen], comment: str = "") -> BulkOutcome:
    """Approve a selection in one transaction: one Review and one event per deviation.

    `selection` maps each deviation to what the reviewer confirmed it as (the
    confirmation page's content and effect).  Each deviation is checked on its
    own (role, four eyes, still what was confirmed, a comment when it is broken
    now); the ones refused are returned with the reason and left untouched, the
    others approved.
    """
    comment = _clean_comment(Decision.APPROVED, comment)
    user = actor.user
    permissions.require(permissions.can_review(user), "Only reviewers record review decisions.")
    with transaction.atomic():
        devs = _locked(list(selection))
        four_eyes = permissions.approval_refusals(user, devs)
        effects = _effects(d.pk for d in devs)
        now = timezone.now()
        approved: list[tuple[Deviation, Review]] = []
        refused = [
            Refused(pk, f"deviation #{pk}", "It does not exist.")
            for pk in sorted(set(selection) - {d.pk for d in devs})
        ]
        for dev in devs:
            reason = _bulk_refusal(
                dev, permissions.review_refusal(user, dev), four_eyes.get(dev.pk)
            )
            if reason is None:
                changed, what = what_changed(dev, selection[dev.pk])
                if changed:
                    reason = f"It changed after you confirmed: {what}. Review it again."
            if reason is None:
                reason = comment_refusal(dev, Decision.APPROVED, comment)
            if reason:
                refused.append(Refused(dev.pk, str(dev), reason))
                continue
            review = _review(dev, user, Decision.APPROVED, comment, now, effects.get(dev.pk) or "")
            approved.append((dev, review))
        reviews = Review.objects.bulk_create([review for _, review in approved])
        drafts = []
        for (dev, _), review in zip(approved, reviews, strict=True):
            drafts.append(_draft(dev, review, dev.review_state))
            dev.review_state, dev.review_state_changed_at = ReviewState.APPROVED, now
        Deviation.objects.filter(pk__in=[dev.pk for dev, _ in approved]).update(
            review_state=ReviewState.APPROVED, review_state_changed_at=now
        )
        audit.record_many(actor, drafts)
    return BulkOutcome(approved=reviews, refused=refused)


# --- staleness -------------------------------------------------------------------------


def last_reviews(deviation_ids: Iterable[int]) -> dict[int, Review]:
    """The latest review of each deviation that has one."""
    latest: dict[int, Review] = {}
    ids = list(deviation_ids)
    for start in range(0, len(ids), 2000):
        rows = (
            Review.objects.filter(deviation_id__in=ids[start : start + 2000])
            .select_related("reviewer", "version")
            .order_by("deviation_id", "-created_at", "-pk")
        )
        for review in rows:
            latest.setdefault(review.deviation_id, review)
    return latest


def decided_label(review: Review) -> str:
    """ "approved", "changes requested", "rejected" (the state the decision put it in)."""
    return Decision(review.decision).state.label


def _lapse_reason(review: Review, dev: Deviation, cause: str) -> str:
    what = []
    if review.fingerprint != dev.fingerprint:
        what.append("its content changed")
    if review.effect_hash != dev.effect_hash:
        what.append("its rendered effect at the pinned upstream commit changed")
    decided = f"{decided_label(review)} by {review.reviewer.get_username()}"
    return f"{' and '.join(what).capitalize()} ({cause}) after it was decided ({decided})."


def lapse_changed(
    actor: audit.Actor, deviations: Iterable[Deviation | int], *, cause: str
) -> list[Deviation]:
    """Turn decided deviations whose content or effect moved since their decision stale.

    The one staleness rule, shared by the importer (a re-import changed the
    fingerprint) and the sync (the effect hash changed).  Call it inside the
    caller's transaction, after saving the new fingerprint / effect hash, with
    the deviations it touched; `cause` says what did it ("import #3", "sync
    #7").  Deviations still bound to their decision, or never decided, are
    left alone.  Returns the ones that went stale; each gets a
    `review.lapsed` event whose `after.reason` says why.
    """
    ids = [d if isinstance(d, int) else d.pk for d in deviations]
    if not ids:
        return []
    decided = []
    for start in range(0, len(ids), 2000):
        decided += list(
            Deviation.objects.select_related("component")
            .filter(pk__in=ids[start : start + 2000], review_state__in=DECIDED)
            .order_by("pk")
        )
    if not decided:
        return []
    latest = last_reviews(d.pk for d in decided)
    now = timezone.now()
    stale, drafts = [], []
    for dev in decided:
        review = latest.get(dev.pk)
        if review is None:
            continue  # a decided state without a review: not ours to judge
        if (review.fingerprint, review.effect_hash) == (dev.fingerprint, dev.effect_hash):
            continue
        drafts.append(
            audit.Draft(
                action=AuditAction.REVIEW_LAPSED,
                **audit.describe(dev),
                component_name=dev.component.name,
                before={
                    "review_state": dev.review_state,
                    "review": review.pk,
                    "fingerprint": review.fingerprint,
                    "effect_hash": review.effect_hash,
                },
                after={
                    "review_state": ReviewState.STALE,
                    "fingerprint": dev.fingerprint,
                    "effect_hash": dev.effect_hash,
                    "reason": _lapse_reason(review, dev, cause),
                },
            )
        )
        dev.review_state, dev.review_state_changed_at = ReviewState.STALE, now
        stale.append(dev)
    if stale:
        Deviation.objects.filter(pk__in=[d.pk for d in stale]).update(
            review_state=ReviewState.STALE, review_state_changed_at=now
        )
        audit.record_many(actor, drafts)
    return stale


# --- what changed since the last decision ----------------------------------------------------


def _content_text(version: DeviationVersion | None) -> list[str]:
    if version is None:
        return []
    shown = {
        "content": version.content,
        "description": version.description,
        "metadata": version.metadata,
        "comment": version.comment,
        "reason": version.reason,
    }
    text = json.dumps(shown, indent=2, sort_keys=True, ensure_ascii=False)
    return [line + "\n" for line in text.splitlines()]


def _marked(
    old: list[str], new: list[str]
) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """Both sides line by line, each line marked when it is not on the other side."""
    left = [(line, True) for line in old]
    right = [(line, True) for line in new]
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for block in matcher.get_matching_blocks():
        for i in range(block.size):
            left[block.a + i] = (old[block.a + i], False)
            right[block.b + i] = (new[block.b + i], False)
    return left, right


def _unified(old: list[str], new: list[str], old_label: str, new_label: str) -> str:
    return "".join(difflib.unified_diff(old, new, old_label, new_label, n=3))


@dataclass(frozen=True)
class LapseCause:
    """What made a decision lapse: the config commit (and its import) that changed the
    content, or the sync run and upstream commit that rendered another effect."""

    commit: ConfigCommit | None = None  # content: the commit that last changed it
    import_run: int | None = None  # content: the import that recorded the version now
    sync_run: int | None = None  # effect: the sync that rendered the effect now
    upstream_commit: str = ""  # effect: the pinned upstream commit it rendered at


@dataclass
class SinceDecision:
    """The difference between what was decided on and what is there now."""

    review: Review
    content_changed: bool
    effect_changed: bool
    content_diff: str  # unified diff of the content and justification, decided -> now
    effect_diff: str  # unified diff of the rendered effect (a diff of diffs), decided -> now
    # Side by side, as they read: the content and justification (JSON text) and the
    # effect (the deviation's own diff), decided on and now.
    content_decided: str = ""
    content_now: str = ""
    # The same texts line by line, each line with whether it differs from the other side.
    content_decided_lines: list[tuple[str, bool]] = field(default_factory=list)
    content_now_lines: list[tuple[str, bool]] = field(default_factory=list)
    effect_decided: str = ""
    effect_now: str = ""
    content_cause: LapseCause | None = None
    effect_cause: LapseCause | None = None

    @property
    def changed(self) -> bool:
        return self.content_changed or self.effect_changed

    @property
    def decided_as(self) -> str:
        return decided_label(self.review)


def changes_since_decision(
    deviation: Deviation,
    *,
    reviews: Sequence[Review] | None = None,
    effect: str | None = None,
) -> SinceDecision | None:
    """What changed since the last decision on `deviation` (None if never decided).

    Pages that already hold the deviation's reviews (newest first, with
    reviewer and version) and its current effect diff pass them in, which
    spares the queries.
    """
    if reviews is None:
        review = last_reviews([deviation.pk]).get(deviation.pk)
    else:
        review = reviews[0] if reviews else None
    if review is None:
        return None
    current = deviation.current_version
    old_label = (
        f"decided: v{review.version.number}, {decided_label(review)} by "
        f"{review.reviewer.get_username()} {review.created_at:%Y-%m-%d %H:%M} UTC"
    )
    now_label = f"now: v{current.number}" if current else "now"
    content_changed = review.fingerprint != deviation.fingerprint
    effect_changed = review.effect_hash != deviation.effect_hash
    content_diff = ""
    if content_changed or (current and current.pk != review.version_id):
        content_diff = _unified(
            _content_text(review.version), _content_text(current), old_label, now_label
        )
    effect_diff = effect_now = ""
    effect_cause = None
    if effect_changed:
        effect_now = current_effect(deviation) if effect is None else effect
        effect_diff = _unified(
            review.effect_diff.splitlines(keepends=True),
            effect_now.splitlines(keepends=True),
            "effect decided on",
            "effect now",
        )
        pin = (
            OverlayResult.objects.filter(deviation=deviation, target=Target.PIN)
            .values_list("run_id", "upstream_commit")
            .first()
        )
        effect_cause = LapseCause(sync_run=pin[0], upstream_commit=pin[1]) if pin else None
    content_cause = None
    decided_lines: list[tuple[str, bool]] = []
    now_lines: list[tuple[str, bool]] = []
    if content_changed:
        decided_lines, now_lines = _marked(_content_text(review.version), _content_text(current))
        content_cause = LapseCause(
            commit=deviation.changed_commit or deviation.introduced_commit,
            import_run=current.import_run_id if current else None,
        )
    return SinceDecision(
        review,
        content_changed,
        effect_changed,
        content_diff,
        effect_diff,
        content_decided="".join(_content_text(review.version)) if content_changed else "",
        content_now="".join(_content_text(current)) if content_changed else "",
        content_decided_lines=decided_lines,
        content_now_lines=now_lines,
        effect_decided=review.effect_diff if effect_changed else "",
        effect_now=effect_now,
        content_cause=content_cause,
        effect_cause=effect_cause,
    )


def history(deviation: Deviation) -> list[Review]:
    return list(
        Review.objects.filter(deviation=deviation)
        .select_related("reviewer", "version")
        .order_by("-created_at", "-pk")
    )
