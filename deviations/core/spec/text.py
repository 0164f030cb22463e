"""Text helpers that behave like Go's `strings` package, which azldev's spec code uses.

Specs are bytes from outside.  They are decoded as UTF-8 with `surrogateescape`, so any
byte that is not valid UTF-8 becomes a lone surrogate and encodes back to the same byte:
parse -> serialize is the identity for every input.

Go and Python disagree on a few whitespace characters (Python's `str.split()` also splits
on U+001C..U+001F, Go's `strings.Fields` does not), so `fields`/`trim_space` take Go's set.
"""

from __future__ import annotations

import re

ENCODING = "utf-8"
ERRORS = "surrogateescape"

# Go's unicode.IsSpace: ASCII \t \n \v \f \r space, U+0085, U+00A0 and the Unicode
# White_Space characters outside Latin-1.
_GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_GO_SPLIT = re.compile(f"[{_GO_SPACE}]+")
# Characters Python treats as whitespace but Go does not.
_PY_ONLY_SPACE = re.compile("[\x1c-\x1f]")
GO_SPACE = frozenset(_GO_SPACE)


def decode(data: bytes) -> str:
    return data.decode(ENCODING, ERRORS)


def encode(text: str) -> bytes:
    return text.encode(ENCODING, ERRORS)


def _python_agrees(text: str) -> bool:
    return _PY_ONLY_SPACE.search(text) is None


def fields(text: str) -> list[str]:
    """Go's strings.Fields."""
    if _python_agrees(text):
        return text.split()
    return [part for part in _GO_SPLIT.split(text) if part]


def trim_space(text: str) -> str:
    """Go's strings.TrimSpace."""
    if _python_agrees(text):
        return text.strip()
    return text.strip(_GO_SPACE)


def first_field(text: str) -> str:
    """The first of fields(text), or "" (cheaper than splitting the whole line)."""
    parts = fields(text) if not _python_agrees(text) else text.split(None, 1)
    return parts[0] if parts else ""


def _lower_char(ch: str) -> str:
    lowered = ch.lower()
    if len(lowered) == 1:
        return lowered
    # Python expands a few characters (U+0130 -> "i" + U+0307); Go maps rune to rune.
    return "i" if ch == "\u0130" else ch


def go_lower(text: str) -> str:
    """Go's strings.ToLower (rune for rune)."""
    if text.isascii():
        return text.lower()
    return "".join(_lower_char(ch) for ch in text)


def _fold_equal(a: str, b: str) -> bool:
    if a == b:
        return True
    la, lb = a.lower(), b.lower()
    if len(la) == 1 and la == lb:
        return True
    ua, ub = a.upper(), b.upper()
    return len(ua) == 1 and ua == ub


def equal_fold(a: str, b: str) -> bool:
    """Go's strings.EqualFold (simple, rune-for-rune case folding)."""
    if a.isascii() and b.isascii():
        return len(a) == len(b) and a.lower() == b.lower()
    if len(a) != len(b):
        return False
    return all(_fold_equal(x, y) for x, y in zip(a, b, strict=True))
