"""Unified diffs: they apply back, match `diff -u` on simple cases, summarise binaries."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deviations.core.diff import file_diff, tree_diff

_HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def apply(diff: str, old: str) -> str:
    """Apply a one-file unified diff (our own output) to `old`."""
    source = old.split("\n")
    source = [line + "\n" for line in source[:-1]] + ([source[-1]] if source[-1] else [])
    out: list[str] = []
    position = 0
    lines = diff.split("\n")[2:]  # skip ---/+++
    index = 0
    while index < len(lines):
        header = _HUNK.match(lines[index])
        index += 1
        if not header:
            continue
        start = int(header[1]) - (1 if header[2] != "0" else 0)
        out.extend(source[position:start])
        position = start
        while index < len(lines) and lines[index][:1] in (" ", "-", "+", "\\"):
            line = lines[index]
            index += 1
            text = line[1:] + "\n"
            if index < len(lines) and lines[index].startswith("\\"):
                text = line[1:]
                index += 1
            if line[0] == " ":
                out.append(text)
                position += 1
            elif line[0] == "-":
                position += 1
            elif line[0] == "+":
                out.append(text)
    out.extend(source[position:])
    return "".join(out)


text_lines = st.lists(st.sampled_from(["a", "b", "c", "", "make", "%build", "x y"]), max_size=25)


@settings(max_examples=200, deadline=None)
@given(text_lines, text_lines, st.booleans(), st.booleans())
def test_diff_applies_back(a: list[str], b: list[str], a_nl: bool, b_nl: bool):
    old = "\n".join(a) + ("\n" if a and a_nl else "")
    new = "\n".join(b) + ("\n" if b and b_nl else "")
    diff = file_diff("f", old.encode(), new.encode())
    if old == new:
        assert diff == ""
    else:
        assert apply(diff, old) == new


@pytest.mark.skipif(shutil.which("diff") is None, reason="needs GNU diff")
def test_same_hunks_as_diff_u(tmp_path: Path):
    old = "".join(f"line {i}\n" for i in range(40))
    new = old.replace("line 5\n", "line five\n").replace("line 30\n", "") + "tail"
    (tmp_path / "a").write_text(old)
    (tmp_path / "b").write_text(new)
    gnu = subprocess.run(
        ["diff", "-u", str(tmp_path / "a"), str(tmp_path / "b")], capture_output=True, text=True
    ).stdout
    ours = file_diff("f", old.encode(), new.encode())
    assert ours.split("\n", 2)[2] == gnu.split("\n", 2)[2]


def test_added_removed_binary_and_modes():
    diff = tree_diff(
        {"gone": b"x\n", "bin": b"\x00\x01", "same": b"s", "mode": b"m"},
        {"new": b"y\n", "bin": b"\x00\x02", "same": b"s", "mode": b"m"},
        modes_before={"mode": 0o644},
        modes_after={"mode": 0o755},
    )
    assert "Binary files a/bin and b/bin differ" in diff
    assert "--- a/gone\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n" in diff
    assert "--- /dev/null\n+++ b/new\n@@ -0,0 +1 @@\n+y\n" in diff
    assert "mode of mode: 644 -> 755" in diff
    assert "same" not in diff


def test_invalid_utf8_is_shown_not_crashing():
    diff = file_diff("f", b"caf\xe9\n", b"cafe\n")
    assert "-caf\ufffd" in diff and "+cafe" in diff
