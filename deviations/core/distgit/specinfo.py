"""Name, Epoch, Version and Release read from spec text — read, never evaluated.

A spec is data from outside, so nothing here runs RPM: the first `Name:`, `Epoch:`,
`Version:` and `Release:` tags are taken as written (`*_raw`) and then only *simple*
macros are substituted for the resolved value:

- `%name` / `%{name}` from single-line `%global`/`%define` (the first definition wins,
  wherever it is; multi-line definitions are not used), plus `%{name}` and `%{version}`
  from the tags themselves;
- the conditional forms `%{?x}`, `%{?x:text}`, `%{!?x:text}`; `%{?dist}` and
  `%{?buildid}` become empty (the distribution suffix is not part of what we compare);
- an rpmautospec-expanded spec's `release_number = N;` gives `%autorelease` its number
  (`-b B` shifts the base).

Anything else — shell `%(...)`, Lua, expressions, unknown macros — stays exactly as
written, so a value with a `%` left in it is shown, not guessed (`resolved` is False).
The rules match the fixture generator's manifest (../shared/bin/make-distgit-fixture),
which the end-to-end test and the benchmark compare against for every component.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_DEPTH = 12  # nesting of macro expansion
MAX_VALUE = 4096  # an expanded value longer than this is kept as written


def _tag_re(tag: str) -> re.Pattern[str]:
    return re.compile(rf"^{tag}[ \t]*:[ \t]*(\S[^\n]*?)[ \t]*$", re.M | re.I)


_NAME = _tag_re("Name")
_EPOCH = _tag_re("Epoch")
_VERSION = _tag_re("Version")
_RELEASE = _tag_re("Release")
_DEFINE = re.compile(
    r"^[ \t]*%(?:global|define)[ \t]+(\w+)(?:\([^)\n]*\))?[ \t]+([^\n]*?)[ \t]*$", re.M
)
_RELEASE_NUMBER = re.compile(r"^[ \t]*release_number = (\d+);", re.M)
_AUTORELEASE_BASE = re.compile(r"-b[ \t]*(\d+)")
_INNER = re.compile(r"(!?)(\??)(!?)(\w+)(?::(.*))?", re.S)
_WORD = re.compile(r"\w+")
_EMPTY_MACROS = frozenset({"dist", "buildid"})


@dataclass(frozen=True)
class SpecNVR:
    name: str | None
    epoch: str | None
    version: str | None
    release: str | None
    version_raw: str | None
    release_raw: str | None

    @property
    def resolved(self) -> bool:
        values = [self.version, self.release] + ([self.epoch] if self.epoch is not None else [])
        return all(v and "%" not in v for v in values)


def macro_definitions(text: str) -> dict[str, str]:
    """First single-line %global/%define value of each macro."""
    defs: dict[str, str] = {}
    for match in _DEFINE.finditer(text):
        name, value = match.group(1), match.group(2)
        if not value.endswith("\\"):
            defs.setdefault(name, value)
    return defs


class _Expander:
    def __init__(self, defs: dict[str, str], builtins: dict[str, str]) -> None:
        self.defs = defs
        self.builtins = builtins

    def lookup(self, name: str) -> str | None:
        if name in _EMPTY_MACROS:
            return ""
        if name in self.defs:
            return self.defs[name]
        return self.builtins.get(name)

    def expand(self, value: str, depth: int = 0) -> str:
        if depth > MAX_DEPTH or len(value) > MAX_VALUE:
            return value
        out: list[str] = []
        i, n = 0, len(value)
        while i < n:
            char = value[i]
            if char != "%" or i + 1 >= n:
                out.append(char)
                i += 1
                continue
            nxt = value[i + 1]
            if nxt == "%":  # a literal percent sign stays escaped
                out.append("%%")
                i += 2
                continue
            if nxt == "{":
                end = self._closing_brace(value, i + 2)
                if end is None:  # unbalanced: keep the rest as written
                    out.append(value[i:])
                    break
                out.append(self._braced(value[i:end], value[i + 2 : end - 1], depth))
                i = end
                continue
            word = _WORD.match(value, i + 1)
            if word:
                found = self.lookup(word.group(0))
                out.append("%" + word.group(0) if found is None else self.expand(found, depth + 1))
                i = word.end()
                continue
            out.append(char)  # %( shell ), %[ expression ], ...: as written
            i += 1
        result = "".join(out).strip()
        return result if len(result) <= MAX_VALUE else value

    @staticmethod
    def _closing_brace(value: str, start: int) -> int | None:
        level, j = 1, start
        while j < len(value):
            if value[j] == "{":
                level += 1
            elif value[j] == "}":
                level -= 1
                if level == 0:
                    return j + 1
            j += 1
        return None

    def _braced(self, whole: str, inner: str, depth: int) -> str:
        match = _INNER.fullmatch(inner)
        if not match:
            return whole
        negated = bool(match.group(1) or match.group(3))
        conditional = bool(match.group(2))
        name, alternative = match.group(4), match.group(5)
        found = self.lookup(name)
        if conditional:
            if negated:
                return self.expand(alternative or "", depth + 1) if found is None else ""
            if found is None:
                return ""
            return self.expand(alternative if alternative is not None else found, depth + 1)
        if found is None or alternative is not None:  # %{lua:...}, %{expand:...}, unknown
            return whole
        return self.expand(found, depth + 1)


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group(1) if match else None


def read_nvr(text: str) -> SpecNVR:
    """Name/Epoch/Version/Release of the main package, as described in the module doc."""
    name_raw = _first(_NAME, text)
    version_raw = _first(_VERSION, text)
    release_raw = _first(_RELEASE, text)
    epoch_raw = _first(_EPOCH, text)
    defs = macro_definitions(text)
    builtins: dict[str, str] = {}
    name = None
    if name_raw is not None:
        name = _Expander(defs, {}).expand(name_raw)
        builtins["name"] = name
    expander = _Expander(defs, builtins)
    version = expander.expand(version_raw) if version_raw is not None else None
    if version is not None:
        builtins["version"] = version
    release = None
    if release_raw is not None:
        number = _RELEASE_NUMBER.search(text) if "autorelease" in release_raw else None
        if number:
            base = _AUTORELEASE_BASE.search(release_raw)
            release = str(int(number.group(1)) + (int(base.group(1)) if base else 1) - 1)
        else:
            release = expander.expand(release_raw)
    epoch = expander.expand(epoch_raw) if epoch_raw is not None else None
    return SpecNVR(name, epoch, version, release, version_raw, release_raw)


def decode(data: bytes) -> str:
    """Spec bytes as text without losing anything (invalid UTF-8 kept as escapes)."""
    return data.decode("utf-8", "surrogateescape")
