"""A component's effective config: inheritance, overlay files, effective upstream.

Layers, lowest first (azldev's order): the default distro version's
`default-component-config`, the project's `default-component-config` (one layer per
file that sets it), each group the component belongs to in alphabetical order, then
the component itself.  Merging follows azldev (mergo with override + append):

- a non-empty value of a later layer replaces an earlier one; empty values (`""`,
  `false`, `0`) never replace anything, so a component cannot switch off a group's
  `check.skip = true`;
- tables merge field by field (so `spec = { upstream-commit = ... }` keeps the
  inherited distro and snapshot), maps such as `defines` key by key;
- arrays (`overlays`, `with`, `source-files`, ...) are appended;
- `overlay-files` is the exception: the last layer that sets it replaces the list
  (`[]` switches inherited patterns off); its relative patterns resolve from the
  component's own config file, and the overlays it loads come after inline ones.

Each scalar and each array element remembers the layer it came from, so a deviation
can be located where it is written (a group's `check.skip` at the group).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from deviations.vocabulary import SpecType

from ..types import Overlay, OverlayMetadata, URLRef
from . import validate
from .errors import ConfigIssue, overlay_label
from .loader import ConfigFile, Declared, LoadedFiles, ParseCache, nul_paths, parse_toml
from .renames import TODAY, Vocabulary
from .source import ConfigSource, Limits, SourceError, glob, has_glob, join, sort_by_basename

Path = tuple[str | int, ...]


@dataclass(frozen=True, eq=False)
class Layer:
    """One config table that contributes to a component."""

    kind: str  # "distro", "project", "group" or "component"
    name: str  # "azurelinux 4.0", "", the group's or the component's name
    file: ConfigFile
    path: Path  # where the table is inside `file`
    raw: dict[str, Any]
    metadata: dict[str, Any] | None = None  # a group's documentation metadata
    description: str = ""  # a group's description


@dataclass(frozen=True)
class Upstream:
    """Where a component's spec comes from, after inheritance."""

    spec_type: SpecType
    distro: str = ""
    version: str = ""
    snapshot: str = ""  # as written
    snapshot_at: dt.datetime | None = None
    branch: str = ""
    dist_git_base_uri: str = ""  # the template, with $pkg
    dist_git_url: str = ""  # $pkg replaced
    name: str = ""  # the upstream package name ($pkg)
    commit: str = ""  # upstream-commit pin, as written
    local_spec: str = ""  # root-relative path of a local spec
    lookaside_base_uri: str = ""  # the distro's template ($pkg, $filename, $hashtype, $hash)


@dataclass(frozen=True, eq=False)
class OverlayItem:
    """An overlay of a component and where it is written."""

    overlay: Overlay
    raw: dict[str, Any]  # the TOML table as written (overlay-file metadata stamped in)
    file: ConfigFile  # the component TOML or the overlay file
    path: Path  # the overlay's table in `file`
    index: int  # 1-based position in the table it is written in
    layer: Layer  # the layer that declared it (or named its overlay file)
    from_overlay_file: bool = False

    @property
    def label(self) -> str:
        return overlay_label(self.index, self.overlay.description)


@dataclass(eq=False)
class Effective:
    config: dict[str, Any]
    origin: dict[Path, int]  # scalar path -> layer index
    items: dict[Path, list[tuple[int, int]]]  # array path -> (layer index, index in layer)


@dataclass(eq=False)
class ResolvedComponent:
    name: str
    declared: Declared
    groups: tuple[str, ...]
    layers: tuple[Layer, ...]
    effective: Effective
    overlays: tuple[OverlayItem, ...]
    upstream: Upstream

    @property
    def line(self) -> int:
        """The line of the component's table in its file (scanned on first use)."""
        return self.declared.file.line(("components", self.name))

    @property
    def config(self) -> dict[str, Any]:
        """The effective config in TOML shape (overlay files not expanded)."""
        return self.effective.config

    @property
    def file(self) -> str:
        return self.declared.file.path

    def layer_of(self, path: Path) -> Layer | None:
        index = self.effective.origin.get(path)
        return self.layers[index] if index is not None else None


def _empty(value: Any) -> bool:
    return value is None or value == "" or value is False or value == 0


def merge_layer(target: Effective, raw: dict[str, Any], layer: int) -> None:
    """Merge one layer's table into `target` (copy-on-write: shared dicts are never changed)."""
    _merge(target.config, raw, target, layer, ())


def _merge(
    dst: dict[str, Any], src: dict[str, Any], target: Effective, layer: int, path: Path
) -> None:
    for key, value in src.items():
        here = (*path, key)
        if isinstance(value, dict):
            current = dst.get(key)
            sub = dict(current) if isinstance(current, dict) else {}
            dst[key] = sub
            _merge(sub, value, target, layer, here)
        elif isinstance(value, list):
            if here == ("overlay-files",):
                dst[key] = list(value)
                target.origin[here] = layer
                target.items[here] = [(layer, i) for i in range(len(value))]
            elif value:
                dst[key] = [*dst.get(key, ()), *value]
                target.items[here] = [
                    *target.items.get(here, ()),
                    *((layer, i) for i in range(len(value))),
                ]
        elif not _empty(value):
            dst[key] = value
            target.origin[here] = layer


def _copy(effective: Effective) -> Effective:
    return Effective(dict(effective.config), dict(effective.origin), dict(effective.items))


def parse_snapshot(value: str) -> dt.datetime | None:
    """RFC 3339 date-time, as azldev reads a snapshot; None when it is not one."""
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def to_overlay(raw: dict[str, Any], base_dir: str) -> Overlay:
    metadata = raw.get("metadata")
    meta = None
    if isinstance(metadata, dict):
        meta = OverlayMetadata(
            category=metadata.get("category", ""),
            upstream_status=metadata.get("upstream-status", ""),
            commits=tuple(URLRef(r.get("url", "")) for r in metadata.get("commits") or []),
            bugs=tuple(URLRef(r.get("url", "")) for r in metadata.get("bugs") or []),
        )
    return Overlay(
        type=raw.get("type", ""),
        description=raw.get("description", ""),
        file=raw.get("file", ""),
        archive=raw.get("archive", ""),
        section=raw.get("section", ""),
        package=raw.get("package", ""),
        tag=raw.get("tag", ""),
        value=raw.get("value", ""),
        regex=raw.get("regex", ""),
        replacement=raw.get("replacement", ""),
        lines=tuple(raw.get("lines") or ()),
        source=raw.get("source", ""),
        metadata=meta,
        base_dir=base_dir,
    )


@dataclass
class OverlayFile:
    file: ConfigFile
    overlays: list[dict[str, Any]]  # with the file-level metadata stamped in (None when dropped)


def load_overlay_file(
    source: ConfigSource,
    path: str,
    *,
    limits: Limits,
    permissive: bool = False,
    cache: ParseCache | None = None,
    vocabulary: Vocabulary = TODAY,
) -> tuple[OverlayFile | None, list[ConfigIssue], list[ConfigIssue]]:
    """Parse and check one per-file overlay document (one [metadata], [[overlays]]).

    The file-level metadata is stamped into each overlay with today's category name
    (`vocabulary` says which old names the reading accepts).
    """
    identity = source.identity(path)
    key = (path, identity) if identity else None
    parsed = cache.files.get(key) if (cache is not None and key) else None
    if parsed is None:
        try:
            raw = source.read(path, limits.max_file_bytes)
        except (SourceError, OSError) as exc:
            return None, [ConfigIssue(path, f"cannot be read: {exc}", item="overlay file")], []
        parsed = parse_toml(path, raw, identity)
        if cache is not None and key:
            cache.files[key] = parsed
    if isinstance(parsed, ConfigIssue):
        return None, [parsed], []
    file = parsed
    issues: list[ConfigIssue] = []
    warnings: list[ConfigIssue] = []

    def add(at: Path, message: str, *, unknown: bool = False, item: str = "overlay file") -> None:
        issue = ConfigIssue(path, message, item=item, line=file.line(at))
        (warnings if unknown and permissive else issues).append(issue)

    def item_at(at: Path) -> str:
        if at[:1] == ("overlays",) and len(at) >= 2 and isinstance(at[1], int):
            return _overlay_item(file.data, at[1])
        return "overlay file"

    broken = False
    for at, message, unknown in validate.shape_problems(file.data, validate.OVERLAY_FILE):
        add(at, message, unknown=unknown, item=item_at(at))
        broken = broken or not unknown
    for at in nul_paths(file):
        add(at, validate.NUL_MESSAGE, item=item_at(at))
        broken = True
    if broken:
        return None, issues, warnings
    metadata = file.data.get("metadata") or {}
    problems = validate.metadata_problems(metadata, vocabulary)
    stamped: dict[str, Any] | None = vocabulary.metadata(metadata)
    if problems:
        if permissive:
            stamped = None
            warnings.extend(
                ConfigIssue(path, f"invalid [metadata] dropped: {p}", item="overlay file")
                for p in problems
            )
        else:
            for problem in problems:
                add(("metadata",), f"invalid [metadata]: {problem}")
    overlays = file.data.get("overlays") or []
    if not overlays:
        add((), "declares no [[overlays]]; an overlay file needs at least one")
    out = []
    for index, overlay in enumerate(overlays):
        item = _overlay_item(file.data, index)
        if "metadata" in overlay:
            add(
                ("overlays", index),
                "per-overlay metadata is not allowed inside an overlay file; declare it once "
                "in the file's [metadata]",
                item=item,
            )
        for problem in validate.overlay_problems(overlay, check_metadata=False):
            add(("overlays", index), problem, item=item)
        out.append({**overlay, "metadata": stamped} if stamped is not None else dict(overlay))
    return OverlayFile(file, out), issues, warnings


def _overlay_item(data: dict[str, Any], index: int) -> str:
    overlays = data.get("overlays") or []
    entry = overlays[index] if index < len(overlays) and isinstance(overlays[index], dict) else {}
    desc = entry.get("description", "")
    return overlay_label(index + 1, desc if isinstance(desc, str) else "")


def _distro_key(spec: dict[str, Any]) -> tuple[str, str, str]:
    """(distro, version, snapshot) of a spec's upstream-distro, as written."""
    ref = spec.get("upstream-distro") or {}
    return ref.get("name", ""), ref.get("version", ""), ref.get("snapshot", "")


class Resolver:
    """Resolves components of loaded files; caches what components share."""

    def __init__(
        self,
        loaded: LoadedFiles,
        *,
        limits: Limits | None = None,
        permissive: bool = False,
        cache: ParseCache | None = None,
        vocabulary: Vocabulary = TODAY,
    ) -> None:
        self.loaded = loaded
        self.vocabulary = vocabulary  # old metadata names accepted, as today's (renames.py)
        self.source = loaded.source
        self.limits = limits or Limits()
        self.permissive = permissive
        self.cache = cache
        self.issues: list[ConfigIssue] = []
        self.warnings: list[ConfigIssue] = []
        self._group_layers: dict[str, Layer] = {}
        self._base_layers, self.default_distro = self._base()
        self._by_groups: dict[tuple[str, ...], tuple[tuple[Layer, ...], Effective]] = {}
        self._upstreams: dict[tuple[str, str, str], Upstream | ConfigIssue] = {}
        self._baseline_reported = False
        self._overlay_files: dict[
            str, tuple[OverlayFile | None, list[ConfigIssue], list[ConfigIssue]]
        ] = {}
        self._absolute: dict[str, str] = {}

    # --- layers -----------------------------------------------------------------
    def _base(self) -> tuple[tuple[Layer, ...], tuple[str, str]]:
        loaded = self.loaded
        layers: list[Layer] = []
        ref = loaded.project.get("default-distro") or {}
        name, version = ref.get("name", ""), ref.get("version", "")
        if name:
            distro = loaded.distros.get(name)
            if distro is None:
                self.issues.append(
                    ConfigIssue("", f"the project's default-distro {name!r} is not defined")
                )
            else:
                version = version or distro.fields.get("default-version", "")
                found = distro.versions.get(version)
                if found is None:
                    self.issues.append(
                        ConfigIssue(
                            "", f"the project's default-distro {name} has no version {version!r}"
                        )
                    )
                elif isinstance(found.raw.get("default-component-config"), dict):
                    layers.append(
                        Layer(
                            "distro",
                            f"{name} {version}",
                            found.file,
                            ("distros", name, "versions", version, "default-component-config"),
                            found.raw["default-component-config"],
                        )
                    )
        for file, raw in loaded.project_defaults:
            layers.append(Layer("project", "", file, ("default-component-config",), raw))
        return tuple(layers), (name, version)

    def group_layer(self, name: str) -> Layer:
        layer = self._group_layers.get(name)
        if layer is None:
            group = self.loaded.groups[name]
            raw = group.raw.get("default-component-config")
            metadata = group.raw.get("metadata")
            layer = Layer(
                "group",
                name,
                group.file,
                ("component-groups", name, "default-component-config"),
                raw if isinstance(raw, dict) else {},
                self.vocabulary.metadata(metadata) if isinstance(metadata, dict) else None,
                group.raw.get("description", "") or "",
            )
            self._group_layers[name] = layer
        return layer

    def _inherited(self, groups: tuple[str, ...]) -> tuple[tuple[Layer, ...], Effective]:
        found = self._by_groups.get(groups)
        if found is None:
            layers = (*self._base_layers, *(self.group_layer(g) for g in groups))
            effective = Effective({}, {}, {})
            for index, layer in enumerate(layers):
                merge_layer(effective, layer.raw, index)
            found = self._by_groups[groups] = (layers, effective)
        return found

    @property
    def baseline(self) -> Effective:
        """The distro and project defaults alone: what "plain Fedora" means here."""
        return self._inherited(())[1]

    def _baseline_key(self) -> tuple[str, str, str]:
        return _distro_key(self.baseline.config.get("spec") or {})

    # --- components ----------------------------------------------------------------
    def resolve(self, name: str) -> ResolvedComponent | None:
        declared = self.loaded.components[name]
        groups = tuple(sorted(self.loaded.groups_by_component.get(name, ())))
        inherited_layers, inherited = self._inherited(groups)
        own = Layer("component", name, declared.file, ("components", name), declared.raw)
        layers = (*inherited_layers, own)
        if declared.raw:
            effective = _copy(inherited)
            merge_layer(effective, declared.raw, len(layers) - 1)
        else:
            effective = inherited  # shared and never changed: bare components cost nothing
        issues_before = len(self.issues)
        upstream = self._upstream(name, declared, effective, layers)
        overlays = self._overlays(name, declared, effective, layers)
        if len(self.issues) > issues_before or upstream is None:
            return None
        return ResolvedComponent(
            name,
            declared,
            groups,
            layers,
            effective,
            tuple(overlays),
            upstream,
        )

    def _issue(self, declared: Declared, message: str, item: str, path: Path = ()) -> None:
        file = declared.file
        self.issues.append(
            ConfigIssue(
                file.path,
                message,
                declared.name,
                item,
                file.line(("components", declared.name, *path)),
            )
        )

    def _upstream(
        self, name: str, declared: Declared, effective: Effective, layers: tuple[Layer, ...]
    ) -> Upstream | None:
        spec = effective.config.get("spec") or {}
        kind = spec.get("type", "")
        if kind == SpecType.LOCAL:
            path = spec.get("path", "")
            if not path:
                return None  # validation said "a local spec needs 'path'"
            layer = layers[effective.origin.get(("spec", "path"), len(layers) - 1)]
            rooted = join(layer.file.folder, path)
            if rooted is None:
                self._issue(declared, f"local spec {path!r} points outside the config tree", "spec")
                return None
            if not self.source.is_file(rooted):
                self._issue(declared, f"local spec {path!r} ({rooted}) does not exist", "spec")
                return None
            return Upstream(SpecType.LOCAL, local_spec=rooted)
        key = _distro_key(spec)
        found = self._upstreams.get(key)
        if found is None:
            found = self._upstreams[key] = self.make_upstream(*key, "", "")
        if isinstance(found, ConfigIssue):
            if key != self._baseline_key():
                self._issue(declared, found.message, "spec.upstream-distro", ("spec",))
            elif not self._baseline_reported:
                # What every component inherits is wrong: said once, not per component.
                self._baseline_reported = True
                self.issues.append(
                    ConfigIssue(
                        "",
                        "the upstream the distro and project defaults give every component "
                        f"is unusable: {found.message}; every component without an "
                        f"upstream-distro of its own is affected (the first is {name!r})",
                    )
                )
            return None
        package = spec.get("upstream-name", "") or name
        base = found.dist_git_base_uri
        return Upstream(
            SpecType.UPSTREAM,
            found.distro,
            found.version,
            found.snapshot,
            found.snapshot_at,
            found.branch,
            base,
            base.replace("$pkg", package) if base else "",
            package,
            spec.get("upstream-commit", ""),
            lookaside_base_uri=found.lookaside_base_uri,
        )

    def make_upstream(
        self, distro_name: str, version: str, snapshot: str, package: str, commit: str
    ) -> Upstream | ConfigIssue:
        if not distro_name:
            return ConfigIssue("", "has no spec source: no upstream distro is set or inherited")
        distro = self.loaded.distros.get(distro_name)
        if distro is None:
            return ConfigIssue("", f"upstream distro {distro_name!r} is not defined")
        version = version or distro.fields.get("default-version", "")
        found = distro.versions.get(version)
        if found is None:
            return ConfigIssue(
                "", f"upstream distro {distro_name!r} has no version {version!r} defined"
            )
        snapshot_at = None
        if snapshot:
            snapshot_at = parse_snapshot(snapshot)
            if snapshot_at is None:
                return ConfigIssue(
                    "", f"snapshot {snapshot!r} is not an RFC 3339 date-time with a time zone"
                )
        base = distro.fields.get("dist-git-base-uri", "")
        return Upstream(
            SpecType.UPSTREAM,
            distro=distro_name,
            version=version,
            snapshot=snapshot,
            snapshot_at=snapshot_at,
            branch=found.raw.get("dist-git-branch", "") or "",
            dist_git_base_uri=base,
            dist_git_url=base.replace("$pkg", package) if base else "",
            name=package,
            commit=commit,
            lookaside_base_uri=distro.fields.get("lookaside-base-uri", "") or "",
        )

    def _base_dir(self, folder: str) -> str:
        found = self._absolute.get(folder)
        if found is None:
            found = self._absolute[folder] = self.source.absolute(folder)
        return found

    def _overlays(
        self, name: str, declared: Declared, effective: Effective, layers: tuple[Layer, ...]
    ) -> list[OverlayItem]:
        out: list[OverlayItem] = []
        raw_overlays = effective.config.get("overlays") or []
        for raw, (layer_index, index) in zip(
            raw_overlays, effective.items.get(("overlays",), ()), strict=True
        ):
            layer = layers[layer_index]
            metadata = raw.get("metadata")
            if isinstance(metadata, dict) and self.vocabulary.metadata(metadata) is not metadata:
                raw = {**raw, "metadata": self.vocabulary.metadata(metadata)}
            out.append(
                OverlayItem(
                    to_overlay(raw, self._base_dir(layer.file.folder)),
                    raw,
                    layer.file,
                    (*layer.path, "overlays", index),
                    index + 1,
                    layer,
                )
            )
        patterns = effective.config.get("overlay-files") or []
        if not patterns:
            return out
        layer = layers[effective.origin.get(("overlay-files",), len(layers) - 1)]
        for path in self._match_overlay_files(declared, patterns):
            loaded = self._overlay_files.get(path)
            if loaded is None:
                loaded = self._overlay_files[path] = load_overlay_file(
                    self.source,
                    path,
                    limits=self.limits,
                    permissive=self.permissive,
                    cache=self.cache,
                    vocabulary=self.vocabulary,
                )
            overlay_file, issues, warnings = loaded
            for issue in issues:
                self.issues.append(
                    ConfigIssue(issue.file, issue.message, name, issue.item, issue.line)
                )
            self.warnings.extend(warnings)
            if overlay_file is None:
                continue
            base_dir = self._base_dir(overlay_file.file.folder)
            for index, raw in enumerate(overlay_file.overlays):
                out.append(
                    OverlayItem(
                        to_overlay(raw, base_dir),
                        raw,
                        overlay_file.file,
                        ("overlays", index),
                        index + 1,
                        layer,
                        from_overlay_file=True,
                    )
                )
        return out

    def _match_overlay_files(self, declared: Declared, patterns: list[str]) -> list[str]:
        """azldev's order: patterns in order, matches by file name then path, no repeats."""
        folder = declared.file.folder
        ordered: list[str] = []
        seen: set[str] = set()
        for pattern in patterns:
            if not pattern:
                continue  # validation said "'overlay-files' entries cannot be empty"
            if pattern.startswith("/"):
                relative = getattr(self.source, "relative", None)
                rooted = relative(pattern) if relative else None
            else:
                rooted = join(folder, pattern)
            if rooted is None:
                self._issue(
                    declared,
                    f"overlay-files pattern {pattern!r} points outside the config tree",
                    "overlay-files",
                    ("overlay-files",),
                )
                continue
            if has_glob(pattern):
                try:
                    matches = sort_by_basename(glob(self.source, rooted))
                except ValueError as exc:
                    self._issue(
                        declared,
                        f"overlay-files pattern {pattern!r} is not a valid glob: {exc}",
                        "overlay-files",
                        ("overlay-files",),
                    )
                    continue
            elif self.source.is_file(rooted):
                matches = [rooted]
            else:
                self._issue(
                    declared,
                    f"overlay-files pattern matched no files: {pattern!r} is a literal path "
                    "and must name an existing file",
                    "overlay-files",
                    ("overlay-files",),
                )
                continue
            for match in matches:
                if match not in seen:
                    seen.add(match)
                    ordered.append(match)
        return ordered
