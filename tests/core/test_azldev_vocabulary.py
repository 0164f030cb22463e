"""Our vocabulary and overlay fields against azldev's current reference.

The expected values are read from azldev's `schemas/azldev.schema.json` and
`docs/user/reference/config/overlays.md` on its main branch at 6eca9a4 (2026-08-06), the
azldev the Azure Linux config is checked with.  When azldev changes one of them, this is
the test that says so; an old name azldev renamed goes in renames.py with its dates.
"""

from __future__ import annotations

from deviations.core.config import validate
from deviations.core.config.renames import CATEGORY_RENAMES
from deviations.core.types import OVERLAY_CATEGORIES, OVERLAY_TYPES, UPSTREAM_STATUSES

AZLDEV_OVERLAY_TYPES = [
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
    "file-prepend-lines",
    "file-search-replace",
    "file-add",
    "file-remove",
    "file-rename",
]
AZLDEV_CATEGORIES = [
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
]
AZLDEV_UPSTREAM_STATUSES = [
    "upstreamed",
    "upstreamable",
    "needs-upstream-hook",
    "inapplicable",
    "unknown",
]
# ComponentOverlay, OverlayMetadata and URLRef properties.
AZLDEV_OVERLAY_FIELDS = {
    "type": "string",
    "description": "string",
    "file": "string",
    "archive": "string",
    "section": "string",
    "package": "string",
    "tag": "string",
    "value": "string",
    "regex": "string",
    "replacement": "string",
    "lines": "array",
    "source": "string",
    "metadata": "object",
}
AZLDEV_METADATA_FIELDS = {
    "category": "string",
    "commits": "array",
    "bugs": "array",
    "upstream-status": "string",
}
AZLDEV_COMPONENT_FIELDS = {
    "spec",
    "release",
    "overlays",
    "overlay-files",
    "build",
    "render",
    "source-files",
    "packages",
    "publish",
}


def _kind(shape: object) -> str:
    if isinstance(shape, dict):
        return "object"
    if isinstance(shape, tuple):
        return "array" if shape[0] == "array" else "object"
    return str(shape)


def test_overlay_types_categories_and_statuses_are_azldevs_in_its_order():
    assert list(OVERLAY_TYPES) == AZLDEV_OVERLAY_TYPES
    assert list(OVERLAY_CATEGORIES) == AZLDEV_CATEGORIES
    assert list(UPSTREAM_STATUSES) == AZLDEV_UPSTREAM_STATUSES


def test_overlay_and_metadata_fields_are_azldevs():
    assert {k: _kind(v) for k, v in validate.OVERLAY.items()} == AZLDEV_OVERLAY_FIELDS
    assert {k: _kind(v) for k, v in validate.METADATA.items()} == AZLDEV_METADATA_FIELDS
    assert validate.URL_REF == {"url": validate.STR}
    assert set(validate.COMPONENT) == AZLDEV_COMPONENT_FIELDS
    assert validate.OVERLAY_FILE == {
        "metadata": validate.METADATA,
        "overlays": ("array", validate.OVERLAY),
    }


def test_other_enumerations_are_azldevs():
    assert validate.HASH_TYPES == ("SHA256", "SHA512")
    assert validate.ORIGIN_TYPES == ("download", "custom", "overlay")
    assert validate.RELEASE_CALCULATIONS == ("auto", "autorelease", "static", "manual")


def test_renamed_categories_are_not_todays_and_point_at_todays():
    for rename in CATEGORY_RENAMES:
        assert rename.old not in OVERLAY_CATEGORIES
        assert rename.new in OVERLAY_CATEGORIES
        assert rename.renamed < rename.accepted_until
