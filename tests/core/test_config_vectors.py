"""azldev's own validation cases (../shared/conformance/azldev-overlays/validate.json).

Every vector runs: `component` documents as a component TOML, `overlay-file` documents
as a per-file overlay, `overlay-files` trees through the overlay-files loader (the
vector's absolute paths live under a temporary root), and `prepare-sources` vectors
load and are then checked for archive/source-files consistency, the check azldev runs
when it prepares sources.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import tomli

from deviations.core.config import ConfigError, load_overlays
from deviations.core.config.validate import archive_consistency_problems
from tests.support import SHARED

VECTORS_FILE = SHARED / "conformance" / "azldev-overlays" / "validate.json"
VECTORS = json.loads(VECTORS_FILE.read_text()) if VECTORS_FILE.exists() else []


def _in_root(root: Path, virtual: str) -> Path:
    return root / virtual.lstrip("/")


def run_vector(vector: dict, tmp_path: Path) -> tuple[bool, list, list[str]]:
    """(valid, overlays, problems) for one vector."""
    options = vector.get("options") or {}
    permissive = bool(options.get("permissive"))
    fmt = vector["format"]
    root = tmp_path / "root"
    root.mkdir()
    if fmt == "overlay-files":
        for virtual, content in (vector.get("tree") or {}).items():
            target = _in_root(root, virtual)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)
        path = _in_root(root, vector["toml_path"])
        path.parent.mkdir(parents=True, exist_ok=True)
        # The document's absolute paths point into the virtual tree.
        path.write_text(vector["toml"].replace('"/', f'"{root}/'))
    else:
        path = root / ("x.overlay.toml" if fmt == "overlay-file" else "x.comp.toml")
        path.write_text(vector["toml"])
    try:
        overlays = load_overlays(path, root=root, permissive=permissive)
    except ConfigError as exc:
        return False, [], [str(i) for i in exc.issues]
    if vector.get("phase") == "prepare-sources":
        (component,) = tomli.loads(vector["toml"])["components"].values()
        problems = archive_consistency_problems(
            component.get("overlays") or [],
            component.get("source-files") or [],
            allow_no_hashes=bool(options.get("allow_no_hashes")),
        )
        return not problems, overlays, problems
    return True, overlays, []


def _compare(expected: dict, overlay, root: Path) -> None:
    for key, want in expected.items():
        if key == "metadata":
            if want is None:
                assert overlay.metadata is None
            else:
                assert overlay.metadata is not None
                for field, value in want.items():
                    assert getattr(overlay.metadata, field.replace("-", "_")) == value
        elif key == "source":
            resolved = os.path.normpath(Path(overlay.base_dir) / overlay.source)
            assert "/" + os.path.relpath(resolved, root) == want
        else:
            assert getattr(overlay, key) == want, key


@pytest.mark.skipif(not VECTORS, reason=f"needs {VECTORS_FILE} (../shared), which is absent")
@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_validate_vector(vector, tmp_path):
    valid, overlays, problems = run_vector(vector, tmp_path)
    expect = vector["expect"]
    assert valid is expect["valid"], f"{expect.get('reason', 'expected valid')}: {problems}"
    if valid and "overlays" in expect:
        assert len(overlays) == len(expect["overlays"])
        for want, overlay in zip(expect["overlays"], overlays, strict=True):
            _compare(want, overlay, tmp_path / "root")
    if not valid and vector.get("phase") == "prepare-sources":
        assert all("pkg.tar.gz" in p for p in problems)  # names the archive at fault
    elif not valid:
        # Every load problem says where: the file (and line), the overlay at fault.
        assert problems and all(p.startswith(("x.", "project/")) for p in problems)


def test_every_vector_is_run():
    """All 208 vectors, none left out (the parametrized test above runs each)."""
    if not VECTORS:
        pytest.skip(f"needs {VECTORS_FILE} (../shared), which is absent")
    assert len(VECTORS) == 208
    assert {v["format"] for v in VECTORS} == {"component", "overlay-file", "overlay-files"}
