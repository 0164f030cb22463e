"""Regexes as azldev runs them: Go RE2 syntax, linear-time matching, literal replacement.

google-re2 does the matching, so a hostile pattern cannot backtrack for ever.  A pattern
that Go's regexp rejects is an error here too (RE2 rejects lookaround, backreferences and
possessive quantifiers; Go additionally rejects `\\C`, which RE2 accepts).  There is no
fallback to Python's `re`.

Replacement follows Go's `ReplaceAllLiteral`: the replacement is inserted as is (`$1`,
`${1}` and `\\1` are text), and an empty match right after a previous match is skipped.
Input that is not valid UTF-8 is matched the way Go does it: each invalid byte is one
U+FFFD character.

Linear is not cheap: RE2 matches with a DFA built lazily in a bounded cache, and a large
program (`[a-z]{1000}[a-z]{1000}`) exhausts that cache and falls back to simulating the
program, at a cost of text length times program size (a 16 MB spec: minutes per overlay).
So an overlay's regex has a budget, `MAX_PROGRAM` instructions of compiled program, which
validation applies at import and the engine again before running one (`compile_overlay_regex`).
The real config's largest program is about 100 instructions.
"""

from __future__ import annotations

import functools

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # errors are reported to the user, not logged by RE2


# Instructions an overlay's compiled RE2 program may have (forward or reverse).  Up to
# about 1,000 the DFA cache holds and a match stays fast; above it, measured on lines of
# 20,000 characters, the cost jumps 200-fold (1,504 instructions: 1.6 s for 200 KB).
MAX_PROGRAM = 1000


class RegexError(ValueError):
    pass


def _has_any_byte_escape(pattern: str) -> bool:
    """Does the pattern use `\\C` outside a `\\Q...\\E` literal?"""
    index = 0
    literal = False
    while index < len(pattern):
        ch = pattern[index]
        if ch == "\\" and index + 1 < len(pattern):
            nxt = pattern[index + 1]
            if literal:
                if nxt == "E":
                    literal = False
            elif nxt == "Q":
                literal = True
            elif nxt == "C":
                return True
            index += 2
            continue
        index += 1
    return False


@functools.lru_cache(maxsize=256)
def compile_regex(pattern: str) -> re2._Regexp:
    """Compile `pattern` with RE2, refusing anything Go's regexp refuses."""
    if _has_any_byte_escape(pattern):
        raise RegexError(f"invalid regex `{pattern}`: invalid escape sequence: `\\C`")
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
        raise RegexError(f"invalid regex `{pattern}`: {detail}") from None


def compile_overlay_regex(pattern: str) -> re2._Regexp:
    """compile_regex, refusing a pattern whose program is over the budget (MAX_PROGRAM)."""
    regex = compile_regex(pattern)
    size = max(regex.programsize, regex.reverseprogramsize)
    if size > MAX_PROGRAM:
        raise RegexError(
            f"regex `{_shown(pattern)}` is too costly to run: its RE2 program has {size:,} "
            f"instructions, over the limit of {MAX_PROGRAM:,} (large repetition counts such "
            "as `{1000}` make large programs; match less at once)"
        )
    return regex


def _shown(pattern: str, limit: int = 200) -> str:
    return pattern if len(pattern) <= limit else pattern[:limit] + "…"


def _utf8_width(data: bytes, pos: int) -> int:
    """Width of the UTF-8 character at `pos` (1 for an invalid byte), like Go's DecodeRune."""
    lead = data[pos]
    if lead < 0x80:
        return 1
    for width in (2, 3, 4):
        try:
            data[pos : pos + width].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return width
    return 1


def _go_view(data: bytes) -> tuple[bytes, list[int] | None]:
    """`data` with each invalid UTF-8 byte as U+FFFD, plus a map back to `data` offsets."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return data, None
    view = bytearray()
    origin: list[int] = []
    position = 0
    for ch in data.decode("utf-8", "surrogateescape"):
        if "\udc80" <= ch <= "\udcff":
            chunk, width = b"\xef\xbf\xbd", 1
        else:
            chunk = ch.encode("utf-8")
            width = len(chunk)
        origin.extend([position] * len(chunk))
        view += chunk
        position += width
    origin.append(position)
    return bytes(view), origin


def replace_all(regex: re2._Regexp, data: bytes, replacement: bytes) -> bytes:
    """Go's Regexp.ReplaceAllLiteral(data, replacement)."""
    view, origin = _go_view(data)
    pieces: list[bytes] = []
    last_end = 0  # in `view`
    copied = 0  # in `data`
    search_pos = 0
    length = len(view)
    while search_pos <= length:
        match = regex.search(view, search_pos)
        if match is None:
            break
        start, end = match.span()
        if end > last_end or start == 0:
            a = start if origin is None else origin[start]
            b = end if origin is None else origin[end]
            pieces.append(data[copied:a])
            pieces.append(replacement)
            copied = b
        last_end = end
        width = _utf8_width(view, search_pos) if search_pos < length else 1
        if search_pos + width > end:
            search_pos += width
        elif search_pos + 1 > end:
            search_pos += 1
        else:
            search_pos = end
    if not pieces:
        return data
    pieces.append(data[copied:])
    return b"".join(pieces)


def replace_all_text(regex: re2._Regexp, text: str, replacement: str) -> str:
    """replace_all for text decoded with surrogateescape (spec lines)."""
    if text.isascii() and replacement.isascii():
        raw = replace_all(regex, text.encode("ascii"), replacement.encode("ascii"))
        return raw.decode("ascii") if raw is not None else text
    data = text.encode("utf-8", "surrogateescape")
    out = replace_all(regex, data, replacement.encode("utf-8", "surrogateescape"))
    return text if out is data else out.decode("utf-8", "surrogateescape")
