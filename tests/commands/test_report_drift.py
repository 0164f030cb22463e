"""manage.py report_drift: the keys and values of issue #4, as CSV and JSON."""

import csv
import io
import json

import pytest
from django.core.management import call_command

from deviations.domain.sync import SyncRequest, start_sync
from tests import factories
from tests.factories import bare_git

# Like the sync tests: repositories in a temporary folder (`upstream`), a private cache.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("sync_cache")]

KEYS = {
    "component",
    "pinned_commit",
    "tip_commit",
    "commits_behind",
    "version_at_pin",
    "release_at_pin",
    "version_at_tip",
    "release_at_tip",
    "failing_at_tip",
    "obsolete_candidates",
    "error",
}


@pytest.fixture
def synced(upstream):
    bc = upstream.standard("bc", drift=2, version="1.08")
    factories.make_component("bc")
    factories.make_component("missing")
    start_sync(SyncRequest(base_uri=upstream.template))
    return bc


def report(capsys, fmt):
    call_command("report_drift", "--format", fmt)
    return capsys.readouterr().out


def test_json_rows(synced, capsys):
    rows = json.loads(report(capsys, "json"))
    assert [r["component"] for r in rows] == ["bc", "missing"]
    assert set(rows[0]) >= KEYS
    bc = rows[0]
    shas = bare_git(synced.path, "rev-list", "--reverse", "f43").split()
    assert bc["pinned_commit"] == shas[1] and len(bc["pinned_commit"]) == 40
    assert bc["tip_commit"] == shas[3]
    assert bc["commits_behind"] == 2
    assert (bc["version_at_pin"], bc["release_at_pin"]) == ("1.08", "1")
    assert (bc["version_at_tip"], bc["release_at_tip"]) == ("1.08", "3")
    assert (bc["failing_at_tip"], bc["obsolete_candidates"], bc["error"]) == ([], [], None)
    missing = rows[1]
    assert missing["pinned_commit"] is None and missing["commits_behind"] is None
    assert "missing.git does not exist" in missing["error"]


def test_csv_has_the_same_rows(synced, capsys):
    text = report(capsys, "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert set(rows[0]) >= KEYS
    assert [r["component"] for r in rows] == ["bc", "missing"]
    assert rows[0]["commits_behind"] == "2"
    assert rows[1]["commits_behind"] == ""
    assert "\r\n" in text


def test_components_never_synced_say_so(capsys):
    factories.make_component("new")
    rows = json.loads(report(capsys, "json"))
    assert rows == [
        {
            **dict.fromkeys(
                (
                    "pinned_commit",
                    "tip_commit",
                    "commits_behind",
                    "version_at_pin",
                    "release_at_pin",
                    "version_at_tip",
                    "release_at_tip",
                    "branch",
                    "dist_git_url",
                    "synced_at",
                ),
                None,
            ),
            "component": "new",
            "failing_at_tip": [],
            "noop_at_tip": [],
            "obsolete_candidates": [],
            "error": "never synced",
            "error_kind": "not-synced",
        }
    ]
