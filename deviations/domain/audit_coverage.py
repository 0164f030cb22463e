"""Does the audit trail reach every record that is only ever written with its events?

A hash chain proves that the events it holds are unaltered, not that it holds them all:
emptied (TRUNCATE of both tables) and written again, a trail starts afresh at #1 and
verifies.  The records below never exist without their audit events, written in the
same transaction, so an empty trail beside them, or one that lacks their events, was
cut short:

- an import run (`ImportRun` is created only by an import that changed something) has
  events by its actor, "import #N";
- a review decision (`Review`) has its event on the deviation (`review.approved`, ...:
  `AuditAction.for_decision`);
- a sync run that changed something wrote a component's first sync state at some point,
  always with an event (so it only counts when the trail is empty: a later run can
  rewrite a state with no visible change, and no event).
"""

from __future__ import annotations

from django.db import connection
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat

from deviations.models import AuditEvent, Deviation, ImportRun, Review, SyncRun
from deviations.vocabulary import AuditAction, Decision

SHOWN = 5  # records named in a message; the count says how many


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _names(pks: list[int], total: int) -> str:
    shown = ", ".join(f"#{pk}" for pk in pks[:SHOWN])
    return shown + (f" and {total - SHOWN} more" if total > SHOWN else "")


def _totals() -> tuple[int | None, int, int, int]:
    """Any event (1 or None), import runs, reviews, sync runs that changed something.

    One statement, so one snapshot: a record and its events are committed together.
    """
    table = connection.ops.quote_name
    sql = (
        f"SELECT (SELECT 1 FROM {table(AuditEvent._meta.db_table)} LIMIT 1), "  # noqa: S608
        f"(SELECT count(*) FROM {table(ImportRun._meta.db_table)}), "
        f"(SELECT count(*) FROM {table(Review._meta.db_table)}), "
        f"(SELECT count(*) FROM {table(SyncRun._meta.db_table)} WHERE changed > 0)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        events, imports, reviews, syncs = cursor.fetchone()
    return events, imports, reviews, syncs


def _unaudited_imports() -> list[int]:
    label = Concat(Value("import #"), Cast(OuterRef("pk"), CharField()))
    audited = Exists(AuditEvent.objects.filter(actor_label=label))
    return list(ImportRun.objects.filter(~audited).order_by("pk").values_list("pk", flat=True))


def _unaudited_reviews() -> list[int]:
    missing: list[int] = []
    for decision in Decision:  # one query a decision: each has its own action
        audited = Exists(
            AuditEvent.objects.filter(
                object_type=Deviation._meta.model_name,
                object_id=Cast(OuterRef("deviation_id"), CharField()),
                action=AuditAction.for_decision(decision),
            )
        )
        found = Review.objects.filter(~audited, decision=decision).values_list("pk", flat=True)
        missing += found
    return sorted(missing)


def coverage_problems() -> list[str]:
    """What the trail lacks, each naming the records it should hold events of."""
    events, imports, reviews, syncs = _totals()
    if not events:
        recorded = [
            _plural(n, one, many)
            for n, one, many in (
                (imports, "import run", "import runs"),
                (syncs, "sync run that changed something", "sync runs that changed something"),
                (reviews, "review decision", "review decisions"),
            )
            if n
        ]
        if not recorded:
            return []
        listed = " and ".join(
            [", ".join(recorded[:-1]), recorded[-1]] if recorded[:-1] else recorded
        )
        return [f"the audit trail is empty, yet there are {listed}: it was emptied (truncated)"]
    problems = []
    if missing := _unaudited_imports():
        problems.append(
            f"{_plural(len(missing), 'import run', 'import runs')} "
            f"({_names(missing, len(missing))}) "
            f"{'has' if len(missing) == 1 else 'have'} no audit event: the trail does not "
            "reach back to them (truncated, or written around azldrift)"
        )
    if missing := _unaudited_reviews():
        problems.append(
            f"{_plural(len(missing), 'review decision', 'review decisions')} "
            f"({_names(missing, len(missing))}) "
            f"{'has' if len(missing) == 1 else 'have'} no audit event: the trail does not "
            "reach back to them (truncated, or written around azldrift)"
        )
    return problems
