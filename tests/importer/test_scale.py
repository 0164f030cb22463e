"""A large config: the import's memory grows by a few KB per component, not by its ORM."""

from __future__ import annotations

import tracemalloc

import pytest

from deviations.domain.importer import import_loaded
from deviations.domain.importer.sources import load_source
from deviations.models import AuditEvent, Component
from tests.factories import write_config_tree

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

COMPONENTS = 10_000


def test_importing_many_bare_components_holds_little_per_component(tmp_path):
    names = [f"gen-{i:05d}" for i in range(COMPONENTS)]
    config = write_config_tree(
        tmp_path / "config", {"comps/gen.comp.toml": "".join(f"[components.{n}]\n" for n in names)}
    )
    loaded = load_source(str(config), None, tmp_path / "cache")
    tracemalloc.start()
    try:
        result = import_loaded(loaded)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.run is not None
    assert Component.objects.count() == COMPONENTS + 1  # and MINIMAL_CONFIG's `bare`
    assert AuditEvent.objects.filter(action="component.created").count() == COMPONENTS + 1
    # Plan, writes and one audit event per component: about 1.5 KB each (with a model
    # instance per audit event and every draft held at once it was 5.0 KB).
    assert peak / COMPONENTS < 2500, f"{peak / COMPONENTS:.0f} bytes per component"
