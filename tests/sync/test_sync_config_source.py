"""The sync reads the config tree from where the latest import found it, even after a move.

A config re-imported unchanged from another place (the old one gone) must be read from
the new place: the import records the move, so the sync never goes looking in a
folder that no longer exists.
"""

import shutil

import pytest

from deviations.domain.importer import import_config
from deviations.domain.sync import SyncRequest, start_sync
from deviations.models import ComponentSync, SyncRunIssue
from tests.factories import MINIMAL_CONFIG, write_config_tree

pytestmark = pytest.mark.django_db(transaction=True)

SPEC = b"Name: azl-tools\nVersion: 2.0\nRelease: 3%{?dist}\nSummary: Tools\nLicense: MIT\n"
COMPONENT = """\
[components.azl-tools]
spec = { type = "local", path = "azl-tools.spec" }

[[components.azl-tools.overlays]]
description = "Set the vendor"
type = "spec-set-tag"
tag = "Vendor"
value = "Microsoft"
"""


def sync(upstream):
    return start_sync(SyncRequest(base_uri=upstream.template))


def test_an_unchanged_config_moved_elsewhere_is_read_from_its_new_place(upstream, tmp_path):
    first = write_config_tree(
        tmp_path / "first",
        {
            "comps/azl-tools/azl-tools.comp.toml": COMPONENT,
            "comps/azl-tools/azl-tools.spec": SPEC,
            "comps/components.toml": MINIMAL_CONFIG["comps/components.toml"].replace(
                "[components.bare]\n", ""
            ),
        },
    )
    import_config(first)
    run = sync(upstream)
    assert SyncRunIssue.objects.filter(run=run).count() == 0
    assert "+Vendor: Microsoft" in ComponentSync.objects.get().rendered_diff

    second = tmp_path / "second"
    shutil.move(first, second)
    moved = import_config(second)

    ComponentSync.objects.update(input_fingerprint="x")  # render again, as after any change
    run = sync(upstream)
    issues = list(SyncRunIssue.objects.filter(run=run).values_list("kind", "message"))
    assert issues == []
    state = ComponentSync.objects.get()
    assert (state.error_kind, state.version_at_pin, state.release_at_pin) == ("", "2.0", "3")
    assert "+Vendor: Microsoft" in state.rendered_diff
    # Because the move itself was recorded (nothing else changed).
    assert moved.run is not None and moved.totals() == {"created": 0, "changed": 0, "removed": 0}
