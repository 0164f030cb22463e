"""manage.py sync: options, output, refusals."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from deviations.models import ComponentSync, SyncRun
from tests import factories

# Like the sync tests: repositories in a temporary folder (`upstream`), a private cache.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("sync_cache")]


def run_sync(capsys, *args):
    call_command("sync", *args)
    return capsys.readouterr().out


def test_sync_json_summary(upstream, capsys):
    upstream.standard("bc", drift=1)
    upstream.standard("zlib")
    factories.make_component("bc")
    factories.make_component("zlib")
    factories.make_component("gone")
    out = run_sync(capsys, "--dist-git-base-uri", upstream.template, "--json", "--workers", "2")
    summary = json.loads(out)
    assert summary["status"] == "succeeded"
    assert (summary["total"], summary["done"], summary["changed"], summary["errors"]) == (
        3,
        3,
        3,
        1,
    )
    assert summary["options"]["dist_git_base_uri"] == upstream.template
    assert summary["options"]["workers"] == 2
    assert summary["issues"] == [
        {
            "component": "gone",
            "kind": "repo-missing",
            "message": f"upstream repository {upstream.root.as_uri()}/gone.git does not exist "
            "(or is not readable)",
        }
    ]
    assert summary["run"] == SyncRun.objects.get().pk
    again = json.loads(run_sync(capsys, "--dist-git-base-uri", upstream.template, "--json"))
    assert (again["changed"], again["skipped"], again["errors"]) == (0, 2, 1)


def test_sync_text_output_and_components(upstream, capsys):
    upstream.standard("bc")
    upstream.standard("zlib")
    factories.make_component("bc")
    factories.make_component("zlib")
    out = run_sync(capsys, "--dist-git-base-uri", upstream.template, "--components", "zlib")
    assert "1 components, 1 changed, 0 unchanged, 0 with errors" in out
    assert list(ComponentSync.objects.values_list("component__name", flat=True)) == ["zlib"]


def test_sync_refusals(upstream):
    factories.make_component("bc")
    with pytest.raises(CommandError, match="unknown component\\(s\\): nope"):
        call_command("sync", "--components", "bc,nope")
    with pytest.raises(CommandError, match="scheme 'http' is not allowed"):
        call_command("sync", "--dist-git-base-uri", "http://example.org/$pkg.git")
    with pytest.raises(CommandError, match="--workers must be at least 1"):
        call_command("sync", "--workers", "0")
    now = timezone.now()
    SyncRun.objects.create(status="running", created_at=now, started_at=now, heartbeat_at=now)
    with pytest.raises(CommandError, match="is already running"):
        call_command("sync", "--dist-git-base-uri", upstream.template)
    assert SyncRun.objects.count() == 1
