"""Components as an import leaves them: a Fedora 43 upstream at a snapshot, no deviations."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.utils import timezone

from deviations.models import Component, SpecType

SNAPSHOT = "2026-02-24T00:00:00-08:00"
SNAPSHOT_AT = dt.datetime.fromisoformat(SNAPSHOT)


def make_component(name: str, **fields: Any) -> Component:
    """A component taking its spec from Fedora 43's dist-git (`upstream_name`, when given,
    names the package there), declared in base/comps/<name>/<name>.comp.toml; `fields`
    override any value."""
    now = timezone.now()
    package = fields.get("upstream_name") or name
    values = {
        "spec_type": SpecType.UPSTREAM,
        "distro": "fedora",
        "distro_version": "43",
        "dist_git_url": f"https://src.fedoraproject.org/rpms/{package}.git",
        "dist_git_branch": "f43",
        "snapshot": SNAPSHOT,
        "snapshot_at": SNAPSHOT_AT,
        "config_file": f"base/comps/{name}/{name}.comp.toml",
        "config_line": 1,
        "fingerprint": hashlib.sha256(name.encode()).hexdigest(),
        "created_at": now,
        "updated_at": now,
    }
    values.update(fields)
    return Component.objects.create(name=name, **values)


def component_named(name: str) -> Component:
    """The component called `name`, made (make_component) if there is none yet."""
    return Component.objects.filter(name=name).first() or make_component(name)
