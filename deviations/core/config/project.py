"""The config as a whole: load, resolve every component, list its deviations."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from ..types import Overlay
from .errors import ConfigError, ConfigIssue
from .extract import Deviation, Extractor, FileHashes, source_path
from .loader import LoadedFiles, ParseCache, load_files
from .resolve import OverlayItem, ResolvedComponent, Resolver
from .source import ConfigSource, DirectorySource, Limits


@dataclass(eq=False)
class Config:
    """A loaded, valid config: every component resolved, with its deviations."""

    source: ConfigSource
    files: LoadedFiles
    resolver: Resolver
    components: dict[str, ResolvedComponent]
    deviations: dict[str, list[Deviation]]
    limits: Limits
    warnings: list[ConfigIssue] = field(default_factory=list)

    @property
    def default_distro(self) -> tuple[str, str]:
        """(name, version) of the project's default distro."""
        return self.resolver.default_distro

    def read(self, path: str) -> bytes:
        """A file of the config tree (root-relative path), at most `limits.max_source_bytes`."""
        return self.source.read(path, self.limits.max_source_bytes)

    def overlay_source(self, item: OverlayItem) -> bytes:
        """The bytes of an overlay's `source` file (patch-add, file-add), confined to the tree."""
        path = source_path(self.source, item)
        if path is None:
            raise ConfigError(
                [
                    ConfigIssue(
                        item.file.path, "source points outside the config tree", item=item.label
                    )
                ]
            )
        return self.read(path)

    def overlays(self, name: str) -> tuple[Overlay, ...]:
        """A component's overlays in apply order (inline first, then overlay files)."""
        return tuple(item.overlay for item in self.components[name].overlays)


def as_source(location: str | os.PathLike[str] | ConfigSource) -> ConfigSource:
    if isinstance(location, str | os.PathLike):
        return DirectorySource(location)
    return location


def load_config(
    location: str | os.PathLike[str] | ConfigSource,
    *,
    limits: Limits | None = None,
    permissive: bool = False,
    cache: ParseCache | None = None,
    hashes: FileHashes | None = None,
) -> Config:
    """Load `azldev.toml` and everything it includes; raise ConfigError listing every problem.

    `location` is a folder (with `azldev.toml` at its top) or a ConfigSource (e.g. a tree
    in a git commit).  `cache`/`hashes` let a caller that loads many versions of the same
    config (the history walk) parse and hash each file content once.
    """
    source = as_source(location)
    limits = limits or Limits()
    loaded = load_files(source, limits=limits, permissive=permissive, cache=cache)
    if loaded.refused is not None:
        raise ConfigError([loaded.refused])  # nothing else is worth resolving
    issues = list(loaded.issues)
    components: dict[str, ResolvedComponent] = {}
    deviations: dict[str, list[Deviation]] = {}
    # Every stage runs, whatever the one before found, so one report holds every
    # problem; a stage only skips what an earlier one could not read (a table of the
    # wrong type), whose problems are already reported.
    if _base_broken(loaded):
        raise ConfigError(sorted(issues, key=lambda i: (i.file, i.line)))
    resolver = Resolver(loaded, limits=limits, permissive=permissive, cache=cache)
    for name in sorted(loaded.components):
        if not _readable(loaded, name):
            continue
        resolved = resolver.resolve(name)
        if resolved is not None:
            components[name] = resolved
    issues.extend(resolver.issues)
    extractor = Extractor(resolver, config_reader(source, limits), hashes)
    for name, component in components.items():
        deviations[name] = extractor.extract(component)
    issues.extend(extractor.issues)
    if issues:
        raise ConfigError(sorted(issues, key=lambda i: (i.file, i.line)))
    return Config(
        source,
        loaded,
        resolver,
        components,
        deviations,
        limits,
        [*loaded.warnings, *resolver.warnings],
    )


def _base_broken(loaded: LoadedFiles) -> bool:
    """Whether what every component inherits (distros, project defaults) is unreadable."""
    return any(
        file.broken(section)
        for file in loaded.files
        for section in ("distros", "project", "default-component-config")
    )


def _readable(loaded: LoadedFiles, name: str) -> bool:
    """Whether a component's own table and its groups' have the types they should."""
    declared = loaded.components[name]
    if declared.file.broken("components", name):
        return False
    groups = loaded.groups
    return not any(
        groups[group].file.broken("component-groups", group)
        for group in loaded.groups_by_component.get(name, ())
    )


def config_reader(source: ConfigSource, limits: Limits) -> Callable[[str], bytes]:
    def read(path: str) -> bytes:
        return source.read(path, limits.max_source_bytes)

    return read
