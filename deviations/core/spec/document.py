"""A spec file as lines, kept byte for byte.

`Spec.parse(data).to_bytes() == data` for any bytes: line endings (LF, CRLF, a missing
final newline, a lone CR at the end) and bytes that are not UTF-8 are kept.

Lines are held as azldev reads them (Go's line scanner: split on LF, a CR right before the
LF or at the very end dropped).  Once an edit is made the spec is written back the way
azldev writes it: every line followed by LF.  That is the normalisation azldev applies to
any spec an overlay edits (CRLF becomes LF, a final newline appears).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .parse import PREAMBLE, Header, SectionState, SectionType, Tag, advance, classify
from .text import decode, encode

# Go's bufio.Scanner refuses a line of 64 KiB or more ("token too long"), so azldev cannot
# open such a spec for editing.  The parser itself has no limit.
GO_MAX_LINE = 64 * 1024


@dataclass(frozen=True, slots=True)
class Section:
    """A section: its header line (None for the preamble) and the lines up to the next one."""

    name: str
    type: SectionType
    package: str
    header: int | None
    start: int  # first line (the header's index, or 0 for the preamble)
    end: int  # one past the last line

    @property
    def state(self) -> SectionState:
        return SectionState(self.name, self.type, self.package)


@dataclass(frozen=True, slots=True)
class TagLine:
    index: int
    name: str
    value: str
    section: SectionState


class Spec:
    """An RPM spec: `lines` (without terminators) plus what is needed to write it back."""

    __slots__ = ("_endings", "_sections", "edited", "lines")

    def __init__(self, lines: list[str], endings: list[str] | None = None) -> None:
        self.lines = lines
        # None means "every line ends with LF" (the common case, kept cheap).
        self._endings = endings
        self.edited = False
        self._sections: list[Section] | None = None

    # --- bytes --------------------------------------------------------------------------

    @classmethod
    def parse(cls, data: bytes) -> Spec:
        text = decode(data)
        lines = text.split("\n")
        last = lines.pop()  # "" when the data ends with LF (or is empty)
        if "\r" not in text:
            if not last:
                return cls(lines)
            endings = ["\n"] * len(lines)
            lines.append(last)
            endings.append("")
            return cls(lines, endings)
        endings = []
        for index, line in enumerate(lines):
            if line.endswith("\r"):
                lines[index] = line[:-1]
                endings.append("\r\n")
            else:
                endings.append("\n")
        if last:
            if last.endswith("\r"):
                lines.append(last[:-1])
                endings.append("\r")
            else:
                lines.append(last)
                endings.append("")
        return cls(lines, endings)

    def to_bytes(self) -> bytes:
        if self.edited or self._endings is None:
            return encode("".join(line + "\n" for line in self.lines))
        return encode("".join(a + b for a, b in zip(self.lines, self._endings, strict=True)))

    def copy(self) -> Spec:
        clone = Spec(list(self.lines), None if self._endings is None else list(self._endings))
        clone.edited = self.edited
        return clone

    @staticmethod
    def has_line_too_long(data: bytes) -> bool:
        """Would Go's line scanner give up on `data` (a line, CR included, of 64 KiB+)?"""
        if len(data) < GO_MAX_LINE:
            return False
        return max(map(len, data.split(b"\n"))) >= GO_MAX_LINE

    # --- editing ------------------------------------------------------------------------

    def changed(self) -> None:
        """Record an edit: from now on the spec is written as azldev writes it."""
        self.edited = True
        self._endings = None
        self._sections = None

    # --- structure ----------------------------------------------------------------------

    @property
    def sections(self) -> list[Section]:
        """Every section in order, the preamble first (it may be empty)."""
        if self._sections is None:
            self._sections = self._scan()
        return self._sections

    def _scan(self) -> list[Section]:
        found: list[Section] = []
        state = PREAMBLE
        header: int | None = None
        start = 0
        for index, line in enumerate(self.lines):
            parsed = classify(line, state)
            if isinstance(parsed, Header):
                found.append(Section(state.name, state.type, state.package, header, start, index))
                state = parsed.state
                header = start = index
        found.append(Section(state.name, state.type, state.package, header, start, len(self.lines)))
        return found

    def tags(self) -> list[TagLine]:
        """Every tag line (tags only live in the preamble and %package sections)."""
        result: list[TagLine] = []
        for section in self.sections:
            if section.type is not SectionType.PACKAGE:
                continue
            state = section.state
            first = section.start if section.header is None else section.start + 1
            for index in range(first, section.end):
                parsed = classify(self.lines[index], state)
                if isinstance(parsed, Tag):
                    result.append(TagLine(index, parsed.name, parsed.value, state))
        return result

    def section_at(self, index: int) -> SectionState:
        """The section a line belongs to."""
        for section in self.sections:
            if section.start <= index < section.end:
                return section.state
        return PREAMBLE


def walk(lines: list[str]) -> Iterator[tuple[int, Header | Tag | None, SectionState]]:
    """(index, parsed, state-before) for every line; for read-only scans."""
    state = PREAMBLE
    for index, line in enumerate(lines):
        parsed = classify(line, state)
        yield index, parsed, state
        state = advance(parsed, state)
