"""Exports outside a transaction, as in production: on PostgreSQL the rows stream on the
request's connection and the per-chunk reads run on a second connection that shares its
snapshot.  The file must be the one read inside a single transaction, and a change
committed mid-export must not show in it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading

import pytest
from django.db import connection, connections, transaction

from deviations.domain import audit
from deviations.models import AuditEvent, Decision, Deviation, Review
from deviations.reads import exports
from deviations.reads.exports import streaming
from tests import factories

ACTOR = audit.Actor.job("test export")
pytestmark = pytest.mark.django_db(transaction=True)


def export(name: str, chunk: int = 1) -> bytes:
    selection = exports.select(name, {"removed": "all"} if name != "audit" else {})
    return b"".join(exports.stream(ACTOR, selection, "test.csv", chunk_size=chunk))


def rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def in_another_connection(work) -> None:
    """Run `work` on a thread, so on a connection of its own, committed when it returns."""
    failed: list[BaseException] = []

    def run() -> None:
        try:
            with transaction.atomic():
                work()
        except BaseException as error:  # noqa: BLE001 - re-raised below
            failed.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failed:
        raise failed[0]


@pytest.mark.parametrize("name", ["deviations", "components", "reviews"])
def test_the_file_is_the_one_read_in_one_transaction(name):
    known = factories.known_records()
    # A cell holding the export's own separator character: that row is read again
    # cell by cell (on the snapshot's connection).
    Deviation.objects.filter(pk=known.remove_tag.pk).update(category="azl\x1fpruning")
    outside = export(name)
    assert not connection.in_atomic_block
    with transaction.atomic():
        inside = export(name)
    assert outside == inside
    if name == "deviations":
        assert rows(outside)[1][6] == "azl\x1fpruning"


@pytest.mark.parametrize("moment", ["between the two connections' starts", "between chunks"])
def test_a_change_committed_mid_export_does_not_show(monkeypatch, moment):
    if connection.vendor != "postgresql":
        pytest.skip(
            "a second writer during a read is PostgreSQL's case "
            "(SQLite's test database is one shared in-memory cache)"
        )
    known = factories.known_records()

    def review_the_last_one() -> None:
        Review.objects.create(
            deviation=known.formula,
            version=known.formula.current_version,
            decision=Decision.REJECTED,
            comment="decided while the export ran",
            reviewer=known.reviewer,
            fingerprint=known.formula.fingerprint,
            created_at=dt.datetime(2026, 3, 9, tzinfo=dt.UTC),
        )
        Deviation.objects.filter(pk=known.formula.pk).update(description="changed meanwhile")

    if moment.startswith("between the two"):
        # After the rows' snapshot is taken, before the second connection's first read:
        # only a shared snapshot keeps the change out of the per-chunk reads.
        opened = streaming._SharedSnapshot.__init__

        def open_late(self, alias, side):
            in_another_connection(review_the_last_one)
            opened(self, alias, side)

        monkeypatch.setattr(streaming._SharedSnapshot, "__init__", open_late)

    selection = exports.select("deviations", {"removed": "all"})
    pieces = exports.stream(ACTOR, selection, "x.csv", chunk_size=1)
    header, first = next(pieces), next(pieces)
    assert first.count(b"\r\n") == 1
    if moment == "between chunks":
        in_another_connection(review_the_last_one)
    got = rows(header + first + b"".join(pieces))
    last = got[-1]
    assert last[1] == str(known.formula.pk)
    assert "changed meanwhile" not in last and "decided while the export ran" not in last
    assert last[23:27] == ["", "", "", ""]  # reviewed by, at, decision, comment: none yet
    # ... and the next export sees both.
    again = rows(export("deviations"))[-1]
    assert "changed meanwhile" in again[8]
    assert again[25:27] == ["rejected", "decided while the export ran"]


def test_an_abandoned_export_frees_the_connection_for_its_event():
    factories.known_records()
    selection = exports.select("deviations", {"removed": "all"})
    pieces = exports.stream(ACTOR, selection, "x.csv", chunk_size=1)
    next(pieces), next(pieces)
    pieces.close()  # the client went away, rows still streaming
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.after["rows"], event.after["complete"]) == (1, False)
    assert not connection.in_atomic_block
    assert Deviation.objects.count() == 3  # the connection answers again
    assert audit.verify().ok
