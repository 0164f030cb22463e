"""Unified diffs (`diff -u` format) of files and of whole source trees.

Only the changed region is handed to difflib (the common head and tail are cut first,
keeping the context lines), so diffing a large spec with a small edit stays fast.  Files
with a NUL byte are binary and only summarised.  Text that is not UTF-8 is shown with
U+FFFD, since a diff is for reading (the rendered bytes themselves are kept exactly).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

CONTEXT = 3
_NO_NEWLINE = "\\ No newline at end of file\n"


def is_binary(data: bytes) -> bool:
    return b"\x00" in data[:8192] or b"\x00" in data


def _split(text: str) -> list[str]:
    # splitlines() also breaks at \r, \v, \f, U+2028...; a diff line ends only at \n.
    parts = text.split("\n")
    last = parts.pop()
    lines = [p + "\n" for p in parts]
    if last:
        lines.append(last)
    return lines


def _emit(line: str, mark: str, out: list[str]) -> None:
    out.append(mark + line)
    if not line.endswith("\n"):
        out.append("\n" + _NO_NEWLINE)


def _range(start: int, length: int) -> str:
    if length == 1:
        return f"{start + 1}"
    if length == 0:
        return f"{start},0"
    return f"{start + 1},{length}"


def unified_lines(a: list[str], b: list[str], context: int = CONTEXT) -> list[str]:
    """Hunks (without file headers) turning lines `a` into lines `b`."""
    head = 0
    limit = min(len(a), len(b))
    while head < limit and a[head] == b[head]:
        head += 1
    if head == len(a) == len(b):
        return []
    tail = 0
    while tail < limit - head and a[len(a) - 1 - tail] == b[len(b) - 1 - tail]:
        tail += 1
    start = max(0, head - context)
    a_end = len(a) - max(0, tail - context)
    b_end = len(b) - max(0, tail - context)
    matcher = difflib.SequenceMatcher(None, a[start:a_end], b[start:b_end], autojunk=False)
    out: list[str] = []
    for group in matcher.get_grouped_opcodes(context):
        a1, a2 = group[0][1] + start, group[-1][2] + start
        b1, b2 = group[0][3] + start, group[-1][4] + start
        out.append(f"@@ -{_range(a1, a2 - a1)} +{_range(b1, b2 - b1)} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for line in a[start + i1 : start + i2]:
                    _emit(line, " ", out)
                continue
            for line in a[start + i1 : start + i2]:
                _emit(line, "-", out)
            for line in b[start + j1 : start + j2]:
                _emit(line, "+", out)
    return out


def file_diff(path: str, before: bytes | None, after: bytes | None) -> str:
    """The diff of one file; None stands for "absent"."""
    if before == after:
        return ""
    old = f"a/{path}" if before is not None else "/dev/null"
    new = f"b/{path}" if after is not None else "/dev/null"
    if is_binary(before or b"") or is_binary(after or b""):
        return f"Binary files {old} and {new} differ\n"
    hunks = unified_lines(
        _split((before or b"").decode("utf-8", "replace")),
        _split((after or b"").decode("utf-8", "replace")),
    )
    if not hunks:
        return ""
    return f"--- {old}\n+++ {new}\n" + "".join(hunks)


def tree_diff(
    before: Mapping[str, bytes],
    after: Mapping[str, bytes],
    *,
    modes_before: Mapping[str, int] | None = None,
    modes_after: Mapping[str, int] | None = None,
    order: Iterable[str] | None = None,
) -> str:
    """Diff of every changed, added or removed file, in `order` (default: sorted paths)."""
    paths = list(order) if order is not None else sorted(set(before) | set(after))
    parts: list[str] = []
    for path in paths:
        old, new = before.get(path), after.get(path)
        if old is not None and new is not None and modes_before is not None:
            mode_a = modes_before.get(path, 0o644)
            mode_b = (modes_after or {}).get(path, 0o644)
            if mode_a != mode_b:
                parts.append(f"mode of {path}: {mode_a:o} -> {mode_b:o}\n")
        parts.append(file_diff(path, old, new))
    return "".join(parts)
