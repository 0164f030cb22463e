"""Where things are in a TOML file: line ranges and the comments above them.

The TOML parser (toml11.py) gives values but no positions, so this module scans the
text once and records, for every table header, array-of-tables element and key, the
lines it spans and the comment written above it.  Paths are tuples as the parser
would nest them, with the element index for arrays of tables::

    [[components.systemd.overlays]]        -> ("components", "systemd", "overlays", 0)
    [components.systemd.overlays.metadata] -> ("components", "systemd", "overlays", 0, "metadata")
    regex = '...'  (inside that overlay)    -> ("components", "systemd", "overlays", 0, "regex")

It is a scanner, not a parser: it trusts that the parser accepted the file, and only
tracks what it needs to find where a value ends (strings, brackets, comments).  That
covers TOML 1.1 as azldev reads it: an inline table over several lines (with comments
and a trailing comma) is one value spanning those lines, and quoted keys may use the
`\\e` and `\\xHH` escapes.

Comments (our reading of "the comment above an item"):

1. the comment lines directly above a header or key (no blank line between);
2. otherwise a comment paragraph that ends exactly one blank line above it, when that
   paragraph starts a block of its own (a blank line, a table header or the start of
   the file above it) -- so a note written for the first overlay, as in
   ``[components.x]`` / blank / ``# why`` / blank / ``[[components.x.overlays]]``, is
   kept, while a trailing comment of the previous item (directly under its last key)
   is not;
3. a key that is the first line of its table, with no comment of its own, shares the
   comment above its table header (``# why`` / ``[components.x.build]`` / ``without = [...]``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

Path = tuple[str | int, ...]

_BARE_HEADER = re.compile(r"\[\s*([A-Za-z0-9_-]+(?:\s*\.\s*[A-Za-z0-9_-]+)*)\s*\]\s*(?:#.*)?\Z")
_SIMPLE_KEY = re.compile(r"([A-Za-z0-9_-]+(?:\s*\.\s*[A-Za-z0-9_-]+)*)\s*=")
# A basic string's escapes (TOML 1.1 adds \e and \xHH).
_ESCAPE = re.compile(r"\\(?:x([0-9A-Fa-f]{2})|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.S)
_ESCAPED = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", "e": "\x1b"}


@dataclass
class Span:
    start: int  # 1-based, inclusive
    end: int
    comment: str = ""


@dataclass
class FilePositions:
    """Line spans and comments of one file, by path."""

    spans: dict[Path, Span] = field(default_factory=dict)

    def span(self, path: Path) -> Span | None:
        """The span of `path`, else of its nearest recorded ancestor (inside inline
        tables), else of its first recorded descendant (`[a.b]` with no `[a]` of its own
        is where `a` is written)."""
        spans = self.spans
        for size in range(len(path), 0, -1):
            found = spans.get(path[:size])
            if found is not None:
                return found
        size = len(path)
        if size:
            for at, found in spans.items():  # in file order: the first one written
                if at[:size] == path:
                    return found
        return None

    def lines(self, path: Path) -> tuple[int, int]:
        found = self.span(path)
        return (found.start, found.end) if found else (0, 0)

    def comment(self, path: Path) -> str:
        found = self.span(path)
        return found.comment if found else ""


def _unescape(match: re.Match[str]) -> str:
    code = match[1] or match[2] or match[3]
    if code:
        return chr(int(code, 16))
    return _ESCAPED.get(match[4], match[4])


def _unquote(text: str) -> str:
    if text[0] == '"':
        inner = text[1:-1]
        if "\\" in inner:
            return _ESCAPE.sub(_unescape, inner)
        return inner
    return text[1:-1]


def _split_key(text: str) -> tuple[list[str], int] | None:
    """Parse a dotted key at the start of `text`; (parts, end index) or None."""
    parts: list[str] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in " \t":
            i += 1
        if i >= n:
            return None
        ch = text[i]
        if ch in "\"'":
            j = i + 1
            while j < n and text[j] != ch:
                j += 2 if (ch == '"' and text[j] == "\\") else 1
            if j >= n:
                return None
            parts.append(_unquote(text[i : j + 1]))
            i = j + 1
        else:
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_-"):
                j += 1
            if j == i:
                return None
            parts.append(text[i:j])
            i = j
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] == ".":
            i += 1
            continue
        return parts, i


class _ValueScanner:
    """Follows a value across lines: open brackets and multi-line strings."""

    def __init__(self) -> None:
        self.depth = 0
        self.ml: str | None = None  # '"""' or "'''" while inside a multi-line string

    @property
    def open(self) -> bool:
        return self.depth > 0 or self.ml is not None

    def feed(self, text: str) -> None:
        i, n = 0, len(text)
        while i < n:
            if self.ml is not None:
                end = text.find(self.ml, i)
                while end > 0 and self.ml == '"""' and _escaped(text, end):
                    end = text.find(self.ml, end + 1)
                if end < 0:
                    return
                i = end + 3
                while i < n and text[i] == self.ml[0]:  # up to two quotes may close with it
                    i += 1
                self.ml = None
                continue
            ch = text[i]
            if ch == "#":
                return
            if ch in "\"'":
                if text.startswith(ch * 3, i):
                    self.ml = ch * 3
                    i += 3
                    continue
                j = i + 1
                while j < n and text[j] != ch:
                    j += 2 if (ch == '"' and text[j] == "\\") else 1
                i = j + 1
                continue
            if ch in "[{":
                self.depth += 1
            elif ch in "]}":
                self.depth -= 1
            i += 1


def _escaped(text: str, pos: int) -> bool:
    backslashes = 0
    while pos - 1 - backslashes >= 0 and text[pos - 1 - backslashes] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def scan(text: str) -> FilePositions:
    """Scan a TOML document that the parser accepted."""
    result = FilePositions()
    spans = result.spans
    lines = text.splitlines()
    # Line kinds: "b" blank, "c" comment, "h" header, "k" key, "v" value continuation.
    kinds: list[str] = []
    aot_count: dict[Path, int] = {}
    table: Path = ()
    table_first_key = False  # the next key is the first line of its table's body
    header_spans: list[tuple[Path, Span]] = []
    current_header: Span | None = None
    scanner = _ValueScanner()
    growing: list[Span] = []  # spans that end where the multi-line value being read ends

    for number, raw in enumerate(lines, start=1):
        if scanner.open:
            kinds.append("v")
            scanner.feed(raw)
            for span in growing:
                span.end = number
            continue
        line = raw.strip()
        if not line:
            kinds.append("b")
            continue
        if line[0] == "#":
            kinds.append("c")
            continue
        if line[0] == "[":
            kinds.append("h")
            array = line.startswith("[[")
            path = _header_path(line, array, aot_count)
            if path is None:
                continue
            table = path
            span = Span(number, number, _comment_above(lines, kinds, number))
            spans[path] = span
            header_spans.append((path, span))
            current_header = span
            table_first_key = True
            continue
        kinds.append("k")
        simple = _SIMPLE_KEY.match(line)
        if simple is not None:
            parts = [p.strip() for p in simple.group(1).split(".")]
            rest = line[simple.end() :]
        else:
            parsed = _split_key(line)
            if parsed is None or parsed[1] >= len(line) or line[parsed[1]] != "=":
                continue
            parts, end = parsed
            rest = line[end + 1 :]
        comment = _comment_above(lines, kinds, number)
        if not comment and table_first_key and current_header is not None:
            comment = current_header.comment
        table_first_key = False
        span = Span(number, number, comment)
        spans[(*table, *parts)] = span
        if current_header is not None:
            current_header.end = number
        scanner.feed(rest)
        # A multi-line value moves the end of its key and of its table.
        growing = [s for s in (span, current_header) if s is not None] if scanner.open else []

    # A table's span covers its sub-tables and array elements (their headers follow it).
    count = len(header_spans)
    for i, (path, span) in enumerate(header_spans):
        size = len(path)
        j = i + 1
        while j < count and header_spans[j][0][:size] == path:
            span.end = max(span.end, header_spans[j][1].end)
            j += 1
    return result


def _header_path(line: str, array: bool, aot_count: dict[Path, int]) -> Path | None:
    inner = line[2:] if array else line[1:]
    simple = None if array else _BARE_HEADER.match(line)
    if simple is not None:
        keys = [k.strip() for k in simple.group(1).split(".")]
    else:
        parsed = _split_key(inner)
        if parsed is None:
            return None
        keys = parsed[0]
    resolved: list[str | int] = []
    for i, key in enumerate(keys):
        resolved.append(key)
        last = i == len(keys) - 1
        prefix = tuple(resolved)
        if last and array:
            index = aot_count.get(prefix, 0)
            aot_count[prefix] = index + 1
            resolved.append(index)
        elif prefix in aot_count:
            resolved.append(aot_count[prefix] - 1)
    return tuple(resolved)


def _comment_above(lines: list[str], kinds: list[str], number: int) -> str:
    """The comment for the item on line `number` (1-based); see the module docstring."""
    i = number - 2  # index of the line above
    if i >= 0 and kinds[i] == "c":
        return _paragraph(lines, kinds, i)
    if i >= 1 and kinds[i] == "b" and kinds[i - 1] == "c":
        top = i - 1
        while top - 1 >= 0 and kinds[top - 1] == "c":
            top -= 1
        if top == 0 or kinds[top - 1] in ("b", "h"):
            return _paragraph(lines, kinds, i - 1)
    return ""


def _paragraph(lines: list[str], kinds: list[str], last: int) -> str:
    first = last
    while first - 1 >= 0 and kinds[first - 1] == "c":
        first -= 1
    out = []
    for line in lines[first : last + 1]:
        text = line.strip()[1:]
        out.append(text[1:] if text.startswith(" ") else text)
    # Drop decorative "#" lines at either end of a boxed comment.
    while out and not out[0].strip():
        out.pop(0)
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out)
