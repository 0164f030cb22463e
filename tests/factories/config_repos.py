"""Config trees (azldev TOML) on disk and config git repositories, for the config, importer
and sync tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.factories.git import work_tree_git

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo" / "config"

# A minimal project: a Fedora-like upstream, a target distro whose default points at
# it, and one bare component.  Tests add files on top.
MINIMAL_CONFIG = {
    "azldev.toml": (
        'includes = ["distro/*.toml", "comps/components.toml"]\n'
        "[project]\n"
        'default-distro = { name = "azl", version = "1" }\n'
    ),
    "distro/fedora.toml": (
        "[distros.fedora]\n"
        'default-version = "43"\n'
        'dist-git-base-uri = "https://src.example.org/rpms/$pkg.git"\n'
        "[distros.fedora.versions.43]\n"
        'release-ver = "43"\n'
        'dist-git-branch = "f43"\n'
        "[distros.fedora.versions.rawhide]\n"
        'release-ver = "rawhide"\n'
        'dist-git-branch = "rawhide"\n'
    ),
    "distro/azl.toml": (
        "[distros.azl]\n"
        'default-version = "1"\n'
        "[distros.azl.versions.1]\n"
        'release-ver = "1"\n'
        "[distros.azl.versions.1.default-component-config]\n"
        'spec = { type = "upstream", upstream-distro = { name = "fedora", version = "43",'
        ' snapshot = "2026-01-01T00:00:00Z" } }\n'
    ),
    "comps/components.toml": 'includes = ["**/*.comp.toml"]\n[components.bare]\n',
}


# A problem at every stage: includes, parsing, per-file validation (shape and meaning),
# merging, our own rules (names, NUL), resolving (distros, local specs, overlay files)
# and extracting (files the deviations hash).  Loading used to stop after the first
# stage that found something: the reports held 6 of these, then 3, then 1 (names and
# NUL were not checked).
EVERY_STAGE_CONFIG = {
    "azldev.toml": (
        'includes = ["distro/*.toml", "comps/components.toml", "missing.toml"]\n'
        "[project]\n"
        'default-distro = { name = "azl", version = "1" }\n'
    ),
    "comps/broken.comp.toml": "[components.broken\n",
    "comps/a.comp.toml": (
        '[components.a]\n[[components.a.overlays]]\ntype = "spec-add-tag"\nvalue = "v"\n'
    ),
    "comps/b.comp.toml": (
        '[components.b]\ncolour = "red"\n[components.b.spec]\ntype = "upstream"\n'
        'upstream-distro = { name = "nope" }\n'
    ),
    "comps/c.comp.toml": '[components.c]\nspec = { type = "local", path = "c.spec" }\n',
    "comps/d.comp.toml": '[components.d]\noverlay-files = ["d.overlays.toml"]\n',
    "comps/e.comp.toml": (
        '[components.e]\n[[components.e.overlays]]\ntype = "patch-add"\nsource = "e.patch"\n'
    ),
    "comps/dup.comp.toml": "[components.a]\n",
    "comps/g.comp.toml": '[component-groups.g]\ncomponents = ["ghost"]\n',
    "comps/names.comp.toml": (
        '[components."a/b"]\n[components.f]\nbuild = { defines = { x = "1\\u0000" } }\n'
    ),
}
EVERY_STAGE_PROBLEMS = [
    ("azldev.toml", 1, "", "included file 'missing.toml' does not exist"),
    ("comps/a.comp.toml", 2, "a", "overlay type 'spec-add-tag' requires 'tag'"),
    ("comps/b.comp.toml", 2, "b", "unknown field 'colour'"),
    ("comps/b.comp.toml", 3, "b", "upstream distro 'nope' is not defined"),
    ("comps/broken.comp.toml", 1, "", "is not valid TOML"),
    ("comps/c.comp.toml", 1, "c", "local spec 'c.spec' (comps/c.spec) does not exist"),
    ("comps/d.comp.toml", 2, "d", "overlay-files pattern matched no files"),
    ("comps/dup.comp.toml", 1, "a", "component 'a' is defined twice"),
    ("comps/e.comp.toml", 2, "e", "comps/e.patch does not exist"),
    ("comps/g.comp.toml", 2, "", "lists component 'ghost', which is not defined"),
    ("comps/names.comp.toml", 1, "a/b", "component name 'a/b' is not allowed"),
    ("comps/names.comp.toml", 3, "f", "contains a NUL character"),
]


def write_config_tree(root: Path, files: dict[str, str | bytes | None], base: bool = True) -> Path:
    """Write `files` (path -> text; None deletes) under root, on top of MINIMAL_CONFIG if asked."""
    for path, content in ({**MINIMAL_CONFIG, **files} if base else files).items():
        target = root / path
        if content is None:
            target.unlink(missing_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
    return root


def copy_demo_config(root: Path) -> Path:
    """A copy of the demo config (demo/config) at `root`."""
    shutil.copytree(DEMO, root)
    return root


class ConfigRepo:
    """A git work tree holding a config; each commit() writes files and commits them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True)
        work_tree_git(path, "init", "-q", "-b", "main")
        self.day = 0

    def commit(
        self,
        files: dict[str, str | bytes | None],
        subject: str,
        who: str = "Ada",
        when: str | None = None,
    ) -> str:
        """Commit on the next day of January 2026, or at `when` (ISO 8601)."""
        write_config_tree(self.path, files, base=False)
        work_tree_git(self.path, "add", "-A")
        self.day += 1
        when = when or f"2026-01-{self.day:02d}T12:00:00+00:00"
        work_tree_git(self.path, "commit", "-q", "--allow-empty", "-m", subject, when=when, who=who)
        return work_tree_git(self.path, "rev-parse", "HEAD").strip()
