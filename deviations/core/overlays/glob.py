"""doublestar globs, as azldev matches overlay `file` patterns (bmatcuk/doublestar v4).

- `*` matches within one path segment, `?` one character of a segment;
- `**` as a whole segment matches any number of segments, none included
  (`a/**` also matches everything under `a`, `**/x` finds `x` at any depth);
  elsewhere `**` is a plain `*`;
- `[abc]`, `[a-z]`, `[!x]`/`[^x]` classes, `{a,b}` alternatives, `\\` escapes.

Patterns become RE2 regexes, so matching is linear whatever the pattern.
"""

from __future__ import annotations

import functools

import re2

from .regex import compile_regex


class GlobError(ValueError):
    pass


def _bad(pattern: str, why: str) -> GlobError:
    return GlobError(f"invalid glob pattern `{pattern}`: {why}")


def _escape(ch: str) -> str:
    return re2.escape(ch)


class _Translator:
    def __init__(self, pattern: str, *, in_tree: bool) -> None:
        self.pattern = pattern
        self.pos = 0
        # Over a tree each segment is matched on its own, so nothing but `/` itself matches
        # a separator; Match() on a plain string lets a negated class take `/` too.
        self.in_tree = in_tree

    def run(self) -> str:
        return self._sequence(stop="")

    def _segment_start(self) -> bool:
        return self.pos == 0 or self.pattern[self.pos - 1] == "/"

    def _sequence(self, stop: str) -> str:
        """Translate until an unescaped character in `stop` (inside braces) or the end."""
        pattern = self.pattern
        out: list[str] = []
        while self.pos < len(pattern):
            ch = pattern[self.pos]
            if ch in stop:
                return "".join(out)
            if ch == "*":
                out.append(self._star(out))
            elif ch == "?":
                out.append("[^/]")
                self.pos += 1
            elif ch == "[":
                out.append(self._class())
            elif ch == "{":
                out.append(self._alternatives())
            elif ch == "\\":
                if self.pos + 1 >= len(pattern):
                    raise _bad(pattern, "ends with an escape")
                out.append(_escape(pattern[self.pos + 1]))
                self.pos += 2
            else:
                out.append(_escape(ch))
                self.pos += 1
        if stop:
            raise _bad(self.pattern, "unclosed `{`")
        return "".join(out)

    def _star(self, out: list[str]) -> str:
        pattern = self.pattern
        at_start = self._segment_start()
        if pattern.startswith("**", self.pos) and at_start:
            after = self.pos + 2
            if after == len(pattern):
                self.pos = after
                # `a/**` matches `a` itself and everything below it; `**` anything.
                if out and out[-1] in ("/", "\\/"):
                    out.pop()
                    return "(?:/.*)?"
                return ".*"
            if pattern[after] == "/":
                self.pos = after + 1
                return "(?:.*/)?"
        # a run of stars that is not a whole segment is one `*`
        while self.pos < len(pattern) and pattern[self.pos] == "*":
            self.pos += 1
        return "[^/]*"

    def _class(self) -> str:
        pattern = self.pattern
        start = self.pos
        self.pos += 1
        negate = self.pos < len(pattern) and pattern[self.pos] in "!^"
        if negate:
            self.pos += 1
        if self.pos >= len(pattern) or pattern[self.pos] == "]":
            raise _bad(pattern, f"empty or unclosed character class at {start}")
        items: list[str] = []
        while self.pos < len(pattern) and pattern[self.pos] != "]":
            ch = pattern[self.pos]
            if ch == "\\":
                self.pos += 1
                if self.pos >= len(pattern):
                    raise _bad(pattern, "unclosed character class")
                ch = pattern[self.pos]
            self.pos += 1
            if (
                self.pos + 1 < len(pattern)
                and pattern[self.pos] == "-"
                and pattern[self.pos + 1] != "]"
            ):
                self.pos += 1
                hi = pattern[self.pos]
                if hi == "\\":
                    self.pos += 1
                    if self.pos >= len(pattern):
                        raise _bad(pattern, "unclosed character class")
                    hi = pattern[self.pos]
                self.pos += 1
                if hi < ch:
                    raise _bad(pattern, f"bad range {ch}-{hi}")
                items.append(f"{_class_char(ch)}-{_class_char(hi)}")
            else:
                items.append(_class_char(ch))
        if self.pos >= len(pattern):
            raise _bad(pattern, "unclosed character class")
        self.pos += 1  # the `]`
        body = "".join(items)
        if negate:
            return f"[^{body}/]" if self.in_tree else f"[^{body}]"
        return f"[{body}]"

    def _alternatives(self) -> str:
        self.pos += 1
        options: list[str] = []
        while True:
            options.append(self._sequence(stop=",}"))
            ch = self.pattern[self.pos]
            self.pos += 1
            if ch == "}":
                break
        return "(?:" + "|".join(options) + ")"


def _class_char(ch: str) -> str:
    if ch in "\\]^-[":
        return "\\" + ch
    return ch


@functools.lru_cache(maxsize=512)
def _compiled(pattern: str, in_tree: bool) -> re2._Regexp:
    body = _Translator(pattern, in_tree=in_tree).run()
    return compile_regex(f"(?s)\\A(?:{body})\\z")


def check(pattern: str) -> None:
    """Raise GlobError if `pattern` is malformed."""
    _compiled(pattern, True)


def _text(name: str) -> str:
    # Names may carry bytes that are not UTF-8 (surrogate escapes); Go sees U+FFFD.
    if name.isascii():
        return name
    return "".join("\ufffd" if "\udc80" <= ch <= "\udcff" else ch for ch in name)


def match(pattern: str, name: str) -> bool:
    """doublestar.Match(pattern, name)."""
    return _compiled(pattern, False).search(_text(name)) is not None


def match_path(pattern: str, path: str) -> bool:
    """Does a tree path (relative, `/`-separated) match, as doublestar.Glob would find it?"""
    return _compiled(pattern, True).search(_text(path)) is not None
