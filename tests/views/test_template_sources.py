"""The templates' own conventions, read from their source (README, The web UI, How it is built).

One template per page; a piece only that page uses is a `{% partialdef %}` of it, rendered
alone as `page.html#name`; a piece several pages use is an include under `includes/`.  And no
line longer than a reader can take in: a template tag cannot span lines, so long ones are
split with `{% with %}`, and markup breaks where whitespace already was (between attributes,
beside a space that is rendered anyway, between block elements).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template import engines

from tests.support import ROOT

TEMPLATES = ROOT / "templates"
SOURCES = sorted(TEMPLATES.rglob("*.html"))
PARTIALDEF = re.compile(r"{%\s*partialdef\s+([\w-]+)")
LITERAL_INCLUDE = re.compile(r"""{%\s*include\s+["']([^"']+)["']""")
LONGEST_LINE = 120
FRAGMENT_NAME = re.compile(r"""["']([\w/.-]+\.html)#([\w-]+)["']""")


def _name(path: Path) -> str:
    return path.relative_to(TEMPLATES).as_posix()


def test_the_templates_are_found():
    assert len(SOURCES) > 30
    assert "base.html" in {_name(path) for path in SOURCES}


@pytest.mark.parametrize("path", SOURCES, ids=_name)
def test_no_underscore_partials_beside_the_pages(path):
    assert not path.name.startswith("_"), (
        f"{_name(path)}: a piece one page uses is a {{% partialdef %}} of that page, "
        "a piece several pages use an include under includes/"
    )


@pytest.mark.parametrize("path", SOURCES, ids=_name)
def test_lines_stay_readable(path):
    long = [
        f"{_name(path)}:{number}: {len(line)} characters"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if len(line) > LONGEST_LINE
    ]
    assert not long, f"template lines over {LONGEST_LINE} characters:\n" + "\n".join(long)


@pytest.mark.parametrize("path", SOURCES, ids=_name)
def test_includes_name_a_shared_piece_and_fragments_their_own_page(path):
    source = path.read_text()
    name = _name(path)
    for included in LITERAL_INCLUDE.findall(source):
        assert included.startswith("includes/") or included.startswith(f"{name}#"), (
            f"{name} includes {included!r}: shared pieces live under includes/, "
            "a page's own pieces are its partials"
        )
    defined = set(PARTIALDEF.findall(source))
    for page, partial in FRAGMENT_NAME.findall(source):
        assert page == name, f"{name} names {page}#{partial}, a fragment of another page"
        assert partial in defined, f"{name} names #{partial}, which it does not define"


def test_every_named_fragment_loads():
    """Each `{% partialdef %}` can be rendered alone as page.html#name."""
    engine = engines["django"]
    for path in SOURCES:
        for partial in PARTIALDEF.findall(path.read_text()):
            engine.get_template(f"{_name(path)}#{partial}")
