"""`%if`/`%endif` handling at section boundaries, as azldev removes sections.

Removing a section must not unbalance the spec's conditionals.  A conditional line inside
the removed range whose partner lies outside it ("straddling") is kept, so a section
wrapped in `%if ... %endif` leaves an empty wrapper behind.  When keeping it would also
keep real content of the section, or would cut an `%else` out of a conditional that goes
on past the section, the removal is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from .text import fields, go_lower, trim_space

_OPENERS = frozenset(("%if", "%ifarch", "%ifnarch", "%ifos", "%ifnos"))
_BRANCHES = frozenset(("%else", "%elif", "%elifarch", "%elifnarch", "%elifos", "%elifnos"))


class ConditionalError(ValueError):
    """The conditionals around a section cannot be kept balanced."""


def _directive(line: str) -> str:
    trimmed = trim_space(line)
    if not trimmed or trimmed[0] == "#":
        return ""
    if trimmed[0] != "%":
        return ""
    return go_lower(fields(trimmed)[0])


def depth_change(line: str) -> int:
    """+1 for a line opening a conditional, -1 for %endif, 0 otherwise."""
    word = _directive(line)
    if word == "%endif":
        return -1
    return 1 if word in _OPENERS else 0


def is_branch(line: str) -> bool:
    return _directive(line) in _BRANCHES


def is_blank_or_comment(line: str) -> bool:
    trimmed = trim_space(line)
    return not trimmed or trimmed[0] == "#"


@dataclass(frozen=True, slots=True)
class Pair:
    opener: int
    closer: int


def pairs(lines: list[str]) -> list[Pair]:
    """Matched %if/%endif pairs, in the order their %endif appears."""
    found: list[Pair] = []
    stack: list[int] = []
    for index, line in enumerate(lines):
        change = depth_change(line)
        if change == 1:
            stack.append(index)
        elif change == -1:
            if not stack:
                raise ConditionalError(f"unmatched %endif at line {index + 1}")
            found.append(Pair(stack.pop(), index))
    if stack:
        raise ConditionalError(f"unmatched %if at line {stack[0] + 1}")
    return found


def _content_between(first: int, end: int, lines: list[str]) -> bool:
    """Is there a real line (not blank, comment or %if/%endif) in (first, end)?"""
    return any(
        not is_blank_or_comment(lines[k]) and depth_change(lines[k]) == 0
        for k in range(first + 1, end)
    )


def _spans(start: int, end: int) -> ConditionalError:
    return ConditionalError(
        f"section at lines {start + 1}-{end} has a conditional block that spans into the next"
        " section; use a spec-search-replace overlay to adjust conditionals before removing"
    )


def balance(start: int, end: int, lines: list[str], all_pairs: list[Pair]) -> tuple[int, int]:
    """The range [start, end) trimmed so that removing it keeps conditionals balanced."""
    trimmed = end
    for pair in all_pairs:
        opener_inside = start <= pair.opener < end
        closer_inside = start <= pair.closer < end
        if opener_inside == closer_inside:
            continue
        trimmed = min(trimmed, pair.opener if opener_inside else pair.closer)
        if opener_inside and _content_between(pair.opener, end, lines):
            raise _spans(start, end)
    for index in range(start, end):
        if not is_branch(lines[index]):
            continue
        for pair in all_pairs:
            if pair.opener <= index <= pair.closer:
                if not (pair.opener >= start and pair.closer < end):
                    raise ConditionalError(
                        f"section at lines {start + 1}-{end} contains a %else/%elif branch"
                        " directive inside a conditional block that extends beyond the section"
                        " boundary; use a spec-search-replace overlay to adjust conditionals"
                        " before removing"
                    )
                break
    if trimmed != end and _content_between(trimmed - 1, end, lines):
        raise _spans(start, end)
    return start, trimmed
