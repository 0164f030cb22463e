"""Migration 0011 fills `documented` and `label` of the deviations already recorded, by the
rules the import uses from then on."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("deviations", "0010_record_through_time")]
AFTER = [("deviations", "0011_deviation_documented_label")]


@pytest.mark.django_db(transaction=True)
def test_existing_deviations_are_filled_from_their_current_version():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    now = timezone.now()
    component = apps.get_model("deviations", "Component").objects.create(
        name="xen", config_file="x.toml", fingerprint="f", updated_at=now
    )
    run = apps.get_model("deviations", "ImportRun").objects.create(started_at=now, source="s")
    Deviation = apps.get_model("deviations", "Deviation")
    Version = apps.get_model("deviations", "DeviationVersion")
    made = {}
    for key, kind, content, description, comment in [
        ("overlay-1", "overlay", {"type": "file-add", "file": "a.patch"}, "", ""),
        ("overlay-2", "overlay", {"type": "file-remove", "file": "b"}, "Why", ""),
        ("build-option:without:x", "build-option", {"without": "x"}, "", "# why"),
    ]:
        dev = Deviation.objects.create(
            component=component, key=key, kind=kind, fingerprint="f", updated_at=now
        )
        version = Version.objects.create(
            deviation=dev,
            number=1,
            content=content,
            description=description,
            comment=comment,
            config_file="x.toml",
            fingerprint="f",
            import_run=run,
        )
        Deviation.objects.filter(pk=dev.pk).update(current_version=version)
        made[key] = dev.pk
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    rows = dict(
        (key, (documented, label))
        for key, documented, label in apps.get_model("deviations", "Deviation").objects.values_list(
            "key", "documented", "label"
        )
    )
    assert rows == {
        "overlay-1": (False, "file-add a.patch"),
        "overlay-2": (True, "file-remove b"),
        "build-option:without:x": (True, ""),
    }
    MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
