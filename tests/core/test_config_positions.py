"""Line ranges and comments of TOML items (the parser gives neither)."""

from __future__ import annotations

import tomli

from deviations.core.config.loader import parse_component_list
from deviations.core.config.positions import scan

DOC = """\
# File header.

[components.x]

# Why the first overlay exists:
# two lines of it.

[[components.x.overlays]]
description = "first"
type = "spec-search-replace"
regex = '''a
multi-line # not a comment
literal'''

  [components.x.overlays.metadata]
  category = "azl-pruning"
  upstream-status = "unknown"

# Directly above the second one.
[[components.x.overlays]]
type = "spec-append-lines"
lines = [
    "one",   # a comment inside the array
    "two ]",
]
# trailing note of the second overlay

[[components.x.overlays]]
type = "spec-remove-tag"
tag = "X"

# Skip debug builds.
[components.x.build]
without = ["debug"]
# A define.
defines = { "a.b" = "1", c = "2" }

[components."dotted.name".spec]
type = "local"
"""


def test_document_is_valid_toml():
    assert len(tomli.loads(DOC)["components"]["x"]["overlays"]) == 3


def test_spans_of_tables_array_elements_and_keys():
    p = scan(DOC)
    assert p.lines(("components", "x", "overlays", 0)) == (8, 17)  # with its metadata table
    assert p.lines(("components", "x", "overlays", 0, "regex")) == (11, 13)
    assert p.lines(("components", "x", "overlays", 0, "metadata")) == (15, 17)
    assert p.lines(("components", "x", "overlays", 1)) == (20, 25)
    assert p.lines(("components", "x", "overlays", 1, "lines")) == (22, 25)
    assert p.lines(("components", "x", "overlays", 2)) == (28, 30)
    assert p.lines(("components", "x", "build", "without")) == (34, 34)
    assert p.lines(("components", "x")) == (3, 36)  # the component covers its sub-tables
    assert p.lines(("components", "dotted.name", "spec", "type")) == (39, 39)


def test_nested_paths_fall_back_to_the_nearest_recorded_item():
    p = scan(DOC)
    # Inside an inline table: the key that holds it.
    assert p.lines(("components", "x", "build", "defines", "a.b")) == (36, 36)
    assert p.lines(("components", "nope")) == (0, 0)


def test_comments():
    p = scan(DOC)
    # Rule 2: a paragraph one blank line above, starting a block of its own.
    assert p.comment(("components", "x", "overlays", 0)) == (
        "Why the first overlay exists:\ntwo lines of it."
    )
    # Rule 1: directly above.
    assert p.comment(("components", "x", "overlays", 1)) == "Directly above the second one."
    # A trailing comment of the previous item is not taken.
    assert p.comment(("components", "x", "overlays", 2)) == ""
    # Rule 3: the first key of a table shares the header's comment ...
    assert p.comment(("components", "x", "build", "without")) == "Skip debug builds."
    # ... later keys have their own.
    assert p.comment(("components", "x", "build", "defines")) == "A define."
    assert p.comment(("components", "x", "overlays", 0, "regex")) == ""


def test_boxed_comments_lose_their_frame():
    p = scan("#\n# Boxed.\n#\n[components.a]\n")
    assert p.comment(("components", "a")) == "Boxed."


def test_component_list_fast_path_matches_the_parser():
    cases = [
        'includes = ["a/*.toml"]\n\n# List.\n[components.a]\n[components."b+c"]  # x\n',
        "[components.a]\r\n[components.'d e']\r\n",
        '[components.""]\n',
    ]
    for text in cases:
        assert parse_component_list(text) == tomli.loads(text)
    declined = [
        "[components.a]\n[components.a]\n",  # duplicate: the parser reports it
        "[components.a]\nx = 1\n",  # not bare
        "[components.a.b]\n",
        "[x]\n[components.a]\n",
        "[components.a] # \x01\n",  # control character: the parser reports it
        "  [components.a]\n",
    ]
    for text in declined:
        assert parse_component_list(text) is None
