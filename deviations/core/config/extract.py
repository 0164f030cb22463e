"""Every way a resolved component deviates from plain Fedora, one record each.

"Plain Fedora" is the spec from the default upstream (the distro and project
defaults: distro, version, snapshot) with nothing changed.  A bare component has no
deviations.  Kinds (`deviations.vocabulary.DeviationKind`):

| kind | one per | stable key |
|---|---|---|
| overlay | overlay, in apply order (inline, then files) | `overlay-N`, given once (identity.py) |
| build-option | `with`/`without`/`undefines` entry, `defines` key, | `build-option:with:NAME`, |
|  | `emit-upstream-provenance`, each hint | `build-option:define:NAME`, ... |
| check-skip | `build.check.skip = true` (the component's, or a group's) | `check-skip` |
| expected-failure | `build.failure.expected = true` | `expected-failure` |
| upstream-pin | `spec.upstream-commit` | `upstream-pin` |
| upstream-rename | `spec.upstream-name` other than the component's name | `upstream-rename` |
| upstream-version | upstream distro/version/snapshot other than the default | `upstream-version` |
| local-spec | `spec.type = "local"` | `local-spec` |
| source-file | `source-files` entry | `source-file:FILENAME` |
| release-calculation | `release.calculation` other than `auto` | `release-calculation` |
| render-option | `render.skip-file-filter = true` | `render-option:skip-file-filter` |

Each record's `content` is what the deviation does, as TOML fields (empty values
dropped) plus the sha256 of any file it brings in (patch, file-add source, local
spec); its `fingerprint` is the sha256 of that content in canonical JSON.  The
justification -- `description`, `metadata`, the TOML comment above it and the reason
field (`skip_reason`, `expected-reason`, `replace-reason`) -- is kept beside the
content, not in it: editing a justification is a new version of the deviation but
not a new fingerprint, so an approval of what the deviation does stays valid.
Publish channels (`publish`, `packages`) say where packages go, not what they
contain, and are not deviations.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from deviations.vocabulary import DeviationKind, SpecType

from .errors import ConfigIssue
from .resolve import Layer, OverlayItem, ResolvedComponent, Resolver, Upstream
from .source import join

MAX_KEY = 300

Path = tuple[str | int, ...]


# What json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False) makes,
# without building the encoder on every call (a large config hashes 100,000 components).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> str:
    return _CANONICAL.encode(value)


def fingerprint(kind: str, content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json({"kind": kind, "content": content}).encode()).hexdigest()


@dataclass(frozen=True)
class Deviation:
    """One deviation of one component, as the config states it now."""

    kind: DeviationKind
    slot: str  # the stable key for every kind but overlays ("" for overlays)
    content: dict[str, Any]
    fingerprint: str
    description: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    comment: str = ""
    reason: str = ""
    config_file: str = ""
    line_start: int = 0
    line_end: int = 0
    overlay_type: str = ""
    position: int = 0

    @property
    def category(self) -> str:
        return str(self.metadata.get("category", "") or "")

    @property
    def upstream_status(self) -> str:
        return str(self.metadata.get("upstream-status", "") or "")

    def justification(self) -> tuple[str, str, str, str]:
        """What, besides content, makes a new version when it changes."""
        return (self.description, canonical_json(self.metadata), self.comment, self.reason)


def _clean(value: Any) -> Any:
    """Drop empty values (azldev treats omitted and empty alike); keep order-free dicts."""
    if isinstance(value, dict):
        out = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in ("", None, False, [], {})}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _key(text: str) -> str:
    if len(text) <= MAX_KEY:
        return text
    return text[: MAX_KEY - 17] + ":" + hashlib.sha256(text.encode()).hexdigest()[:16]


# sha256 of each file a deviation brings in, by (path, content identity); a ConfigIssue
# when it cannot be read.  Shared across loads of many versions of the same tree.
FileHashes = dict[tuple[str, str | None], str | ConfigIssue]


class Extractor:
    """Turns resolved components into deviations; hashes referenced files once."""

    def __init__(
        self,
        resolver: Resolver,
        read: Callable[[str], bytes],
        hashes: FileHashes | None = None,
    ) -> None:
        self.resolver = resolver
        self.source = resolver.source
        self.read = read
        self.hashes = hashes if hashes is not None else {}
        self.issues: list[ConfigIssue] = []
        self.touched: list[str] = []  # files hashed, in order (the history walk's memo)
        self._shared: dict[int, tuple[object, list[Deviation]]] = {}
        base_spec = resolver.baseline.config.get("spec") or {}
        ref = base_spec.get("upstream-distro") or {}
        made = resolver.make_upstream(
            ref.get("name", ""), ref.get("version", ""), ref.get("snapshot", ""), "", ""
        )
        self.baseline: Upstream | None = made if isinstance(made, Upstream) else None

    # --- helpers -----------------------------------------------------------------
    def _sha256(self, path: str, component: ResolvedComponent, item: str, line: int) -> str:
        self.touched.append(path)
        key = (path, self.source.identity(path))
        found = self.hashes.get(key)
        if found is None:
            if not self.source.is_file(path):
                found = ConfigIssue("", f"{path} does not exist")
            else:
                try:
                    found = hashlib.sha256(self.read(path)).hexdigest()
                except Exception as exc:  # noqa: BLE001 - any read failure is a config problem
                    found = ConfigIssue("", f"{path} cannot be read: {exc}")
            if self.source.identity(path) is not None or isinstance(found, str):
                self.hashes[key] = found
        if isinstance(found, ConfigIssue):
            self.issues.append(
                ConfigIssue(component.file, found.message, component.name, item, line)
            )
            return ""
        return found

    def _where(self, component: ResolvedComponent, path: Path) -> tuple[Layer, Path]:
        layer = component.layer_of(path) or component.layers[-1]
        return layer, (*layer.path, *path)

    def _record(
        self,
        out: list[Deviation],
        component: ResolvedComponent,
        kind: DeviationKind,
        slot: str,
        content: dict[str, Any],
        path: Path,
        *,
        reason: str = "",
        layer: Layer | None = None,
    ) -> None:
        if layer is None:
            layer, at = self._where(component, path)
        else:
            at = (*layer.path, *path)
        positions = layer.file.positions
        start, end = positions.lines(at)
        comment = positions.comment(at)
        description, metadata = "", {}
        if layer.kind == "group":
            if not comment:
                comment = positions.comment(("component-groups", layer.name))
            description, metadata = layer.description, layer.metadata or {}
        out.append(
            Deviation(
                kind,
                _key(str(slot)),  # a plain string, even when the slot is the kind
                content,
                fingerprint(kind, content),
                description,
                metadata,
                comment,
                reason,
                layer.file.path,
                start,
                end,
            )
        )

    # --- the deviations of one component ---------------------------------------------
    def extract(self, component: ResolvedComponent) -> list[Deviation]:
        # Components that only inherit share one Effective; so do their deviations
        # (unless an inherited upstream-name makes the component's own name matter).
        effective = component.effective
        shared = not component.declared.raw
        if shared and not (effective.config.get("spec") or {}).get("upstream-name"):
            found = self._shared.get(id(effective))
            if found is None:
                found = self._shared[id(effective)] = (effective, self._extract(component))
            return found[1]
        return self._extract(component)

    def _extract(self, component: ResolvedComponent) -> list[Deviation]:
        config = component.effective.config
        out: list[Deviation] = []
        self._upstream(component, out)
        self._source_files(component, config, out)
        calculation = (config.get("release") or {}).get("calculation", "")
        if calculation and calculation != "auto":
            self._record(
                out,
                component,
                DeviationKind.RELEASE_CALCULATION,
                DeviationKind.RELEASE_CALCULATION,
                {"calculation": calculation},
                ("release", "calculation"),
            )
        if (config.get("render") or {}).get("skip-file-filter"):
            self._record(
                out,
                component,
                DeviationKind.RENDER_OPTION,
                "render-option:skip-file-filter",
                {"skip-file-filter": True},
                ("render", "skip-file-filter"),
            )
        self._build(component, config.get("build") or {}, out)
        self._overlays(component, out)
        return [replace(deviation, position=index) for index, deviation in enumerate(_unique(out))]

    def _upstream(self, component: ResolvedComponent, out: list[Deviation]) -> None:
        upstream = component.upstream
        spec = component.effective.config.get("spec") or {}
        if upstream.spec_type == SpecType.LOCAL:
            at = ("spec", "path")
            layer, where = self._where(component, at)
            sha = self._sha256(upstream.local_spec, component, "spec", layer.file.line(where))
            content = {"spec": {"type": "local", "path": spec.get("path", "")}, "sha256": sha}
            self._record(
                out, component, DeviationKind.LOCAL_SPEC, DeviationKind.LOCAL_SPEC, content, at
            )
            return
        base = self.baseline
        if base is not None and (upstream.distro, upstream.version, upstream.snapshot) != (
            base.distro,
            base.version,
            base.snapshot,
        ):
            changed = next(
                (
                    f
                    for f, mine, theirs in (
                        ("version", upstream.version, base.version),
                        ("name", upstream.distro, base.distro),
                        ("snapshot", upstream.snapshot, base.snapshot),
                    )
                    if mine != theirs
                ),
                "version",
            )
            content = {
                "upstream-distro": _clean(
                    {
                        "name": upstream.distro,
                        "version": upstream.version,
                        "snapshot": upstream.snapshot,
                    }
                ),
                "dist-git-branch": upstream.branch,
            }
            self._record(
                out,
                component,
                DeviationKind.UPSTREAM_VERSION,
                DeviationKind.UPSTREAM_VERSION,
                _clean(content),
                ("spec", "upstream-distro", changed),
            )
        if spec.get("upstream-name") and spec["upstream-name"] != component.name:
            self._record(
                out,
                component,
                DeviationKind.UPSTREAM_RENAME,
                DeviationKind.UPSTREAM_RENAME,
                {"upstream-name": spec["upstream-name"]},
                ("spec", "upstream-name"),
            )
        if spec.get("upstream-commit"):
            self._record(
                out,
                component,
                DeviationKind.UPSTREAM_PIN,
                DeviationKind.UPSTREAM_PIN,
                {"upstream-commit": spec["upstream-commit"]},
                ("spec", "upstream-commit"),
            )

    def _source_files(
        self, component: ResolvedComponent, config: dict[str, Any], out: list[Deviation]
    ) -> None:
        entries = config.get("source-files") or []
        origins = component.effective.items.get(("source-files",), ())
        for entry, (layer_index, index) in zip(entries, origins, strict=True):
            layer = component.layers[layer_index]
            content = _clean({k: v for k, v in entry.items() if k != "replace-reason"})
            self._record(
                out,
                component,
                DeviationKind.SOURCE_FILE,
                f"source-file:{entry.get('filename', '')}",
                content,
                ("source-files", index),
                reason=entry.get("replace-reason", ""),
                layer=layer,
            )

    def _build(
        self, component: ResolvedComponent, build: dict[str, Any], out: list[Deviation]
    ) -> None:
        items = component.effective.items
        for field_name, slot in (
            ("with", "with"),
            ("without", "without"),
            ("undefines", "undefine"),
        ):
            values = build.get(field_name) or []
            origins = items.get(("build", field_name), ())
            for value, (layer_index, _) in zip(values, origins, strict=True):
                self._record(
                    out,
                    component,
                    DeviationKind.BUILD_OPTION,
                    f"build-option:{slot}:{value}",
                    {field_name: value},
                    ("build", field_name),
                    layer=component.layers[layer_index],
                )
        for name in sorted(build.get("defines") or {}):
            self._record(
                out,
                component,
                DeviationKind.BUILD_OPTION,
                f"build-option:define:{name}",
                {"defines": {name: build["defines"][name]}},
                ("build", "defines", name),
            )
        if build.get("emit-upstream-provenance"):
            self._record(
                out,
                component,
                DeviationKind.BUILD_OPTION,
                "build-option:emit-upstream-provenance",
                {"emit-upstream-provenance": True},
                ("build", "emit-upstream-provenance"),
            )
        for hint, value in sorted((build.get("hints") or {}).items()):
            if value:
                self._record(
                    out,
                    component,
                    DeviationKind.BUILD_OPTION,
                    f"build-option:hint:{hint}",
                    {"hints": {hint: value}},
                    ("build", "hints", hint),
                )
        check = build.get("check") or {}
        if check.get("skip"):
            self._record(
                out,
                component,
                DeviationKind.CHECK_SKIP,
                DeviationKind.CHECK_SKIP,
                {"check": {"skip": True}},
                ("build", "check", "skip"),
                reason=check.get("skip_reason", ""),
            )
        failure = build.get("failure") or {}
        if failure.get("expected"):
            self._record(
                out,
                component,
                DeviationKind.EXPECTED_FAILURE,
                DeviationKind.EXPECTED_FAILURE,
                {"failure": {"expected": True}},
                ("build", "failure", "expected"),
                reason=failure.get("expected-reason", ""),
            )

    def _overlays(self, component: ResolvedComponent, out: list[Deviation]) -> None:
        for item in component.overlays:
            content = _clean(
                {k: v for k, v in item.raw.items() if k not in ("description", "metadata")}
            )
            positions = item.file.positions
            start, end = positions.lines(item.path)
            if item.overlay.source:
                path = source_path(self.source, item)
                if path is None:
                    self.issues.append(
                        ConfigIssue(
                            item.file.path,
                            f"source {item.overlay.source!r} points outside the config tree",
                            component.name,
                            item.label,
                            start,
                        )
                    )
                else:
                    content["sha256"] = self._sha256(path, component, item.label, start)
            comment = positions.comment(item.path)
            if not comment and item.from_overlay_file:
                comment = positions.comment(("metadata",))
            metadata = item.raw.get("metadata")
            out.append(
                Deviation(
                    DeviationKind.OVERLAY,
                    "",
                    content,
                    fingerprint(DeviationKind.OVERLAY, content),
                    item.overlay.description,
                    _clean(metadata) if isinstance(metadata, dict) else {},
                    comment,
                    "",
                    item.file.path,
                    start,
                    end,
                    overlay_type=item.overlay.type,
                )
            )


def source_path(source: Any, item: OverlayItem) -> str | None:
    """The root-relative path of an overlay's `source` file; None when it leaves the tree."""
    written = item.overlay.source
    if written.startswith("/"):
        relative = getattr(source, "relative", None)
        return relative(written) if relative else None
    return join(posixpath.dirname(item.file.path), written)


def _unique(deviations: list[Deviation]) -> list[Deviation]:
    """The same slot twice (e.g. `with = ["x", "x"]`) is one deviation."""
    seen: set[str] = set()
    out = []
    for deviation in deviations:
        if deviation.slot:
            if deviation.slot in seen:
                continue
            seen.add(deviation.slot)
        out.append(deviation)
    return out
