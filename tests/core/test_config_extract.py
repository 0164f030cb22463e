"""Deviations from plain Fedora, and their stable identities across config versions."""

from __future__ import annotations

import hashlib
import json
from collections import Counter

import pytest

from deviations.core.config import Known, assign_keys, fingerprint, load_config
from tests.factories import DEMO, write_config_tree


@pytest.fixture(scope="module")
def demo():
    return load_config(DEMO)


def kinds(devs) -> list[tuple[str, str]]:
    return [(d.kind, d.slot or d.overlay_type) for d in devs]


def test_bare_components_have_no_deviations(demo):
    for name in ("bc", "cpio", "tree", "which", "xz", "zlib"):
        assert demo.deviations[name] == []


def test_every_kind_in_the_demo(demo):
    found = Counter(d.kind for devs in demo.deviations.values() for d in devs)
    assert set(found) == {
        "overlay",
        "build-option",
        "check-skip",
        "expected-failure",
        "upstream-pin",
        "upstream-rename",
        "upstream-version",
        "local-spec",
        "source-file",
        "release-calculation",
        "render-option",
    }


def test_component_deviations(demo):
    assert kinds(demo.deviations["curl"]) == [
        ("build-option", "build-option:without:brotli"),
        ("build-option", "build-option:define:azl_minimal"),
        ("overlay", "spec-remove-tag"),
        ("overlay", "spec-add-tag"),
        ("overlay", "spec-append-lines"),
    ]
    assert kinds(demo.deviations["jq"]) == [
        ("upstream-pin", "upstream-pin"),
        ("check-skip", "check-skip"),
    ]
    assert kinds(demo.deviations["azurelinux-rpm-config"])[:2] == [
        ("upstream-rename", "upstream-rename"),
        ("release-calculation", "release-calculation"),
    ]
    assert kinds(demo.deviations["bash"]) == [("upstream-version", "upstream-version")]
    assert kinds(demo.deviations["dejavu-fonts"]) == [
        ("render-option", "render-option:skip-file-filter")
    ]


def test_group_check_skip_is_located_at_the_group(demo):
    (skip,) = demo.deviations["less"]
    assert skip.kind == "check-skip"
    assert skip.config_file == "base/comps/component-check-disablement.toml"
    assert (skip.line_start, skip.line_end) == (12, 12)
    assert skip.reason.startswith("Test suite needs a terminal")
    assert skip.description == "Components with %check failures during bring-up"
    assert skip.metadata == {
        "category": "azl-disable-unsupported-tests",
        "upstream-status": "unknown",
    }
    assert skip.comment.startswith("Components whose test suites fail")
    assert demo.deviations["make"][0].fingerprint == skip.fingerprint


def test_overlay_record(demo):
    first = demo.deviations["chrony"][0]
    assert first.kind == "overlay"
    assert first.overlay_type == "file-search-replace"
    assert first.description == "Use the Azure time service instead of the Fedora NTP pool"
    assert first.category == "azl-branding-policy"
    assert first.upstream_status == "inapplicable"
    assert first.comment.startswith("Azure VMs get their time from the host")
    assert (first.config_file, first.line_start, first.line_end) == (
        "base/comps/chrony/chrony.comp.toml",
        7,
        16,
    )
    # Content: what it does (no description, no metadata), canonical fingerprint.
    assert set(first.content) == {"type", "file", "regex", "replacement"}
    canonical = json.dumps(
        {"kind": "overlay", "content": first.content},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    assert first.fingerprint == hashlib.sha256(canonical.encode()).hexdigest()


def test_sources_are_hashed_into_the_content(demo):
    patch = demo.deviations["openssh"][0]
    data = (DEMO / "base/comps/openssh/patches/openssh-azl-banner.patch").read_bytes()
    assert patch.content["sha256"] == hashlib.sha256(data).hexdigest()
    spec = next(d for d in demo.deviations["azurelinux-release"] if d.kind == "local-spec")
    data = (DEMO / "base/comps/azurelinux-release/azurelinux-release.spec").read_bytes()
    assert spec.content == {
        "spec": {"type": "local", "path": "azurelinux-release.spec"},
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def test_overlay_files_stamp_metadata_and_keep_their_location(demo):
    nano = demo.deviations["nano"]
    assert [d.overlay_type for d in nano] == [
        "patch-add",
        "spec-prepend-lines",
        "spec-set-tag",
        "file-search-replace",
    ]
    assert nano[0].config_file == "base/comps/nano/overlays/0001-fix-crash-on-resize.overlay.toml"
    assert nano[0].metadata["category"] == "upstream-backport"
    assert (
        nano[0]
        .metadata["commits"][0]["url"]
        .startswith("https://src.fedoraproject.org/rpms/nano/c/")
    )
    assert nano[1].metadata == nano[0].metadata
    assert "drop the overlay once" in nano[0].comment  # the overlay file's own comment


def test_source_file_reason(demo):
    (source,) = [d for d in demo.deviations["zstd"] if d.kind == "source-file"]
    assert source.slot == "source-file:zstd-1.5.7.tar.gz"
    assert source.reason.startswith("Re-rolled tarball")
    assert "replace-reason" not in source.content
    assert source.content["replace-upstream"] is True


def test_justification_is_not_content(tmp_path):
    def load(description: str, comment: str):
        write_config_tree(
            tmp_path,
            {
                "comps/x/x.comp.toml": (
                    f"[components.x]\n# {comment}\n[[components.x.overlays]]\n"
                    f'description = "{description}"\n'
                    'type = "spec-add-tag"\ntag = "A"\nvalue = "b"\n'
                )
            },
        )
        return load_config(tmp_path).deviations["x"][0]

    a, b = load("one", "why"), load("two", "because")
    assert a.fingerprint == b.fingerprint
    assert a.justification() != b.justification()


def test_non_default_upstream_only(tmp_path):
    write_config_tree(
        tmp_path,
        {
            "comps/same/same.comp.toml": (
                '[components.same]\nspec = { type = "upstream", upstream-distro = '
                '{ name = "fedora", version = "43" }, upstream-name = "same" }\n'
            )
        },
    )
    assert load_config(tmp_path).deviations["same"] == []  # restating the default is no deviation


def test_what_azldev_counts_as_customizations_but_we_do_not(tmp_path):
    """azldev's `component history` also counts each per-binary-package override
    (`packages`), an explicitly set `spec.source-type` and any explicit upstream distro
    as customizations.  azldrift records how the built package differs from Fedora's:
    `packages` only says where packages are published, and restating the default spec
    type or distro changes nothing, so none of these is a deviation (README, "What
    azldev counts differently")."""
    write_config_tree(
        tmp_path,
        {
            "comps/p/p.comp.toml": (
                "[components.p]\n"
                'spec = { type = "upstream",\n'
                '  upstream-distro = { name = "fedora", version = "43" } }\n'
                '[components.p.packages.p-devel.publish]\nrpm-channel = "devel"\n'
                '[components.p.packages.p-doc.publish]\nchannel = "none"\n'
            )
        },
    )
    config = load_config(tmp_path)
    assert config.deviations["p"] == []
    # The override is read and kept (publishing uses it), just not recorded as a deviation.
    packages = config.components["p"].effective.config["packages"]
    assert set(packages) == {"p-devel", "p-doc"}


def test_fingerprint_function():
    assert fingerprint("check-skip", {"check": {"skip": True}}) == fingerprint(
        "check-skip", {"check": {"skip": True}}
    )
    assert fingerprint("check-skip", {"check": {"skip": True}}) != fingerprint(
        "expected-failure", {"check": {"skip": True}}
    )


# --- identities -----------------------------------------------------------------------


class D:
    """A stand-in for an extracted deviation (only what matching reads)."""

    def __init__(self, fp, kind="overlay", slot="", overlay_type="spec-add-tag", description=""):
        self.fingerprint, self.kind, self.slot = fp, kind, slot
        self.overlay_type, self.description = overlay_type, description


def known(*items) -> list[Known]:
    return [
        Known(f"overlay-{n}", "overlay", fp, t, desc, position, removed)
        for n, (fp, t, desc, position, removed) in enumerate(items, start=1)
    ]


def test_first_import_numbers_overlays_in_order():
    current = [D("a"), D("c", "check-skip", "check-skip"), D("b")]
    assert assign_keys([], current) == ["overlay-1", "check-skip", "overlay-2"]


def test_a_moved_overlay_keeps_its_key():
    old = known(("a", "spec-add-tag", "", 0, False), ("b", "spec-add-tag", "", 1, False))
    assert assign_keys(old, [D("b"), D("a")]) == ["overlay-2", "overlay-1"]


def test_an_edited_overlay_is_matched_by_description_then_position():
    old = known(("a", "spec-add-tag", "add A", 0, False), ("b", "spec-set-tag", "", 1, False))
    edited = [D("a2", description="add A"), D("b2", overlay_type="spec-set-tag")]
    assert assign_keys(old, edited) == ["overlay-1", "overlay-2"]


def test_a_new_overlay_gets_a_number_never_used():
    old = known(("a", "spec-add-tag", "", 0, False), ("gone", "spec-add-tag", "x", 1, True))
    current = [D("new", overlay_type="file-add"), D("a")]
    assert assign_keys(old, current) == ["overlay-3", "overlay-1"]


def test_a_returning_overlay_resumes_its_key():
    old = known(("a", "spec-add-tag", "", 0, False), ("back", "spec-add-tag", "", 1, True))
    assert assign_keys(old, [D("a"), D("back")]) == ["overlay-1", "overlay-2"]


def test_a_different_type_at_the_same_place_is_a_new_overlay():
    old = known(("a", "spec-add-tag", "", 0, False))
    assert assign_keys(old, [D("z", overlay_type="file-remove")]) == ["overlay-2"]


def test_identical_overlays_pair_in_order():
    old = known(("a", "spec-add-tag", "", 0, False), ("a", "spec-add-tag", "", 1, False))
    assert assign_keys(old, [D("a"), D("a"), D("a")]) == ["overlay-1", "overlay-2", "overlay-3"]
