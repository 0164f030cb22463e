"""manage.py render_overlays on real folders: a checkout, a config tree, an output folder."""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

SPEC = """Name: demo
Version: 1.0
Release: 1
Source0: demo-1.0.tar.gz
BuildRequires: gcc
BuildRequires: xen-devel

%description
Demo.

%prep
%autosetup

%build
make

%files
/usr/bin/demo

%changelog
* Mon Jan 01 2024 A <a@example.com> - 1.0-1
- first
"""

COMPONENT = """[components.demo]

[[components.demo.overlays]]
description = "Drop xen"
type = "spec-remove-tag"
tag = "BuildRequires"
value = "xen-devel"

[[components.demo.overlays]]
type = "patch-add"
source = "patches/fix.patch"

[[components.demo.overlays]]
type = "file-search-replace"
file = "demo.conf"
regex = "fedora"
replacement = "azurelinux"
"""


def _tarball() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in (("demo-1.0/keep.c", b"int main;\n"), ("demo-1.0/vendor/x.c", b"x\n")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return gzip.compress(buffer.getvalue())


@pytest.fixture
def layout(tmp_path: Path) -> dict[str, Path]:
    sources = tmp_path / "upstream"
    sources.mkdir()
    (sources / "demo.spec").write_text(SPEC)
    (sources / "demo.conf").write_text("distro=fedora\n")
    (sources / "run.sh").write_text("#!/bin/sh\n")
    (sources / "run.sh").chmod(0o755)
    (sources / "demo-1.0.tar.gz").write_bytes(_tarball())
    config = tmp_path / "config"
    comp = config / "base" / "comps" / "demo"
    (comp / "patches").mkdir(parents=True)
    (config / "azldev.toml").write_text("")
    (comp / "patches" / "fix.patch").write_text("--- a\n+++ b\n")
    (comp / "demo.comp.toml").write_text(COMPONENT)
    return {"sources": sources, "toml": comp / "demo.comp.toml", "out": tmp_path / "out"}


def _run(layout: dict[str, Path], *extra: str, config: Path | None = None) -> str:
    out = io.StringIO()
    call_command(
        "render_overlays",
        "--sources",
        str(layout["sources"]),
        "--config",
        str(config or layout["toml"]),
        "--output",
        str(layout["out"]),
        *extra,
        stdout=out,
    )
    return out.getvalue()


def test_renders_component_toml(layout):
    printed = _run(layout, "--diff")
    out = layout["out"]
    spec = (out / "demo.spec").read_text()
    assert "xen-devel" not in spec
    assert "Patch0: fix.patch" in spec
    assert (out / "fix.patch").read_text() == "--- a\n+++ b\n"
    assert (out / "demo.conf").read_text() == "distro=azurelinux\n"
    assert (out / "run.sh").stat().st_mode & 0o777 == 0o755
    assert (out / "demo-1.0.tar.gz").read_bytes() == (
        layout["sources"] / "demo-1.0.tar.gz"
    ).read_bytes()
    assert printed.count("applied ") == 3
    assert "overlay 1 [spec-remove-tag] ('Drop xen')" in printed
    assert "-BuildRequires: xen-devel" in printed  # --diff
    assert "+distro=azurelinux" in printed


def test_failure_names_overlay_and_writes_nothing(layout):
    toml = layout["toml"]
    toml.write_text(toml.read_text().replace('regex = "fedora"', 'regex = "debian"'))
    with pytest.raises(CommandError, match=r"overlay\(s\) 3 failed"):
        _run(layout)
    assert not layout["out"].exists()
    assert not any(p.name.startswith(".out.") for p in layout["out"].parent.iterdir())


def test_per_file_overlay_toml_and_archive_hash(layout):
    overlay_file = layout["toml"].parent / "overlays" / "0001-vendor.overlay.toml"
    overlay_file.parent.mkdir()
    overlay_file.write_text(
        '[metadata]\ncategory = "azl-pruning"\nupstream-status = "inapplicable"\n\n'
        '[[overlays]]\ntype = "file-remove"\narchive = "demo-1.0.tar.gz"\nfile = "vendor/**"\n'
    )
    printed = _run(layout, config=overlay_file)
    repacked = (layout["out"] / "demo-1.0.tar.gz").read_bytes()
    assert f"sha256 {hashlib.sha256(repacked).hexdigest()}" in printed
    with tarfile.open(fileobj=io.BytesIO(repacked)) as archive:
        names = archive.getnames()
    assert "demo-1.0/keep.c" in names and "demo-1.0/vendor/x.c" not in names


def test_source_outside_config_tree_is_refused(layout, tmp_path):
    (tmp_path / "secret.patch").write_text("secret")
    toml = layout["toml"]
    toml.write_text(toml.read_text().replace("patches/fix.patch", "../../../../secret.patch"))
    with pytest.raises(CommandError) as info:
        _run(layout)
    assert "outside" in str(info.value) or "overlay(s) 2 failed" in str(info.value)
    assert not layout["out"].exists()


def test_invalid_config_is_reported_by_the_loader(layout):
    layout["toml"].write_text('[components.demo]\n[[components.demo.overlays]]\ntype = "nope"\n')
    with pytest.raises(CommandError, match="nope"):
        _run(layout)
    assert not layout["out"].exists()


def test_existing_output_is_refused(layout):
    layout["out"].mkdir()
    with pytest.raises(CommandError, match="already exists"):
        _run(layout)
