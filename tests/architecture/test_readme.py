"""The README's architecture section against the tree and the import-linter contracts: a
folder moved, a layer added or a path renamed shows here, not months later to a reader."""

from __future__ import annotations

import re
import tomllib

from tests.support import ROOT

README = (ROOT / "README.md").read_text()
# A path the README names in backquotes: deviations/…, templates/…, tests/…, bench/…, bin/…
TOP = "deviations|azldrift|templates|static|tests|bench|demo|bin"
NAMED_PATH = re.compile(rf"`((?:{TOP})/[\w./-]*)`")


def _architecture() -> str:
    start = README.index("## Architecture\n")
    return README[start : README.index("\n## ", start + 1)]


def _tree() -> str:
    section = _architecture()
    return section[section.index("### The tree") : section.index("### The rules")]


def _layers() -> list[list[str]]:
    """The layers contract of pyproject.toml, highest first: each a list of siblings."""
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c["layers"] for c in contracts["contracts"] if c["type"] == "layers")
    return [
        [name.strip().removeprefix("deviations.") for name in layer.split("|")] for layer in layers
    ]


def test_every_path_the_readme_names_exists():
    named = sorted(set(NAMED_PATH.findall(README)))
    assert len(named) > 20
    assert [path for path in named if not (ROOT / path).exists()] == []


def test_the_tree_shows_the_layers_highest_first_each_with_its_paragraph():
    rank = {name: i for i, layer in enumerate(_layers()) for name in layer}
    shown = [name for name in re.findall(r"── (\w+)/", _tree()) if name in rank]
    assert set(shown) == set(rank)
    assert [rank[name] for name in shown] == sorted(rank[name] for name in shown)
    paragraphs = _architecture().split("### The layers", 1)[1]
    assert [name for name in rank if not re.search(rf"\*\*{name}\b|`{name}`", paragraphs)] == []


def test_the_tree_lists_every_package_of_the_app():
    packages = {
        path.name
        for path in (ROOT / "deviations").iterdir()
        if path.is_dir() and (path / "__init__.py").exists()
    }
    assert {name for name in packages if f"── {name}/" not in _tree()} == set()
