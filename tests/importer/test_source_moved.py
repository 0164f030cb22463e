"""Where the config comes from is recorded: the same config from another place is a change.

The sync reads overlay sources and local specs from the place the latest ImportRun
names, so moving the config (another folder, a repository, a mirror of it) must leave
a run naming the new place, with a `config.source-moved` event, even when the records
do not change.  Re-importing from the same place still writes nothing.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deviations.domain.importer import import_config
from deviations.management.commands.import_config import render_text, report
from deviations.models import AuditEvent, Component, Deviation, ImportRun
from tests.factories import MINIMAL_CONFIG, ConfigRepo, copy_demo_config

pytestmark = pytest.mark.django_db


def events(run) -> Counter:
    return Counter(
        AuditEvent.objects.filter(actor_label=f"import #{run.pk}").values_list("action", flat=True)
    )


def writes_of(callable_):
    with CaptureQueriesContext(connection) as queries:
        result = callable_()
    sql = [q["sql"] for q in queries.captured_queries]
    return result, [q for q in sql if re.match(r"\s*(INSERT|UPDATE|DELETE)", q, re.I)]


def test_the_same_config_from_another_folder_is_recorded_as_a_move(tmp_path, settings):
    settings.CACHE_DIR = tmp_path / "cache"
    first = copy_demo_config(tmp_path / "first")
    import_config(first)
    second = tmp_path / "second"
    shutil.copytree(first, second)
    shutil.rmtree(first)  # the old place is gone: the sync must not be sent there
    records = list(Deviation.objects.values_list("id", "fingerprint", "current_version_id"))

    result = import_config(second)

    run = result.run
    assert run is not None and ImportRun.latest() == run
    assert run.location == {"folder": str(second.resolve())}
    assert result.totals() == {"created": 0, "changed": 0, "removed": 0}
    assert events(run) == {"config.source-moved": 1}
    moved = AuditEvent.objects.get(action="config.source-moved")
    assert (moved.object_type, moved.object_id) == ("importrun", str(run.pk))
    assert moved.before["folder"] == str(first.resolve())
    assert moved.after == {"import_run": run.pk, "folder": str(second.resolve()), "commit": ""}
    # Nothing else moved: same deviations, same versions.
    assert list(Deviation.objects.values_list("id", "fingerprint", "current_version_id")) == (
        records
    )
    text = render_text(report(result, []))
    assert f"config source moved: {first.resolve()} -> {second.resolve()}" in text

    # From the same place again: nothing written at all.
    again, writes = writes_of(lambda: import_config(second))
    assert again.run is None and again.moved is None and writes == []


def test_a_folder_then_its_repository_then_a_mirror_of_it(tmp_path, settings):
    settings.CACHE_DIR = tmp_path / "cache"
    repo = ConfigRepo(tmp_path / "repo")
    comp = '[components.x]\n[[components.x.overlays]]\ntype = "spec-add-tag"\ntag = "A"\n'
    first = repo.commit({**MINIMAL_CONFIG, "comps/x/x.comp.toml": comp + 'value = "a"\n'}, "add x")
    import_config(repo.path)  # the work tree as a folder: no provenance

    from_git = import_config(repo.path, ref="main")
    assert from_git.run.location == {"git_dir": str((repo.path / ".git").resolve())}
    assert events(from_git.run) == {"config.source-moved": 1, "deviation.provenance": 1}
    moved = AuditEvent.objects.get(action="config.source-moved")
    assert moved.before["folder"] == str(repo.path.resolve())
    assert moved.after["commit"] == first

    # Another commit of the same repository, the config unchanged: not a move, nothing written.
    repo.commit({"NOTES.md": "not part of the config\n"}, "notes")
    unchanged, writes = writes_of(lambda: import_config(repo.path, ref="main"))
    assert unchanged.run is None and writes == []

    # A file:// URL is read from a mirror in the cache: the sync reads the mirror now.
    mirrored = import_config(f"file://{repo.path}")
    assert events(mirrored.run) == {"config.source-moved": 1}
    git_dir = mirrored.run.location["git_dir"]
    assert git_dir.startswith(str(tmp_path / "cache" / "config"))
    assert AuditEvent.objects.filter(action="config.source-moved").count() == 2
    assert import_config(f"file://{repo.path}").run is None


def test_a_move_and_a_change_in_one_import(tmp_path, settings):
    settings.CACHE_DIR = tmp_path / "cache"
    first = copy_demo_config(tmp_path / "first")
    import_config(first)
    components = Component.objects.filter(removed=False).count()
    second = tmp_path / "second"
    shutil.copytree(first, second)
    comp = second / "base" / "comps" / "jq" / "jq.comp.toml"
    comp.write_text(comp.read_text().replace("needs valgrind", "needs valgrind and gdb"))

    result = import_config(second)

    assert result.totals()["changed"] == 1
    assert events(result.run) == {"config.source-moved": 1, "deviation.changed": 1}
    assert Component.objects.filter(removed=False).count() == components
