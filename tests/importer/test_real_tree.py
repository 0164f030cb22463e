"""Importing the real Azure Linux 4.0 config (../shared): every component and deviation.

The expected numbers come from an independent tomli walk over the tree
(tests/importer/independent.py), not from the loader under test.
"""

from __future__ import annotations

import pytest

from deviations.domain.importer import database_summary, import_config
from deviations.models import AuditEvent, Component, Deviation
from tests.importer.independent import read_tree, totals

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

OVERLAYS_BY_TYPE = {
    "spec-search-replace": 93,
    "spec-add-tag": 22,
    "spec-append-lines": 18,
    "file-add": 16,
    "spec-remove-tag": 15,
    "spec-update-tag": 14,
    "spec-remove-section": 12,
    "spec-insert-tag": 11,
    "file-search-replace": 10,
    "patch-add": 9,
    "spec-prepend-lines": 5,
    "file-rename": 3,
    "spec-set-tag": 2,
    "file-remove": 2,
    "patch-remove": 1,
}


def test_the_real_tree(real_config_dir):
    tree = read_tree(real_config_dir)
    kinds, types = totals(tree)
    components = len(tree)
    customized = {name for name, devs in tree.items() if devs}
    assert components == 7583  # the data README's figures, as a sanity check of the count
    assert dict(types) == OVERLAYS_BY_TYPE

    result = import_config(real_config_dir)
    summary = database_summary()
    assert summary["components"] == components
    assert summary["overlays_by_type"] == dict(types)
    assert summary["deviations_by_kind"] == dict(kinds)
    assert summary["customized_components"] == len(customized)
    assert (
        set(Component.objects.filter(deviation_count__gt=0).values_list("name", flat=True))
        == customized
    )
    assert result.totals()["created"] == components + sum(kinds.values())
    assert AuditEvent.objects.count() == components + sum(kinds.values())
    systemd = Deviation.objects.filter(component__name="systemd", kind="overlay")
    assert systemd.count() == 5
    xen = systemd.get(overlay_type="spec-remove-tag")
    assert xen.current_version.content == {
        "type": "spec-remove-tag",
        "tag": "BuildRequires",
        "value": "xen-devel",
    }
    # The comment paragraph above the first overlay (one blank line between) is kept.
    first = systemd.get(key="overlay-1")
    assert first.current_version.comment.startswith("AZL's setup package is 2.15.0-1")

    # Unchanged: nothing written.
    again = import_config(real_config_dir)
    assert again.run is None
    assert AuditEvent.objects.count() == components + sum(kinds.values())
