"""azldev's config format: load, validate, resolve, and list every deviation from Fedora.

Pure Python (no Django).  Typical use::

    config = load_config("path/to/config")          # ConfigError lists every problem
    systemd = config.components["systemd"]
    systemd.upstream.dist_git_url, systemd.upstream.branch, systemd.upstream.snapshot
    for item in systemd.overlays:                     # apply order
        item.overlay                                  # deviations.core.types.Overlay
        config.overlay_source(item)                   # bytes of a patch-add/file-add source
    config.deviations["systemd"]                      # [extract.Deviation, ...]

    load_overlays("base/comps/foo/foo.comp.toml")    # one component TOML or overlay file
"""

from .errors import ConfigError, ConfigIssue
from .extract import Deviation, canonical_json, fingerprint
from .identity import Known, assign_keys, overlay_ordinals
from .overlays import load_overlays
from .project import Config, load_config
from .resolve import OverlayItem, ResolvedComponent, Upstream
from .source import ConfigSource, DirectorySource, Limits, TreeSource

__all__ = [
    "Config",
    "ConfigError",
    "ConfigIssue",
    "ConfigSource",
    "Deviation",
    "DirectorySource",
    "Known",
    "Limits",
    "OverlayItem",
    "ResolvedComponent",
    "TreeSource",
    "Upstream",
    "assign_keys",
    "canonical_json",
    "fingerprint",
    "load_config",
    "load_overlays",
    "overlay_ordinals",
]
