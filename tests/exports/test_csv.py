"""The CSV files: exact rows of a known data set, RFC 4180, neutralised formulas, hashes."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from deviations.domain import audit, ownership
from deviations.models import (
    AuditEvent,
    Component,
    Deviation,
    JustificationNote,
    UpstreamLink,
    UpstreamRelease,
    UpstreamSuggestion,
)
from deviations.reads import exports
from deviations.reads.exports import (
    AUDIT_COLUMNS,
    COMPONENT_COLUMNS,
    DEVIATION_COLUMNS,
    REVIEW_COLUMNS,
)
from deviations.vocabulary import AcknowledgedSubject
from tests.factories.known import CHANGE, INTRO, PIN, TIP

ACTOR = audit.Actor.job("test export")


def export(name: str, params: dict | None = None, chunk: int = exports.CHUNK) -> bytes:
    selection = exports.select(name, params or {})
    return b"".join(exports.stream(ACTOR, selection, "test.csv", chunk_size=chunk))


def rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


REQUIRED = [
    "component",
    "kind",
    "overlay_type",
    "category",
    "upstream_status",
    "description",
    "config_file",
    "config_lines",
    "introduced_commit",
    "introduced_author",
    "introduced_at",
    "review_state",
    "reviewed_by",
    "reviewed_at",
    "fingerprint",
    "pinned_commit",
    "tip_commit",
    "commits_behind",
    "verdict_at_pin",
    "verdict_at_tip",
    "obsolete",
]


def test_deviation_header_has_the_documented_names_in_a_stable_order():
    assert set(REQUIRED) <= set(DEVIATION_COLUMNS)
    assert len(set(DEVIATION_COLUMNS)) == len(DEVIATION_COLUMNS)
    # Stable: the documented order (README) is this tuple; spot-check its start and end.
    assert DEVIATION_COLUMNS[:5] == ("component", "deviation_id", "key", "kind", "overlay_type")
    assert DEVIATION_COLUMNS[-13:] == (
        "obsolete",
        "obsolete_reason",
        "removed",
        "suggested_upstream_status",  # added at the end (upstream intelligence)
        "severity",  # added at the end (what needs attention)
        "severities",
        "documented",
        "label",
        "owner",  # then ownership
        "due_date",
        "overdue",
        "acknowledged_until",
        "acknowledgement_reason",
    )


def _suggest(deviation, kind):
    now = timezone.now()
    link = UpstreamLink.objects.create(
        url="https://github.com/curl/curl/pull/1",
        service="github",
        kind="pull-request",
        state="merged",
        created_at=now,
    )
    UpstreamSuggestion.objects.create(
        deviation=deviation, link=link, kind=kind, evidence={}, evidence_hash="x", created_at=now
    )


def _own_and_acknowledge(known) -> str:
    """rita owns the CA-bundle overlay, overdue since January, and acknowledges its failure
    at the tip: the day it expires, as the CSV writes it."""
    actor = audit.Actor.for_user(known.reviewer)
    ownership.set_owner(actor, known.remove_tag, known.reviewer)
    ownership.set_due_date(actor, known.remove_tag, dt.date(2026, 1, 31))
    until = ownership.today() + dt.timedelta(days=10)
    ownership.acknowledge(
        actor,
        AcknowledgedSubject.FAILING_AT_TIP,
        known.remove_tag,
        reason="Known",
        expires_on=until,
    )
    return until.isoformat()


def test_deviations_csv_of_a_known_data_set(known):
    _suggest(known.remove_tag, "upstreamed")
    until = _own_and_acknowledge(known)
    data = export("deviations")
    assert data.startswith(b"component,deviation_id,key,kind,")
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")  # CRLF records
    got = rows(data)
    ids = (known.remove_tag.pk, known.build_option.pk, known.formula.pk)
    when, later = "2026-03-04T05:06:07Z", "2026-03-05T05:06:07.000250Z"
    ada = "Ada Maintainer <ada@example.com>"
    note = JustificationNote.objects.get().pk
    assert got == [
        list(DEVIATION_COLUMNS),
        [
            "curl", str(ids[0]), "overlay-0", "overlay", "spec-remove-tag",
            '{"tag":"Recommends","value":"ca-certificates"}',
            "azl-pruning", "upstreamable",
            'Drop the CA bundle, "quoted", with a comma',
            f"[note {note} v2, rita, 2026-03-04T05:06:07Z] @second, revised",
            "# Our images ship their own CA bundle.", "",
            "https://src.fedoraproject.org/rpms/curl/c/abc (fix)",
            "https://bugzilla.redhat.com/show_bug.cgi?id=1",
            "base/comps/curl/curl.comp.toml", "1-4",
            INTRO, ada, when, CHANGE, "Bo Packager", later,
            "approved", "rita", "2026-03-06T05:06:07Z", "approved", "",
            "0" * 64, "1", PIN, TIP, "2", "applied", "failed", "false", "", "false",
            "upstreamed",
            "breaks-on-rebase", "breaks-on-rebase", "true",
            "spec-remove-tag Recommends: ca-certificates",
            "rita", "2026-01-31", "true", until, "failing-at-tip: Known",
        ],
        [
            "curl", str(ids[1]), "build-option-1", "build-option", "", '{"without":"brotli"}',
            "", "", "", "", "", "brotli is not in the base image", "", "",
            "base/comps/curl/curl.comp.toml", "11-14",
            INTRO, ada, when, INTRO, ada, when,
            "needs-review", "", "", "", "",
            "1" * 64, "1", PIN, TIP, "2", "", "", "false", "", "false", "",
            "needs-review", "needs-review", "true", "",
            "", "", "", "", "",
        ],
        [
            "curl", str(ids[2]), "overlay-2", "overlay", "spec-add-tag",
            """{"tag":"Provides","value":"=cmd|' /C calc'!A0"}""",
            "azl-compatibility", "inapplicable",
            """'=HYPERLINK("http://evil.example")""",
            "", "", "", "", "",
            "base/comps/curl/curl.comp.toml", "21-24",
            INTRO, ada, when, INTRO, ada, when,
            "needs-review", "", "", "", "",
            "2" * 64, "1", PIN, TIP, "2", "no-op", "", "true", "no-op at the pin", "false", "",
            "needs-review", "needs-review; obsolete-candidate", "true",
            "spec-add-tag Provides: =cmd|' /C calc'!A0",
            "", "", "", "", "",
        ],
    ]  # fmt: skip


def test_components_csv_of_a_known_data_set(known):
    UpstreamRelease.objects.create(
        component=Component.objects.get(name="curl"),
        package="curl",
        project="curl",
        latest_version="8.13.0",
        fedora_version="8.12.0",
        newer_than_fedora=True,
    )
    curl = Component.objects.get(name="curl")
    actor = audit.Actor.for_user(known.reviewer)
    ownership.set_owner(actor, curl, known.reviewer)
    ownership.set_due_date(actor, curl, dt.date(2099, 1, 1))
    until = (ownership.today() + dt.timedelta(days=3)).isoformat()
    ownership.acknowledge(
        actor,
        AcknowledgedSubject.DRIFT,
        curl,
        reason="Held",
        expires_on=dt.date.fromisoformat(until),
    )
    got = rows(export("components"))
    assert got == [
        list(COMPONENT_COLUMNS),
        [
            "curl", "upstream", "fedora", "43", "",
            "https://src.fedoraproject.org/rpms/curl.git", "f43", "2026-02-24T00:00:00-08:00",
            "", "", "base/comps/curl/curl.comp.toml", "1", "3",
            "build-option 1; overlay 2", "2", "1",
            PIN, "2026-03-04T05:06:07Z", TIP, "2026-03-13T05:06:07Z", "2",
            "8.11.1", "3", "8.12.0", "1", "0", "1", "0", "0", "", "", "2026-03-04T05:06:07Z",
            "false", "curl", "8.13.0", "true", "breaks-on-rebase", "0",
            "rita", "2099-01-01", "false", until, "drift: Held",
        ],
        [
            "zlib", "upstream", "", "", "", "", "", "", "", "",
            "base/comps/components.toml", "7", "0", "", "0", "0",
            "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "false",
            "", "", "", "ok", "0", "", "", "", "", "",
        ],
    ]  # fmt: skip


def test_review_history_csv_of_a_known_data_set(known):
    got = rows(export("reviews"))
    assert got == [
        list(REVIEW_COLUMNS),
        [
            str(known.review.pk), "2026-03-06T05:06:07Z", "curl", str(known.remove_tag.pk),
            "overlay-0", 'Drop the CA bundle, "quoted", with a comma', "approved", "", "rita",
            "1", "0" * 64, "", "approved",
        ],
    ]  # fmt: skip


def test_audit_csv_carries_each_events_hash_and_checks_against_the_chain(known):
    data = export("audit")
    got = rows(data)
    assert got[0] == list(AUDIT_COLUMNS)
    by_seq = {int(r[0]): r for r in got[1:]}
    # Everything up to the export (its own event is recorded after its last row).
    stored = dict(AuditEvent.objects.exclude(action="export.audit").values_list("seq", "hash"))
    assert {seq: r[-1] for seq, r in by_seq.items()} == stored  # every event, its own hash
    assert [int(r[0]) for r in got[1:]] == sorted(stored, reverse=True)  # newest first, as shown
    # A leading "-" in an event's text was neutralised, and the check undoes it exactly.
    created = next(r for r in got[1:] if r[5] == "deviation.created")
    assert created[8] == "'-curl: overlay-0"
    check = exports.check_audit_csv(io.StringIO(data.decode(), newline=""))
    assert check.ok, check.problem
    assert (check.checked, check.head_seq) == (len(stored), max(stored))
    assert check.head_hash == stored[max(stored)]
    # ... and the live chain continues from exactly that hash.
    head = audit.verify()
    assert head.ok and head.head_seq == max(stored) + 1
    export_event = AuditEvent.objects.get(seq=head.head_seq)
    assert export_event.prev_hash == check.head_hash


def test_an_edited_audit_export_fails_the_check(known):
    got = rows(export("audit"))
    for row in got[1:]:
        if row[5] == "deviation.created":
            row[11] = row[11].replace("-1.5", "-2.5")
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(got)
    buffer.seek(0)
    check = exports.check_audit_csv(buffer)
    assert not check.ok
    assert "does not match its hash" in check.problem


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r", "'"])
def test_formula_neutralisation_for_each_dangerous_prefix(known, prefix):
    text = f"{prefix}SUM(1+1)*cmd|' /C calc'!A0"
    Deviation.objects.filter(pk=known.build_option.pk).update(description=text)
    got = rows(export("deviations", {"kind": "build-option"}))
    cell = got[1][DEVIATION_COLUMNS.index("description")]
    assert cell == "'" + text
    assert exports.unneutralise(cell) == text


def test_harmless_cells_are_left_alone():
    for text in ("plain", "", "a=b", "1-2", " =x", "(-)"):
        assert exports.neutralise(text) == text
        assert exports.unneutralise(exports.neutralise(text)) == text


def test_filters_select_the_rows(known):
    got = rows(export("deviations", {"kind": "overlay", "obsolete": "yes"}))
    assert [r[1] for r in got[1:]] == [str(known.formula.pk)]
    assert len(rows(export("components", {"has_deviations": "no"}))) == 2  # header + zlib
    assert len(rows(export("reviews", {"reviewer": "nobody"}))) == 1  # header only


def test_invalid_filters_are_refused_with_the_field_named(known):
    with pytest.raises(exports.ExportError) as error:
        exports.select("deviations", {"kind": "nonsense", "review_state": "bogus"})
    assert set(error.value.errors) == {"kind", "review_state"}
    assert "kind" in str(error.value)
    with pytest.raises(exports.ExportError, match="unknown export"):
        exports.select("passwords", {})


def test_each_export_is_an_audit_event_with_who_what_filter_and_rows(known):
    export("deviations", {"kind": "overlay", "page": "3"})
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.actor_label, event.object_type) == (
        "export.deviations",
        "test export",
        "export",
    )
    assert event.after == {
        "dataset": "deviations",
        "format": "csv",
        "file": "test.csv",
        "filters": {"kind": "overlay"},
        "rows": 2,
        "complete": True,
    }
    assert audit.verify().ok


def test_streamed_in_chunks_and_an_abandoned_download_is_recorded_as_such(known):
    selection = exports.select("deviations", {})
    pieces = exports.stream(ACTOR, selection, "x.csv", chunk_size=1)
    assert next(pieces).startswith(b"component,")  # header
    assert next(pieces).count(b"\r\n") == 1  # one row per chunk
    pieces.close()  # the client went away
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.after["rows"] == 1
    assert event.after["complete"] is False
    assert audit.verify().ok


def test_queries_per_chunk_are_bounded(known, django_assert_max_num_queries):
    # 3 rows, one per chunk: the main query, plus reviews, notes, suggestions and
    # acknowledgements per chunk, plus the audit event (head lock, insert, head update;
    # savepoints).
    with django_assert_max_num_queries(1 + 4 * 3 + 5):
        export("deviations", chunk=1)
    with django_assert_max_num_queries(1 + 4 + 5):
        export("deviations", chunk=100)


def test_json_cells_are_the_canonical_compact_sorted_form():
    import json

    from deviations.reads.exports.cells import _json

    for value in [{"b": 1, "a": [1.5, "é", None, True]}, "x", [], {}, -0.0, {"z": {"y": "\u2028"}}]:
        assert _json(value) == json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )


def test_a_malformed_audit_export_is_reported_not_raised(known):
    data = export("audit").decode()
    lines = data.split("\r\n")
    lines[1] = lines[1] + ",extra"
    check = exports.check_audit_csv(io.StringIO("\r\n".join(lines), newline=""))
    assert not check.ok and "row 2 is not an audit event" in check.problem
    assert not exports.check_audit_csv(io.StringIO("a,b\r\n")).ok
