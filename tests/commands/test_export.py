"""manage.py export: the list pages' filters, a file written whole or not at all, audited."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from deviations.models import AuditEvent
from deviations.reads.exports import DEVIATION_COLUMNS


def read(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_exports_to_a_file_with_filters(known, tmp_path):
    out = tmp_path / "devs.csv"
    call_command("export", "deviations", "--filter", "kind=overlay", "--output", str(out))
    rows = read(out)
    assert rows[0] == list(DEVIATION_COLUMNS)
    assert [r[1] for r in rows[1:]] == [str(known.remove_tag.pk), str(known.formula.pk)]
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "export.deviations"
    assert event.origin == "command"
    assert event.actor_label.startswith("manage.py export (")
    assert event.after["filters"] == {"kind": "overlay"}
    assert event.after["rows"] == 2
    assert event.after["file"] == str(out)


def test_named_filter_options(known, tmp_path):
    out = tmp_path / "x.csv"
    call_command(
        "export", "deviations", "--review-state", "approved", "--component", "curl", "-o", str(out)
    )
    assert [r[1] for r in read(out)[1:]] == [str(known.remove_tag.pk)]
    call_command("export", "reviews", "--reviewer", "rita", "--output", str(out))
    assert len(read(out)) == 2
    call_command("export", "components", "--has-deviations", "yes", "--output", str(out))
    assert [r[0] for r in read(out)[1:]] == ["curl"]


def test_default_file_name_has_the_date(known, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    call_command("export", "audit")
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert read(tmp_path / f"azldrift-audit-{today}.csv")[0][0] == "seq"


def test_stdout(known, capsysbinary):
    call_command("export", "components", "--output", "-")
    assert capsysbinary.readouterr().out.startswith(b"component,spec_type,")


def test_a_filter_the_export_does_not_have_is_an_error(known, tmp_path):
    out = tmp_path / "x.csv"
    with pytest.raises(CommandError, match="not a filter of the deviations export: decision"):
        call_command("export", "deviations", "--decision", "approved", "--output", str(out))
    with pytest.raises(CommandError, match="KEY=VALUE"):
        call_command("export", "deviations", "--filter", "kind", "--output", str(out))
    assert not out.exists()


def test_an_invalid_value_names_the_filter_and_writes_nothing(known, tmp_path):
    out = tmp_path / "x.csv"
    before = AuditEvent.objects.count()
    with pytest.raises(CommandError, match="kind"):
        call_command("export", "deviations", "--kind", "nonsense", "--output", str(out))
    assert list(tmp_path.iterdir()) == []  # no file, not even a temporary one
    assert AuditEvent.objects.count() == before


def test_check_an_audit_export_against_the_live_chain(known, tmp_path, capsys):
    out = tmp_path / "audit.csv"
    call_command("export", "audit", "--output", str(out))
    call_command("export", "audit", "--check", str(out))
    assert "hashes and links intact" in capsys.readouterr().out
    tampered = tmp_path / "tampered.csv"
    tampered.write_text(out.read_text(encoding="utf-8").replace("rita", "ruth"), encoding="utf-8")
    with pytest.raises(CommandError, match="NOT intact"):
        call_command("export", "audit", "--check", str(tampered))
    with pytest.raises(CommandError, match="checks audit exports"):
        call_command("export", "deviations", "--check", str(out))


def test_the_reading_options(known, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    call_command("export", "deviations", "--kind", "overlay", "--columns", "diff", "--bom")
    today = dt.datetime.now(dt.UTC).date().isoformat()
    made = tmp_path / f"azldrift-deviations-kind-overlay-{today}.csv"
    raw = made.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfcomponent,")
    header = next(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert header == [*DEVIATION_COLUMNS, "diff_at_pin"]
    with pytest.raises(CommandError, match="unknown column"):
        call_command("export", "components", "--columns", "diff", "-o", str(tmp_path / "c.csv"))
