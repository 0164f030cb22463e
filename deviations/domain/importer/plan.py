"""What an import would change: the config compared with the records, nothing written.

Records are compared by what they say, not by when they were written:

- a component changes when its effective upstream (distro, version, branch, URL,
  snapshot, pin, upstream name, local spec) or its groups change;
- a deviation changes when its content (fingerprint) or its justification
  (description, metadata, comment, reason) changes -- that makes a new version;
- where something is written (file, lines, order) is refreshed silently: moving a
  table in its file is not a change of the deviation (each version keeps the
  location it had when it was recorded);
- provenance (introducing / last-changing commit of the current run, and the earlier
  runs of a deviation that left the config and came back) is taken from git when the
  config comes from a repository; a folder import leaves recorded provenance alone.

An unchanged config plans nothing, so the import writes nothing.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from deviations.core.config import Config, Known, assign_keys, canonical_json
from deviations.core.config import Deviation as Found
from deviations.core.config.history import CommitInfo, Provenance
from deviations.models import Component, Deviation, DeviationLife
from deviations.vocabulary import DeviationKind

# The Component fields that say what the component is (a change is audited).
COMPONENT_CONTENT = (
    "spec_type",
    "distro",
    "distro_version",
    "upstream_name",
    "dist_git_url",
    "dist_git_branch",
    "lookaside_base_uri",
    "snapshot",
    "snapshot_at",
    "upstream_commit",
    "local_spec_path",
    "groups",
)
# Refreshed without an event: where it is written, and values derived from the rest.
COMPONENT_DERIVED = ("config_file", "config_line", "fingerprint", "deviation_count")

CREATE, CHANGE, RESTORE, REMOVE, UPDATE = "create", "change", "restore", "remove", "update"

# An earlier run of a deviation: (introduced, last changed, removed by) commit shas.
Run = tuple[str, str, str]


@dataclass
class ComponentStep:
    name: str
    action: str | None  # CREATE, CHANGE, RESTORE, REMOVE, UPDATE (silent) or None
    values: dict[str, Any]  # COMPONENT_CONTENT + COMPONENT_DERIVED as they should be
    row: dict[str, Any] | None = None  # the record as it is
    changed: tuple[str, ...] = ()  # content fields that differ (CHANGE)

    @property
    def record(self) -> dict[str, Any]:
        """The record as it is (every step but CREATE has one)."""
        if self.row is None:
            raise ValueError(f"component {self.name}: {self.action} without a record")
        return self.row


@dataclass
class DeviationStep:
    component: str
    key: str
    action: str | None  # CREATE, CHANGE, RESTORE, REMOVE, UPDATE (silent) or None
    found: Found | None  # as the config states it (None for REMOVE)
    row: dict[str, Any] | None = None
    introduced: str | None = None  # commit sha
    changed: str | None = None
    provenance_changed: bool = False
    earlier: list[Run] = field(default_factory=list)  # earlier runs, as they should be
    earlier_recorded: list[Run] = field(default_factory=list)  # as they are

    @property
    def earlier_changed(self) -> bool:
        return self.earlier != self.earlier_recorded

    @property
    def record(self) -> dict[str, Any]:
        """The record as it is (every step but CREATE has one)."""
        if self.row is None:
            raise ValueError(f"{self.component} {self.key}: {self.action} without a record")
        return self.row

    @property
    def stated(self) -> Found:
        """The deviation as the config states it (every step but REMOVE has one)."""
        if self.found is None:
            raise ValueError(f"{self.component} {self.key}: {self.action} without the config's")
        return self.found


@dataclass
class Plan:
    components: list[ComponentStep] = field(default_factory=list)
    deviations: list[DeviationStep] = field(default_factory=list)
    commits: dict[str, CommitInfo] = field(default_factory=dict)  # by sha, from git

    @property
    def empty(self) -> bool:
        return not any(s.action for s in self.components) and not any(
            s.action for s in self.deviations
        )

    def count(self, steps: str, action: str) -> int:
        return sum(1 for s in getattr(self, steps) if s.action == action)


def component_values(config: Config, name: str) -> dict[str, Any]:
    component = config.components[name]
    upstream = component.upstream
    deviations = config.deviations[name]
    values: dict[str, Any] = {
        "spec_type": upstream.spec_type,
        "distro": upstream.distro,
        "distro_version": upstream.version,
        "upstream_name": upstream.name,
        "dist_git_url": upstream.dist_git_url,
        "dist_git_branch": upstream.branch,
        "lookaside_base_uri": upstream.lookaside_base_uri,
        "snapshot": upstream.snapshot,
        "snapshot_at": upstream.snapshot_at,
        "upstream_commit": upstream.commit,
        "local_spec_path": upstream.local_spec,
        "groups": list(component.groups),
    }
    # What the component is and does: its record and every deviation's content.
    stated = {
        **{k: v for k, v in values.items() if k != "snapshot_at"},
        "deviations": [d.fingerprint for d in deviations],
    }
    values.update(
        config_file=component.file,
        config_line=component.line,
        fingerprint=hashlib.sha256(canonical_json(stated).encode()).hexdigest(),
        deviation_count=len(deviations),
    )
    return values


_DEVIATION_ROW = (
    "id",
    "component_id",
    "key",
    "kind",
    "position",
    "overlay_type",
    "category",
    "upstream_status",
    "description",
    "documented",
    "label",
    "fingerprint",
    "config_file",
    "line_start",
    "line_end",
    "removed",
    "review_state",
    "current_version_id",
    "introduced_commit__sha",
    "changed_commit__sha",
    "current_version__number",
    "current_version__description",
    "current_version__metadata",
    "current_version__comment",
    "current_version__reason",
)


def _justification(row: dict[str, Any]) -> tuple[str, str, str, str]:
    return (
        row["current_version__description"] or "",
        canonical_json(row["current_version__metadata"] or {}),
        row["current_version__comment"] or "",
        row["current_version__reason"] or "",
    )


def make_plan(config: Config, provenance: dict[str, list[Provenance]] | None) -> Plan:
    """Compare the config with the records (reads only)."""
    plan = Plan()
    rows = {
        row["name"]: row
        for row in Component.objects.values(
            "id", "name", "removed", *COMPONENT_CONTENT, *COMPONENT_DERIVED
        )
    }
    names_by_id = {row["id"]: name for name, row in rows.items()}
    by_component: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in Deviation.objects.values(*_DEVIATION_ROW).order_by("component_id", "position", "id"):
        by_component[names_by_id[row["component_id"]]].append(row)
    lives: dict[int, list[Run]] = defaultdict(list)
    for deviation_id, *run in DeviationLife.objects.order_by("deviation_id", "number").values_list(
        "deviation_id", "introduced_commit__sha", "changed_commit__sha", "removed_commit__sha"
    ):
        lives[deviation_id].append((run[0], run[1], run[2]))

    for name in sorted(config.components):
        values = component_values(config, name)
        row = rows.get(name)
        step = ComponentStep(name, None, values, row)
        if row is None:
            step.action = CREATE
        elif row["removed"]:
            step.action = RESTORE
        else:
            step.changed = tuple(f for f in COMPONENT_CONTENT if row[f] != values[f])
            if step.changed:
                step.action = CHANGE
            elif any(row[f] != values[f] for f in COMPONENT_DERIVED):
                step.action = UPDATE
        plan.components.append(step)
        plan.deviations.extend(
            _deviation_steps(
                name,
                config.deviations[name],
                by_component.get(name, []),
                provenance.get(name) if provenance is not None else None,
                plan.commits,
                lives,
            )
        )
    for name in sorted(rows.keys() - config.components.keys()):
        row = rows[name]
        if row["removed"]:
            continue
        plan.components.append(ComponentStep(name, REMOVE, {}, row))
        for dev in by_component.get(name, []):
            if not dev["removed"]:
                removal = DeviationStep(name, dev["key"], REMOVE, None, dev)
                removal.earlier = removal.earlier_recorded = lives.get(dev["id"], [])
                plan.deviations.append(removal)
    return plan


def _deviation_steps(
    name: str,
    found: list[Found],
    rows: list[dict[str, Any]],
    provenance: list[Provenance] | None,
    commits: dict[str, CommitInfo],
    lives: dict[int, list[Run]],
) -> list[DeviationStep]:
    if not found and not rows:
        return []  # a bare component, as it was (most of a large config)
    live_overlays = [r for r in rows if r["kind"] == DeviationKind.OVERLAY and not r["removed"]]
    ordinal = {r["key"]: n for n, r in enumerate(live_overlays)}
    known = [
        Known(
            r["key"],
            r["kind"],
            r["fingerprint"],
            r["overlay_type"],
            r["current_version__description"] or "",
            ordinal.get(r["key"], -1),
            r["removed"],
        )
        for r in rows
    ]
    keys = assign_keys(known, found)
    by_key = {r["key"]: r for r in rows}
    steps = []
    for index, (key, deviation) in enumerate(zip(keys, found, strict=True)):
        row = by_key.get(key)
        prov = provenance[index] if provenance is not None else None
        step = DeviationStep(name, key, None, deviation, row)
        step.earlier = step.earlier_recorded = lives.get(row["id"], []) if row else []
        if prov is not None:
            step.introduced, step.changed = prov.introduced.sha, prov.changed.sha
            commits[prov.introduced.sha] = prov.introduced
            commits[prov.changed.sha] = prov.changed
            step.earlier = [(r.introduced.sha, r.changed.sha, r.removed.sha) for r in prov.earlier]
            for run in prov.earlier:
                for commit in (run.introduced, run.changed, run.removed):
                    commits[commit.sha] = commit
        if row is None:
            step.action = CREATE
        elif row["removed"]:
            step.action = RESTORE
        elif (
            row["fingerprint"] != deviation.fingerprint
            or _justification(row) != deviation.justification()
        ):
            step.action = CHANGE
        else:
            step.provenance_changed = prov is not None and (
                (row["introduced_commit__sha"], row["changed_commit__sha"])
                != (step.introduced, step.changed)
                or step.earlier_changed
            )
            moved = (row["config_file"], row["line_start"], row["line_end"], row["position"]) != (
                deviation.config_file,
                deviation.line_start,
                deviation.line_end,
                deviation.position,
            )
            if step.provenance_changed or moved:
                step.action = UPDATE
        if prov is None and row is not None:
            # A folder import knows no commits: keep what git said before, except that
            # a change made outside git has no changing commit.
            step.introduced = row["introduced_commit__sha"]
            changed_here = step.action in (CHANGE, RESTORE)
            step.changed = None if changed_here else row["changed_commit__sha"]
        steps.append(step)
    used = set(keys)
    for row in rows:
        if not row["removed"] and row["key"] not in used:
            step = DeviationStep(name, row["key"], REMOVE, None, row)
            step.earlier = step.earlier_recorded = lives.get(row["id"], [])
            steps.append(step)
    return steps
