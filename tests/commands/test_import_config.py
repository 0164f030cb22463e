"""manage.py import_config: the summary, --json, errors and refused sources."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from deviations.models import AuditEvent, Component, Deviation, ImportRun
from tests.factories import (
    EVERY_STAGE_CONFIG,
    EVERY_STAGE_PROBLEMS,
    MINIMAL_CONFIG,
    ConfigRepo,
    copy_demo_config,
    write_config_tree,
)

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[dict, bool]:
    out = StringIO()
    failed = False
    try:
        call_command("import_config", *args, "--json", stdout=out)
    except CommandError:
        failed = True
    return json.loads(out.getvalue()), failed


@pytest.fixture
def demo(tmp_path):
    return copy_demo_config(tmp_path / "config")


def test_json_summary_from_the_database(demo):
    data, failed = run(str(demo))
    assert not failed
    assert {
        "components",
        "customized_components",
        "deviations_by_kind",
        "overlays_by_type",
        "changes",
        "errors",
    } <= set(data)
    assert data["components"] == Component.objects.count() == 21
    assert data["customized_components"] == Component.objects.filter(deviation_count__gt=0).count()
    assert sum(data["deviations_by_kind"].values()) == Deviation.objects.count()
    assert data["overlays_by_type"]["patch-add"] == 2
    assert data["changes"] == {
        "created": 21 + Deviation.objects.count(),
        "changed": 0,
        "removed": 0,
    }
    assert data["errors"] == []
    assert data["import_run"] == ImportRun.objects.get().pk

    again, failed = run(str(demo))
    assert not failed
    assert again["changes"] == {"created": 0, "changed": 0, "removed": 0}
    assert again["import_run"] is None
    assert again["deviations_by_kind"] == data["deviations_by_kind"]


def test_text_summary(demo):
    out = StringIO()
    call_command("import_config", str(demo), stdout=out)
    text = out.getvalue()
    assert "components: 21 (15 customized)" in text
    assert "overlays by type:" in text
    assert "changes: " in text and "created" in text and "(import #" in text


def test_errors_are_listed_and_the_command_fails(demo):
    (demo / "base/comps/curl/curl.comp.toml").write_text(
        '[components.curl]\n[[components.curl.overlays]]\ndescription = "broken"\n'
        'type = "spec-search-replace"\nregex = "(?<=x)y"\n'
    )
    (demo / "base/comps/jq/jq.comp.toml").write_text("[components.jq\n")
    data, failed = run(str(demo))
    assert failed
    assert data["components"] == 0 and data["changes"]["created"] == 0
    by_file = {e["file"]: e for e in data["errors"]}
    curl = by_file["base/comps/curl/curl.comp.toml"]
    assert (curl["component"], curl["item"], curl["line"]) == ("curl", "overlay 1 ('broken')", 2)
    assert "invalid regex" in curl["message"] and curl["text"].startswith(
        "base/comps/curl/curl.comp.toml:2, component 'curl', overlay 1 ('broken'): "
    )
    assert "is not valid TOML" in by_file["base/comps/jq/jq.comp.toml"]["message"]
    assert AuditEvent.objects.count() == 0


def test_json_lists_every_problem_of_every_stage_at_once(tmp_path):
    """Includes, parsing, validation, merging, names, NUL, resolving and extracting:
    one run reports all of them (it used to stop after the first stage with problems)."""
    root = write_config_tree(tmp_path / "config", EVERY_STAGE_CONFIG)
    data, failed = run(str(root))
    assert failed
    errors = [(e["file"], e["line"], e["component"], e["message"]) for e in data["errors"]]
    assert len(errors) == len(EVERY_STAGE_PROBLEMS), errors
    for found, (file, line, component, message) in zip(errors, EVERY_STAGE_PROBLEMS, strict=True):
        assert found[:3] == (file, line, component) and message in found[3], (found, message)
    assert all(e["text"].startswith(e["file"] or "config") for e in data["errors"])
    assert data["components"] == 0
    assert not ImportRun.objects.exists() and not AuditEvent.objects.exists()


def test_a_nul_is_refused_with_the_same_message_on_every_database(demo):
    """On PostgreSQL this used to end in a DataError traceback, on SQLite in an import."""
    path = demo / "base/comps/curl/curl.comp.toml"
    path.write_text(path.read_text().replace('description = "', 'description = "\\u0000', 1))
    data, failed = run(str(demo))
    assert failed
    (error,) = data["errors"]
    assert error["message"] == "contains a NUL character (\\u0000), which no config string may hold"
    assert (error["file"], error["component"]) == ("base/comps/curl/curl.comp.toml", "curl")
    assert error["line"] > 0 and error["item"].startswith("overlay 1")
    assert Component.objects.count() == 0


def test_an_unknown_top_level_field_has_its_line_in_json(demo):
    path = demo / "base/comps/curl/curl.comp.toml"
    path.write_text(path.read_text() + "\n[componentz.curl]\n")
    data, failed = run(str(demo))
    assert failed
    (error,) = data["errors"]
    assert "unknown field 'componentz'" in error["message"]
    assert error["line"] == len(path.read_text().splitlines())
    assert error["text"].startswith(f"base/comps/curl/curl.comp.toml:{error['line']}, ")


@pytest.mark.parametrize(
    "source",
    [
        "ext::sh -c touch% {marker}",
        "fd::3",
        "http://example.com/config.git",
        "ftp://example.com/config.git",
        "git@example.com:config.git",
        "--upload-pack=touch {marker}",
        "/no/such/folder",
    ],
)
def test_refused_sources(source, tmp_path, settings):
    settings.CACHE_DIR = tmp_path / "cache"
    marker = tmp_path / "pwned"
    data, failed = run(source.format(marker=marker))
    assert failed and data["errors"]
    assert not marker.exists()
    assert Component.objects.count() == 0


def test_git_url_with_ref(tmp_path, settings):
    settings.CACHE_DIR = tmp_path / "cache"
    repo = ConfigRepo(tmp_path / "repo")
    first = repo.commit(MINIMAL_CONFIG, "first")
    repo.commit(
        {"comps/components.toml": MINIMAL_CONFIG["comps/components.toml"] + "[components.two]\n"},
        "more",
    )
    data, failed = run(f"file://{repo.path}", "--ref", first)
    assert not failed and data["components"] == 1 and data["commit"] == first
    data, failed = run(f"file://{repo.path}")  # the remote's HEAD
    assert not failed and data["components"] == 2
    data, failed = run(f"file://{repo.path}", "--ref", "no-such-ref")
    assert failed and "is not in the repository" in data["errors"][0]["message"]
