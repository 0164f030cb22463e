"""How azldev reads one spec line: section header, tag, or raw text.

The rules are azldev's (internal/rpm/spec), so overlays target what azldev targets:

- only `#` in column 0 makes a comment; other lines are trimmed of whitespace first;
- a line whose first word is a known section name (compared case-insensitively, so
  `%Build` starts a section) opens a section; its name is kept as written;
- inside the preamble or a `%package` section, `Name: value` is a tag;
- a section's package comes from its header: `%files devel` -> `devel`, `-n x` -> `x`,
  `-f`/`-p`/`-l`/`-P` take an argument, `--` ends the name (triggers).

Nothing is evaluated: macros, shell and Lua stay text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from .text import GO_SPACE, fields, first_field, go_lower, trim_space


class SectionType(StrEnum):
    PACKAGE = "package"
    SCRIPT = "script"
    RAW = "raw"
    FILES = "files"
    CHANGELOG = "changelog"
    SOURCE_LIST = "source-list"


_SCRIPTS = [
    "%prep",
    "%conf",
    "%build",
    "%install",
    "%check",
    "%clean",
    "%generate_buildrequires",
    "%pre",
    "%post",
    "%preun",
    "%postun",
    "%pretrans",
    "%posttrans",
    "%preuntrans",
    "%postuntrans",
    "%verify",
    "%triggerin",
    "%triggerun",
    "%triggerprein",
    "%triggerpostun",
    "%filetriggerin",
    "%filetriggerun",
    "%filetriggerpostun",
    "%transfiletriggerin",
    "%transfiletriggerun",
    "%transfiletriggerpostun",
]

SECTION_TYPES: dict[str, SectionType] = {
    "%package": SectionType.PACKAGE,
    **dict.fromkeys(_SCRIPTS, SectionType.SCRIPT),
    "%description": SectionType.RAW,
    "%files": SectionType.FILES,
    "%changelog": SectionType.CHANGELOG,
    "%patchlist": SectionType.SOURCE_LIST,
    "%sourcelist": SectionType.SOURCE_LIST,
}

# Go's regexp `^\s*([^\s:]+):\s*(.*?)\s*$`; Go's \s is [\t\n\f\r ] (no \v).
_TAG = re.compile(r"[\t\n\f\r ]*([^\t\n\f\r :]+):[\t\n\f\r ]*(.*?)[\t\n\f\r ]*\Z", re.S)
_ARGUMENT_FLAGS = frozenset(("-f", "-p", "-l", "-P"))


@dataclass(frozen=True, slots=True)
class SectionState:
    """Where a line sits: the section it belongs to (the preamble is name "")."""

    name: str = ""
    type: SectionType = SectionType.PACKAGE
    package: str = ""


PREAMBLE = SectionState()


@dataclass(frozen=True, slots=True)
class Header:
    name: str  # as written, e.g. "%Build"
    type: SectionType
    tokens: tuple[str, ...]

    @property
    def state(self) -> SectionState:
        return SectionState(self.name, self.type, package_of(self.type, self.tokens))


@dataclass(frozen=True, slots=True)
class Tag:
    name: str
    value: str


def package_from_header(tokens: tuple[str, ...] | list[str]) -> str:
    """The sub-package a section header names, in the form the header writes it."""
    full = ""
    suffix = ""
    index = 1
    count = len(tokens)
    while index < count:
        word = tokens[index]
        if word == "--":
            break
        if word == "-n":
            index += 1
            if index < count:
                full = tokens[index]
                index += 1
        elif word in _ARGUMENT_FLAGS:
            index += 2
        elif word.startswith("-"):
            index += 1
        else:
            if not suffix:
                suffix = word
            index += 1
    return full or suffix


def package_of(section_type: SectionType, tokens: tuple[str, ...]) -> str:
    if section_type in (SectionType.SOURCE_LIST, SectionType.CHANGELOG):
        return ""
    return package_from_header(tokens)


def classify(text: str, state: SectionState) -> Header | Tag | None:
    """A line as azldev sees it: a section header, a tag, or None for anything else."""
    if not text:
        return None
    first = text[0]
    if first == "#":
        return None
    if first != "%" and first not in GO_SPACE and state.type is not SectionType.PACKAGE:
        return None  # neither a header (needs `%` first) nor a tag (needs a package section)
    logical = trim_space(text)
    if not logical:
        return None
    if logical[0] == "%":
        word = first_field(logical)
        section_type = SECTION_TYPES.get(go_lower(word))
        if section_type is not None:
            return Header(word, section_type, tuple(fields(logical)))
    if state.type is SectionType.PACKAGE and ":" in logical:
        match = _TAG.match(logical)
        if match:
            return Tag(match[1], match[2])
    return None


def advance(parsed: Header | Tag | None, state: SectionState) -> SectionState:
    """The section state after a line."""
    return parsed.state if isinstance(parsed, Header) else state
