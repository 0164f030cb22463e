"""Regexes and globs as azldev's Go code runs them."""

from __future__ import annotations

import time

import pytest

from deviations.core.overlays import SourceTree, glob, render, validate_overlay
from deviations.core.overlays.regex import (
    RegexError,
    compile_overlay_regex,
    compile_regex,
    replace_all,
)
from deviations.core.types import Overlay


@pytest.mark.parametrize(
    ("pattern", "data", "replacement", "expected"),
    [
        # Go skips an empty match right after a previous match (Python's re.sub does not).
        ("x*", b"abxd", b"-", b"-a-b-d-"),
        ("a*", b"baaac", b"-", b"-b-c-"),
        ("(?m)^", b"a\nb", b"#", b"#a\n#b"),
        ("^", b"a\nb", b"#", b"#a\nb"),
        (r"(\w+)", b"hi there", b"$1${1}\\1", b"$1${1}\\1 $1${1}\\1"),
        (".", b"\xff\xc3\xa9", b"_", b"__"),  # an invalid byte is one U+FFFD character
        ("\ufffd", b"a\xffb", b"?", b"a?b"),
        ("", "é".encode(), b"|", "|é|".encode()),  # empty matches only between characters
        ("nothing", b"abc", b"x", b"abc"),
    ],
)
def test_replace_all_literal_like_go(pattern, data, replacement, expected):
    assert replace_all(compile_regex(pattern), data, replacement) == expected


@pytest.mark.parametrize(
    "pattern", [r"(?=a)", r"(?!a)", r"(?<=a)b", r"(a)\1", r"a*+", r"\C", r"\Z"]
)
def test_go_rejects_these(pattern):
    with pytest.raises(RegexError):
        compile_regex(pattern)


@pytest.mark.parametrize(
    "pattern", [r"\d+", r"\s", r"\w", "(?i)x", "(?m)^x$", "(?P<n>a)", r"\Qa.b\E"]
)
def test_go_accepts_these(pattern):
    compile_regex(pattern)


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("*.conf", "a.conf", True),
        ("*.conf", "sub/a.conf", False),
        ("**/*.conf", "a.conf", True),
        ("**/*.conf", "x/y/a.conf", True),
        ("sub/**", "sub/a/b", True),
        ("sub/**", "subway/a", False),
        ("*/some_file.txt", "top1/nested/some_file.txt", False),
        ("a?c", "abc", True),
        ("a?c", "a/c", False),
        ("[!x]b", "ab", True),
        ("[!x]b", "xb", False),
        ("[a-c]z", "bz", True),
        ("{foo,bar}.txt", "bar.txt", True),
        ("{foo,b{a,o}r}.txt", "bor.txt", True),
        (r"\*.txt", "*.txt", True),
        (r"\*.txt", "a.txt", False),
        ("**.txt", "a/b.txt", False),  # not a whole segment: a plain `*`
        ("", "a", False),
    ],
)
def test_doublestar_globs(pattern, path, matches):
    assert glob.match_path(pattern, path) is matches


@pytest.mark.parametrize("pattern", ["[", "[]", "a[b", "{a,b", "x\\"])
def test_bad_globs(pattern):
    with pytest.raises(glob.GlobError):
        glob.check(pattern)


def test_glob_with_many_stars_is_linear():
    pattern = "*a" * 30 + "b"
    assert glob.match(pattern, "a" * 5000) is False


def test_a_costly_regex_fails_its_overlay_before_it_runs():
    """The engine applies the program budget too (an overlay imported before it existed):
    the overlay fails at once instead of costing minutes of CPU on a spec of long lines."""
    hostile = "[a-z]{1000}[a-z]{1000}[a-z]{1000}[a-z]{1000}"
    with pytest.raises(RegexError, match="4,004 instructions, over the limit of 1,000"):
        compile_overlay_regex(hostile)
    line = b"Summary: " + b"a" * 60_000 + b"\n"  # (spec lines stop at 64 KiB)
    tree = SourceTree({"demo.spec": b"Name: demo\n" + line * 20, "a.txt": line}, "demo.spec")
    overlays = [
        Overlay(type="spec-search-replace", regex=hostile, replacement="x"),
        Overlay(type="file-search-replace", file="a.txt", regex=hostile, replacement="x"),
    ]
    started = time.process_time()
    result = render(tree, overlays)
    assert time.process_time() - started < 5  # (running them: about 30 s)
    assert [o.verdict for o in result.outcomes] == ["failed", "failed"]
    assert all("too costly to run" in o.message for o in result.outcomes)
    assert validate_overlay(overlays[0]) == [
        f"regex `{hostile}` is too costly to run: its RE2 program has 4,004 instructions, "
        "over the limit of 1,000 (large repetition counts such as `{1000}` make large "
        "programs; match less at once)"
    ]
    # Globs compile to RE2 too, but are not overlay regexes: no budget for them.
    assert glob.match("{" + ",".join(f"n{i}" for i in range(400)) + "}", "n399")
