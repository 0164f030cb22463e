"""render(): verdicts, attribution, atomic failures, confinement, archives."""

from __future__ import annotations

import gzip
import io
import lzma
import tarfile
from pathlib import Path

import pytest
import zstandard

from deviations.core.overlays import (
    ENGINE_VERSION,
    RenderOptions,
    SourceTree,
    load_tree,
    render,
    validate_overlay,
    write_tree,
)
from deviations.core.overlays.archives import extract, sniff
from deviations.core.types import Overlay

SPEC = b"Name: demo\r\nVersion: 1\r\nBuildRequires: xen-devel\r\n\r\n%build\r\nmake\r\n"


def _tree(**files: bytes) -> SourceTree:
    tree = SourceTree(spec_name="demo.spec")
    tree.write("demo.spec", SPEC)
    for name, data in files.items():
        tree.write(name.replace("__", "/"), data)
    return tree


def test_verdicts_attribution_and_normalisation():
    tree = _tree(**{"a.conf": b"x=1\n"})
    overlays = [
        Overlay(type="spec-remove-tag", tag="BuildRequires", value="XEN-DEVEL"),
        Overlay(type="spec-update-tag", tag="Version", value="1"),
        Overlay(type="file-search-replace", file="a.conf", regex="y", description="nope"),
        Overlay(type="file-prepend-lines", file="a.conf", lines=("# azl",)),
    ]
    result = render(tree, overlays)
    verdicts = [o.verdict for o in result.outcomes]
    # the second overlay rewrites `Version: 1` as it was, but the first already
    # normalised the line endings, so it changes nothing: a no-op.
    assert verdicts == ["applied", "no-op", "failed", "applied"]
    assert not result.ok
    assert result.outcomes[2].message.startswith("overlay 3 [file-search-replace] ('nope') failed")
    assert "-BuildRequires: xen-devel" in result.outcomes[0].diff
    assert result.outcomes[0].diff.count("\n+") >= 1  # CRLF -> LF shows as rewritten lines
    assert "+# azl" in result.outcomes[3].diff and "a/demo.spec" not in result.outcomes[3].diff
    assert result.tree_after.files["demo.spec"] == b"Name: demo\nVersion: 1\n\n%build\nmake\n"
    assert result.tree_after.files["a.conf"] == b"# azl\nx=1\n"
    assert tree.files["demo.spec"] == SPEC  # the input is never modified
    assert result.tree_before is tree
    assert "--- a/a.conf" in result.diff and "--- a/demo.spec" in result.diff
    assert ENGINE_VERSION


def test_failed_patch_add_leaves_spec_untouched(tmp_path: Path):
    (tmp_path / "fix.patch").write_text("p")
    tree = _tree(**{"fix.patch": b"already here"})
    overlay = Overlay(type="patch-add", source="fix.patch", base_dir=str(tmp_path))
    result = render(tree, [overlay], options=RenderOptions(config_root=str(tmp_path)))
    assert [o.verdict for o in result.outcomes] == ["failed"]
    assert result.tree_after.files == tree.files  # all or nothing (azldev keeps the Patch0 line)


def test_archive_overlays_run_first_whatever_their_position():
    tree = _tree(**{"pkg.tar.gz": _archive({"pkg-1/a.txt": b"old"}, "gzip")})
    overlays = [
        Overlay(type="file-remove", file="pkg.tar.gz"),  # loose: removes the archive itself
        Overlay(
            type="file-search-replace",
            archive="pkg.tar.gz",
            file="a.txt",
            regex="old",
            replacement="new",
        ),
    ]
    result = render(tree, overlays)
    assert [o.verdict for o in result.outcomes] == ["applied", "applied"]
    assert "pkg.tar.gz" not in result.tree_after.files
    assert "+new" in result.outcomes[1].diff and "pkg.tar.gz/a.txt" in result.outcomes[1].diff


@pytest.mark.parametrize("compression", ["gzip", "xz", "zstd", "none"])
def test_archive_repack_keeps_compression_and_modes(compression: str):
    data = _archive(
        {"pkg-1/a.txt": b"old", "pkg-1/bin/run": b"#!/bin/sh\n"},
        compression,
        modes={"pkg-1/bin/run": 0o755},
    )
    tree = _tree(**{"pkg.tar.zst": data})
    tree.modes["pkg.tar.zst"] = 0o600
    overlay = Overlay(
        type="file-search-replace",
        archive="pkg.tar.zst",
        file="**/a.txt",
        regex="o+",
        replacement="$0",
    )
    result = render(tree, [overlay])
    assert result.ok, result.outcomes[0].message
    repacked = result.tree_after.files["pkg.tar.zst"]
    assert sniff(repacked, "none") == compression
    content = extract(repacked, "pkg.tar.zst")
    assert content.files["pkg-1/a.txt"] == b"$0ld"  # literal replacement
    assert content.modes["pkg-1/bin/run"] == 0o755
    assert result.tree_after.mode("pkg.tar.zst") == 0o600
    assert set(result.archives) == {"pkg.tar.zst"}
    again = render(tree, [overlay]).tree_after.files["pkg.tar.zst"]
    assert again == repacked  # deterministic


@pytest.mark.parametrize(
    ("member", "why"),
    [
        (("pkg-1/dev", tarfile.CHRTYPE, ""), "unsupported type"),
        (("pkg-1/up", tarfile.SYMTYPE, "../../etc/passwd"), "non-local"),
        (("pkg-1/abs", tarfile.SYMTYPE, "/etc/passwd"), "absolute"),
        (("../escape.txt", tarfile.REGTYPE, ""), "outside"),
    ],
)
def test_archive_hostile_entries_fail_and_leave_archive_untouched(member, why):
    data = _archive({"pkg-1/a.txt": b"x"}, "gzip", extra=[member])
    tree = _tree(**{"pkg.tar.gz": data})
    result = render(tree, [Overlay(type="file-remove", archive="pkg.tar.gz", file="a.txt")])
    assert [o.verdict for o in result.outcomes] == ["failed"]
    assert why in result.outcomes[0].message
    assert result.tree_after.files["pkg.tar.gz"] == data


@pytest.mark.parametrize(
    "overlay",
    [
        Overlay(type="file-remove", file="../outside"),
        Overlay(type="file-remove", file="/etc/passwd"),
        Overlay(type="file-add", file="../x", source="s"),
        Overlay(type="file-add", file="/tmp/x", source="s"),
        Overlay(type="file-add", file="link/x", source="s"),
        Overlay(type="file-rename", file="a.conf", replacement=".."),
        Overlay(type="file-prepend-lines", file="link", lines=("x",)),
        Overlay(type="file-remove", archive="../pkg.tar.gz", file="a"),
    ],
    ids=lambda o: f"{o.type}:{o.file}:{o.replacement}:{o.archive}",
)
def test_paths_never_leave_the_sources(overlay: Overlay, tmp_path: Path):
    (tmp_path / "s").write_text("s")
    tree = _tree(**{"a.conf": b"a"})
    tree.links["link"] = "/etc"
    options = RenderOptions(config_root=str(tmp_path))
    result = render(
        tree,
        [overlay.__class__(**{**overlay.__dict__, "base_dir": str(tmp_path)})],
        options=options,
    )
    assert [o.verdict for o in result.outcomes] == ["failed"]
    assert result.tree_after.same_as(tree)


@pytest.mark.parametrize("source", ["../secret", "/etc/hostname", "link/secret"])
def test_sources_never_leave_the_config_tree(source: str, tmp_path: Path):
    config = tmp_path / "config"
    config.mkdir()
    (tmp_path / "secret").write_text("secret")
    (config / "link").symlink_to(tmp_path)
    overlay = Overlay(type="file-add", file="new", source=source, base_dir=str(config))
    result = render(_tree(), [overlay], options=RenderOptions(config_root=str(config)))
    assert result.outcomes[0].verdict == "failed"
    assert "new" not in result.tree_after.files


def test_read_source_callback_is_used():
    overlay = Overlay(type="file-add", file="sub/new.conf", source="x")
    tree = _tree(**{"sub__old.conf": b"o"})
    result = render(tree, [overlay], options=RenderOptions(read_source=lambda o: b"from git"))
    assert result.tree_after.files["sub/new.conf"] == b"from git"


def test_file_add_into_missing_folder_fails_like_azldev():
    overlay = Overlay(type="file-add", file="nowhere/new.conf", source="x")
    result = render(_tree(), [overlay], options=RenderOptions(read_source=lambda o: b""))
    assert "does not exist" in result.outcomes[0].message


def test_catastrophic_regex_runs_in_linear_time():
    # (a+)+$ backtracks exponentially in a backtracking engine; RE2 does not.
    tree = _tree(**{"big.txt": b"a" * 200_000 + b"!"})
    overlay = Overlay(type="file-search-replace", file="big.txt", regex="(a+)+$", replacement="")
    spec_overlay = Overlay(type="spec-search-replace", regex="(x+x+)+y", replacement="")
    result = render(tree, [overlay, spec_overlay])
    assert [o.verdict for o in result.outcomes] == ["failed", "failed"]


@pytest.mark.parametrize("regex", [r"(?=x)", r"(?<!x)y", r"(a)\1", r"a++", r"\C", r"\Z"])
def test_patterns_re2_rejects_are_errors(regex: str):
    tree = _tree(**{"a.conf": b"xy"})
    result = render(tree, [Overlay(type="file-search-replace", file="a.conf", regex=regex)])
    assert result.outcomes[0].verdict == "failed"
    assert "invalid regex" in result.outcomes[0].message
    assert validate_overlay(Overlay(type="spec-search-replace", regex=regex))


def test_huge_spec_and_long_line():
    body = b"".join(b"Requires: pkg%d\n" % i for i in range(200_000))
    tree = SourceTree(files={"big.spec": b"Name: big\n" + body}, spec_name="big.spec")
    result = render(
        tree,
        [Overlay(type="spec-set-tag", tag="Name", value="huge")],
        options=RenderOptions(diffs=False),
    )
    assert result.ok and result.tree_after.files["big.spec"].startswith(b"Name: huge\n")
    long_line = SourceTree(
        files={"l.spec": b"Name: x\n%global a " + b"b" * 70_000 + b"\n"}, spec_name="l.spec"
    )
    result = render(long_line, [Overlay(type="spec-set-tag", tag="Name", value="y")])
    assert "64 KiB" in result.outcomes[0].message  # azldev's line reader refuses it too


def test_disk_round_trip(tmp_path: Path):
    source = tmp_path / "src"
    (source / "sub").mkdir(parents=True)
    (source / "demo.spec").write_bytes(SPEC)
    (source / "sub" / "run.sh").write_bytes(b"#!/bin/sh\n")
    (source / "sub" / "run.sh").chmod(0o750)
    (source / "ln").symlink_to("sub/run.sh")
    (source / ".git").mkdir()
    (source / ".git" / "HEAD").write_text("ref")
    tree = load_tree(source)
    assert tree.spec_name == "demo.spec" and ".git/HEAD" not in tree.files
    assert tree.links == {"ln": "sub/run.sh"} and tree.mode("sub/run.sh") == 0o750
    write_tree(tree, tmp_path / "out")
    again = load_tree(tmp_path / "out")
    assert again.same_as(tree) and again.spec_name == tree.spec_name


def _archive(files: dict[str, bytes], compression: str, *, modes=None, extra=()) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = (modes or {}).get(name, 0o644)
            archive.addfile(info, io.BytesIO(data))
        for name, kind, link in extra:
            info = tarfile.TarInfo(name)
            info.type = kind
            info.linkname = link
            archive.addfile(info, io.BytesIO(b"") if kind == tarfile.REGTYPE else None)
    tar = buffer.getvalue()
    return {
        "gzip": gzip.compress,
        "xz": lzma.compress,
        "zstd": zstandard.ZstdCompressor().compress,
        "none": lambda d: d,
    }[compression](tar)


@pytest.mark.parametrize(
    ("overlay", "problem"),
    [
        (Overlay(type="file-search-replace", file="*.c", regex="(?=x)"), "invalid regex"),
        (Overlay(type="file-remove", file="../x"), "outside"),
        (Overlay(type="file-remove", file="[x"), "invalid glob"),
        (Overlay(type="file-add", file="/etc/x", source="s"), "absolute"),
        (Overlay(type="patch-add", source="/abs.patch"), "absolute"),
        (Overlay(type="file-remove", archive="../a.tar", file="x"), "outside"),
    ],
)
def test_validate_overlay(overlay: Overlay, problem: str):
    assert any(problem in p for p in validate_overlay(overlay))


def test_validate_overlay_accepts_good_ones():
    assert validate_overlay(Overlay(type="file-remove", archive="a.tar.gz", file="vendor/**")) == []
    assert validate_overlay(Overlay(type="spec-search-replace", regex=r"^\s+x$")) == []
