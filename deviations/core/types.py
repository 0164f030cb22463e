"""Value types shared by the config loader and the overlay engine."""

from __future__ import annotations

from dataclasses import dataclass, field

# Overlays that edit the spec (patch-add and patch-remove also add or remove the patch).
SPEC_OVERLAY_TYPES: tuple[str, ...] = (
    "spec-add-tag",
    "spec-insert-tag",
    "spec-set-tag",
    "spec-update-tag",
    "spec-remove-tag",
    "spec-prepend-lines",
    "spec-append-lines",
    "spec-search-replace",
    "spec-remove-section",
    "spec-remove-subpackage",
    "patch-add",
    "patch-remove",
)
# Overlays on the component's other files.
FILE_OVERLAY_TYPES: tuple[str, ...] = (
    "file-prepend-lines",
    "file-search-replace",
    "file-add",
    "file-remove",
    "file-rename",
)
# Every overlay type azldev knows (an overlay's `type`).
OVERLAY_TYPES: tuple[str, ...] = (*SPEC_OVERLAY_TYPES, *FILE_OVERLAY_TYPES)

OVERLAY_CATEGORIES: tuple[str, ...] = (
    "upstream-backport",
    "azl-pruning",
    "azl-compatibility",
    "azl-temp-workaround",
    "azl-branding-policy",
    "azl-disable-flaky-tests",
    "azl-disable-unsupported-tests",
    "azl-security-compliance",
    "azl-release-management",
    "azl-platform-adaptation",
)

UPSTREAM_STATUSES: tuple[str, ...] = (
    "upstreamed",
    "upstreamable",
    "needs-upstream-hook",
    "inapplicable",
    "unknown",
)


@dataclass(frozen=True)
class URLRef:
    """A link in overlay metadata (`commits`, `bugs`)."""

    url: str
    title: str = ""


@dataclass(frozen=True)
class OverlayMetadata:
    category: str = ""
    upstream_status: str = ""
    commits: tuple[URLRef, ...] = ()
    bugs: tuple[URLRef, ...] = ()
    extra: tuple[tuple[str, str], ...] = ()  # other documented string fields, verbatim


@dataclass(frozen=True)
class Overlay:
    """One overlay as declared in TOML (field names follow azldev's TOML keys).

    `source` is kept as written; `base_dir` is the folder it resolves against
    (the folder of the TOML file that declared the overlay), so the engine can
    resolve and confine it.
    """

    type: str
    description: str = ""
    file: str = ""
    archive: str = ""
    section: str = ""
    package: str = ""
    tag: str = ""
    value: str = ""
    regex: str = ""
    replacement: str = ""
    lines: tuple[str, ...] = ()
    source: str = ""
    metadata: OverlayMetadata | None = None
    base_dir: str = field(default="", compare=False)
