"""TOML 1.1, as azldev reads it (go-toml v2.4): parsed, validated and located line by line."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest

from deviations.core.config import ConfigError, load_config
from deviations.core.config.loader import parse_toml
from deviations.core.config.positions import scan
from tests.factories import write_config_tree

# An Azure Linux pull request writes overlay metadata like this: an inline table over
# several lines, with a comment inside and a trailing comma (TOML 1.1 only).
MULTI_LINE = """\
[components.x]

# Why the tag goes.
[[components.x.overlays]]
description = "drop the tag"
type = "spec-remove-tag"
tag = "Vendor"
metadata = {
    category = "azl-branding-policy",  # who decides
    upstream-status = "inapplicable",
}

[[components.x.overlays]]
description = "second"
type = "spec-add-tag"
tag = "Packager"
value = "Azure Linux"
"""


def test_multi_line_inline_table_with_trailing_comma(tmp_path):
    write_config_tree(tmp_path, {"comps/x/x.comp.toml": MULTI_LINE})
    config = load_config(tmp_path)
    first, second = config.deviations["x"]
    assert first.metadata == {"category": "azl-branding-policy", "upstream-status": "inapplicable"}
    assert first.category == "azl-branding-policy"
    assert (first.line_start, first.line_end) == (4, 11)  # header to the closing brace
    assert first.comment == "Why the tag goes."
    assert (second.line_start, second.line_end) == (13, 17)
    positions = scan(MULTI_LINE)
    assert positions.lines(("components", "x", "overlays", 0, "metadata")) == (8, 11)
    assert positions.lines(("components", "x", "overlays", 0, "metadata", "category")) == (8, 11)


def test_the_1_0_parser_would_have_refused_it():
    with pytest.raises(tomllib.TOMLDecodeError):
        tomllib.loads(MULTI_LINE)


ESCAPES = """\
[components.x]
[components.x.build]
defines = { "\\x41B" = "a\\eb", c = "\\x7e" }
# The escaped key is where it is written.
[components."x\\x2dy".build]
without = ["debug"]
"""


def test_escapes_e_and_xhh_in_values_and_keys(tmp_path):
    write_config_tree(tmp_path, {"comps/x/x.comp.toml": ESCAPES})
    config = load_config(tmp_path)
    defines = {d.slot: d for d in config.deviations["x"]}
    assert defines["build-option:define:AB"].content == {"defines": {"AB": "a\x1bb"}}
    assert defines["build-option:define:c"].content == {"defines": {"c": "~"}}
    assert defines["build-option:define:AB"].line_start == 3
    (without,) = config.deviations["x-y"]
    assert (without.slot, without.line_start, without.comment) == (
        "build-option:without:debug",
        6,
        "The escaped key is where it is written.",
    )
    assert scan(ESCAPES).lines(("components", "x-y")) == (5, 6)


def test_times_without_seconds_parse_and_a_wrong_type_names_its_line(tmp_path):
    text = (
        "[components.x]\n"
        "[components.x.spec]\n"
        'type = "upstream"\n'
        'upstream-distro = { name = "fedora", version = "43",\n'
        "  snapshot = 2026-02-24T07:32 }\n"
    )
    parsed = parse_toml("x.toml", text.encode(), None)
    assert not isinstance(parsed, Exception) and hasattr(parsed, "data")
    snapshot = parsed.data["components"]["x"]["spec"]["upstream-distro"]["snapshot"]
    assert snapshot == dt.datetime(2026, 2, 24, 7, 32)  # a local date-time without seconds
    assert parse_toml("t.toml", b"at = 07:32\n", None).data == {"at": dt.time(7, 32)}
    write_config_tree(tmp_path, {"comps/x/x.comp.toml": text})
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    (issue,) = caught.value.issues
    assert "must be a string, not datetime" in issue.message
    assert (issue.file, issue.line) == ("comps/x/x.comp.toml", 4)


def test_invalid_toml_is_reported_at_its_line():
    issue = parse_toml("x.toml", b"[components.x]\nmetadata = { a = 1,\n  b = }\n", None)
    assert "is not valid TOML" in issue.message
    assert issue.line == 3


def test_component_list_fast_path_reads_a_1_1_top_part():
    from deviations.core.config.loader import parse_component_list

    text = 'includes = [\n  "a.toml",  # one\n]\n[components.a]\n[components.b]\n'
    assert parse_component_list(text) == {
        "includes": ["a.toml"],
        "components": {"a": {}, "b": {}},
    }
