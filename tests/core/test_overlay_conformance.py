"""Every vector of ../shared/conformance/azldev-overlays/apply.json, through render()."""

from __future__ import annotations

import io
import json
import posixpath
import tarfile
from pathlib import Path

import pytest

from deviations.core.overlays import RenderOptions, SourceTree, render
from deviations.core.overlays.archives import extract, sniff
from deviations.core.types import Overlay
from tests.support import SHARED, shared_path

_APPLY = SHARED / "conformance" / "azldev-overlays" / "apply.json"
VECTORS = json.loads(_APPLY.read_text()) if _APPLY.exists() else []
_KEYS = ("description", "archive", "file", "section", "package", "tag", "value")
_KEYS += ("regex", "replacement", "source")


def _overlay(raw: dict, base_dir: Path) -> Overlay:
    fields = {key: raw[key] for key in _KEYS if key in raw}
    return Overlay(
        type=raw["type"], lines=tuple(raw.get("lines", ())), base_dir=str(base_dir), **fields
    )


def _tar(spec: dict) -> bytes:
    """An input archive as the vector describes it."""
    if "raw" in spec:
        return spec["raw"].encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as archive:
        if "entries" in spec:
            for entry in spec["entries"]:
                info = tarfile.TarInfo(entry["name"])
                if entry["type"] == "hardlink":
                    info.type = tarfile.LNKTYPE
                    info.linkname = entry["linkname"]
                    archive.addfile(info)
                else:
                    data = entry["content"].encode()
                    info.size = len(data)
                    archive.addfile(info, io.BytesIO(data))
        else:
            folders = set()
            for path in spec["files"]:
                parent = posixpath.dirname(path)
                while parent:
                    folders.add(parent)
                    parent = posixpath.dirname(parent)
            for folder in sorted(folders):
                info = tarfile.TarInfo(folder)
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                archive.addfile(info)
            for path, content in sorted(spec["files"].items()):
                data = content.encode()
                info = tarfile.TarInfo(path)
                info.size = len(data)
                info.mode = 0o644
                archive.addfile(info, io.BytesIO(data))
    data = buffer.getvalue()
    if spec.get("compression") == "gzip":
        import gzip

        return gzip.compress(data)
    return data


def _setup(vector: dict, tmp_path: Path) -> tuple[SourceTree, list[Overlay], RenderOptions]:
    config = tmp_path / "config"
    config.mkdir()
    for rel, content in vector["overlay_sources"].items():
        path = config / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    spec_name = vector.get("spec_file", "test.spec")
    tree = SourceTree(spec_name=spec_name)
    for rel, content in vector["files"].items():
        tree.write(rel, content.encode())
    if vector["spec"] is not None:
        tree.write(spec_name, vector["spec"].encode())
    for name, spec in vector.get("archives", {}).items():
        tree.write(name, _tar(spec), int(spec["mode"], 8) if "mode" in spec else None)
    opts = vector.get("options") or {}
    options = RenderOptions(
        config_root=str(config),
        dry_run=opts.get("dry_run", False),
        skip_sources=opts.get("skip_sources", False),
    )
    return tree, [_overlay(o, config) for o in vector["overlays"]], options


def _check_archive(name: str, want: dict, before: SourceTree, after: SourceTree) -> None:
    data = after.files[name]
    if want.get("unchanged"):
        assert data == before.files[name]
    if "files" in want:
        content = extract(data, name)
        assert {p: d.decode() for p, d in content.files.items()} == want["files"]
    for folder in want.get("dirs_present", ()):
        assert folder in extract(data, name).dirs
    if "compression" in want:
        assert sniff(data, "none") == want["compression"]
    if "mode" in want:
        assert after.mode(name) == int(want["mode"], 8)


# Without ../shared one placeholder, so the skip names the missing file.
_PARAMS = [pytest.param(v, id=v["id"]) for v in VECTORS] or [pytest.param(None, id="absent")]


@pytest.mark.parametrize("vector", _PARAMS)
def test_apply_vector(vector: dict, tmp_path: Path) -> None:
    shared_path("conformance", "azldev-overlays", "apply.json")
    tree, overlays, options = _setup(vector, tmp_path)
    result = render(tree, overlays, options=options)
    expect = vector["expect"]
    messages = [o.message for o in result.outcomes]
    assert result.ok is expect["ok"], messages
    after = result.tree_after
    spec_name = vector.get("spec_file", "test.spec")
    spec = after.files.get(spec_name, b"").decode() if vector["spec"] is not None else None
    if "spec" in expect:
        assert spec == expect["spec"]
    for text in expect.get("spec_contains", ()):
        assert text in spec
    for text in expect.get("spec_not_contains", ()):
        assert text not in spec
    if "files" in expect:
        archives = set(vector.get("archives", {}))
        loose = {
            path: data.decode()
            for path, data in after.files.items()
            if path not in archives and not (vector["spec"] is not None and path == spec_name)
        }
        assert loose == expect["files"]
    for path in expect.get("absent", ()):
        assert path not in after.files
    for name, want in expect.get("archives", {}).items():
        _check_archive(name, want, tree, after)
    if not expect["ok"]:
        failed = [o for o in result.outcomes if o.verdict == "failed"]
        assert failed and all(f"overlay {o.index + 1}" in o.message for o in failed)
