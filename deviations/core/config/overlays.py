"""Overlays from one TOML file: a component's config, or a per-file overlay document.

For tools that work on a single component (the overlay engine's `render_overlays`),
without loading the whole project: the component's own overlays in apply order
(inline, then its `overlay-files`), validated as azldev validates them.  Nothing is
inherited from distro, project or group defaults here; use `load_config` for that.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..types import Overlay
from .errors import ConfigError, ConfigIssue
from .loader import Declared, LoadedFiles, check_file, parse_toml
from .resolve import Effective, Layer, Resolver, load_overlay_file, merge_layer, to_overlay
from .source import DirectorySource, Limits


def _root_for(file: Path) -> Path:
    """The config tree a file belongs to: the nearest folder up with azldev.toml."""
    for folder in file.parents:
        if (folder / "azldev.toml").is_file():
            return folder
    return file.parent


def load_overlays(
    path: str | os.PathLike[str],
    *,
    component: str | None = None,
    root: str | os.PathLike[str] | None = None,
    permissive: bool = False,
    limits: Limits | None = None,
) -> list[Overlay]:
    """The overlays declared in `path` (component TOML or overlay file); ConfigError if invalid.

    `root` confines every path the file names (default: the nearest folder above with
    an azldev.toml, else the file's folder).  Each Overlay's `base_dir` is the folder its
    `source` is relative to.
    """
    limits = limits or Limits()
    file_path = Path(path).resolve()
    source = DirectorySource(root if root is not None else _root_for(file_path))
    relative = source.relative(str(file_path))
    if relative is None:
        raise ConfigError([ConfigIssue(str(file_path), f"is outside {source.root}")])
    try:
        raw = source.read(relative, limits.max_file_bytes)
    except Exception as exc:
        raise ConfigError([ConfigIssue(relative, f"cannot be read: {exc}")]) from exc
    parsed = parse_toml(relative, raw, None)
    if isinstance(parsed, ConfigIssue):
        raise ConfigError([parsed])
    if "components" not in parsed.data:
        overlay_file, issues, _ = load_overlay_file(
            source, relative, limits=limits, permissive=permissive
        )
        if issues or overlay_file is None:
            raise ConfigError(issues)
        base_dir = source.absolute(overlay_file.file.folder)
        return [to_overlay(o, base_dir) for o in overlay_file.overlays]

    issues, _ = check_file(parsed, permissive)
    components = parsed.data.get("components") or {}
    if component is None:
        if len(components) != 1:
            issues.append(
                ConfigIssue(
                    relative,
                    f"declares {len(components)} components ({', '.join(sorted(components))});"
                    " say which one",
                )
            )
            raise ConfigError(issues)
        component = next(iter(components))
    if component not in components:
        raise ConfigError([*issues, ConfigIssue(relative, f"has no component {component!r}")])
    if issues:
        raise ConfigError(issues)
    declared = Declared(component, parsed, components[component])
    loaded = LoadedFiles(source, [parsed], {component: declared}, {}, {}, {}, [], {}, [], [])
    resolver = Resolver(loaded, limits=limits, permissive=permissive)
    layer = Layer("component", component, parsed, ("components", component), declared.raw)
    effective = Effective({}, {}, {})
    merge_layer(effective, declared.raw, 0)
    items = resolver._overlays(component, declared, effective, (layer,))
    if resolver.issues:
        raise ConfigError(resolver.issues)
    return [item.overlay for item in items]
