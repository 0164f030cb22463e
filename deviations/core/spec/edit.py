"""Spec edits with azldev's semantics (internal/rpm/spec/edit.go), written anew.

Each edit walks the lines the way azldev's visitor does: a line is classified with the
section state before it, and an edited line is classified again, so an edit that turns a
line into a section header moves the following lines into that section, as in azldev.
Lines an edit inserts are classified but not visited again.

Errors are `SpecEditError`; the spec may be partly edited when one is raised, so callers
that need all-or-nothing work on a copy (the overlay engine does).
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from . import conditionals
from .document import Spec
from .parse import PREAMBLE, Header, SectionState, Tag, advance, classify
from .text import equal_fold, go_lower, trim_space


class SpecEditError(ValueError):
    """An edit that azldev refuses (no such tag, section, pattern, ...)."""


def _matches(state: SectionState, section: str, package: str) -> bool:
    return state.name == section and state.package == package


def _not_found(section: str, package: str) -> SpecEditError:
    return SpecEditError(f"section `{section}` (package=`{package}`) not found")


# --- tags -------------------------------------------------------------------------------


def update_tag(spec: Spec, package: str, tag: str, value: str) -> int:
    """Rewrite every `tag` line of `package` as `<tag>: <value>`; error if there is none."""
    want = go_lower(tag)
    lines = spec.lines
    state = PREAMBLE
    updated = 0
    for index in range(len(lines)):
        parsed = classify(lines[index], state)
        if isinstance(parsed, Tag) and state.package == package and go_lower(parsed.name) == want:
            lines[index] = f"{tag}: {value}"
            updated += 1
            parsed = classify(lines[index], state)
        state = advance(parsed, state)
    if not updated:
        raise SpecEditError(f"tag `{tag}` not found in spec (package=`{package}`)")
    spec.changed()
    return updated


def remove_tags(spec: Spec, package: str | None, keep: Callable[[str, str], bool]) -> int:
    """Remove the tag lines (of `package`, or of any package when None) that `keep` rejects."""
    lines = spec.lines
    state = PREAMBLE
    removed = 0
    index = 0
    while index < len(lines):
        parsed = classify(lines[index], state)
        if (
            isinstance(parsed, Tag)
            and (package is None or state.package == package)
            and not keep(parsed.name, parsed.value)
        ):
            del lines[index]
            removed += 1
            continue
        state = advance(parsed, state)
        index += 1
    if removed:
        spec.changed()
    return removed


def remove_tag(spec: Spec, package: str, tag: str, value: str) -> int:
    """Remove every `tag` (with `value`, compared case-insensitively, when given)."""
    want = go_lower(tag)

    def keep(name: str, current: str) -> bool:
        if go_lower(name) != want:
            return True
        return bool(value) and not equal_fold(current, value)

    removed = remove_tags(spec, package, keep)
    if not removed:
        raise SpecEditError(f"tag `{tag}` with value `{value}` not found in spec")
    return removed


def add_tag(spec: Spec, package: str, tag: str, value: str) -> None:
    """Append `<tag>: <value>` at the end of the package's preamble (even if the tag exists)."""
    append_to_section(spec, "%package" if package else "", package, [f"{tag}: {value}"])


def set_tag(spec: Spec, package: str, tag: str, value: str) -> None:
    try:
        update_tag(spec, package, tag, value)
    except SpecEditError:
        add_tag(spec, package, tag, value)


def tag_family(tag: str) -> str:
    """`Source9999` -> `source`: the lower-cased name without trailing digits."""
    lower = go_lower(tag)
    stripped = lower.rstrip("0123456789")
    return stripped or lower


def insert_tag(spec: Spec, package: str, tag: str, value: str) -> None:
    """Insert after the last tag of the same family, else after the last tag, else append."""
    section = "%package" if package else ""
    family = tag_family(tag)
    lines = spec.lines
    found = _matches(PREAMBLE, section, package)
    last_family = last_any = -1
    section_end = len(lines)
    state = PREAMBLE
    for index, line in enumerate(lines):
        parsed = classify(line, state)
        if isinstance(parsed, Header):
            if _matches(state, section, package):
                section_end = index
            state = parsed.state
            found = found or _matches(state, section, package)
        elif isinstance(parsed, Tag) and _matches(state, section, package):
            last_any = index
            if tag_family(parsed.name) == family:
                last_family = index
    if _matches(state, section, package):
        section_end = len(lines)
    if not found:
        raise _not_found(section, package)
    after = last_family if last_family >= 0 else last_any
    if after < 0:
        add_tag(spec, package, tag, value)
        return
    after = _past_conditional(lines, after, section_end)
    lines.insert(after + 1, f"{tag}: {value}")
    spec.changed()


def _past_conditional(lines: list[str], index: int, section_end: int) -> int:
    """Move an insertion point inside %if ... %endif to that block's %endif."""
    depth = sum(conditionals.depth_change(lines[k]) for k in range(min(index + 1, len(lines))))
    if depth <= 0:
        return index
    for k in range(index + 1, min(section_end, len(lines))):
        depth += conditionals.depth_change(lines[k])
        if depth <= 0:
            return k
    return index


# --- lines ------------------------------------------------------------------------------


def prepend_lines(spec: Spec, new_lines: list[str]) -> None:
    spec.lines[0:0] = new_lines
    spec.changed()


def append_lines(spec: Spec, new_lines: list[str]) -> None:
    spec.lines.extend(new_lines)
    spec.changed()


def prepend_to_section(spec: Spec, section: str, package: str, new_lines: list[str]) -> None:
    """Insert right after the header of every matching section."""
    lines = spec.lines
    updated = False
    if _matches(PREAMBLE, section, package):  # the preamble has no header line
        lines[0:0] = new_lines
        updated = True
    state = PREAMBLE
    index = len(new_lines) if updated else 0
    visit_from = index
    while index < len(lines):
        parsed = classify(lines[index], state)
        state = advance(parsed, state)
        if isinstance(parsed, Header) and index >= visit_from and _matches(state, section, package):
            lines[index + 1 : index + 1] = new_lines
            updated = True
            visit_from = index + 1 + len(new_lines)
        index += 1
    if not updated:
        raise _not_found(section, package)
    spec.changed()


def append_to_section(spec: Spec, section: str, package: str, new_lines: list[str]) -> None:
    """Insert just before the header that ends every matching section (or at the end)."""
    lines = spec.lines
    updated = False
    state = PREAMBLE
    index = 0
    visit_from = 0
    while index < len(lines):
        parsed = classify(lines[index], state)
        if isinstance(parsed, Header) and index >= visit_from and _matches(state, section, package):
            lines[index:index] = new_lines
            updated = True
            # The inserted lines are classified (from `index`) but not visited, and the
            # header after them does not start a visited section.
            visit_from = index + len(new_lines) + 1
            continue
        state = advance(parsed, state)
        index += 1
    if _matches(state, section, package):
        lines.extend(new_lines)
        updated = True
    if not updated:
        raise _not_found(section, package)
    spec.changed()


# --- search and replace -----------------------------------------------------------------


def search_replace(
    spec: Spec,
    section: str,
    package: str,
    replace: Callable[[str], str],
    pattern: str,
    candidates: Collection[int] | None = None,
) -> int:
    """Apply `replace` to every body line of the targeted sections (headers are never edited).

    `candidates`, when given, holds every line `replace` could change; others are skipped.
    """
    lines = spec.lines
    updated = 0
    if candidates is not None and not section and not package:
        # Whole-spec search: only header lines are exempt, and being a header does not
        # depend on the section a line is in, so only the candidate lines need a look.
        for index in sorted(i for i in candidates if 0 <= i < len(lines)):
            line = lines[index]
            if isinstance(classify(line, PREAMBLE), Header):
                continue
            new = replace(line)
            if new != line:
                lines[index] = new
                updated += 1
    elif candidates is None or candidates:
        state = PREAMBLE
        for index in range(len(lines)):
            parsed = classify(lines[index], state)
            if (
                (candidates is None or index in candidates)
                and not isinstance(parsed, Header)
                and (not section or state.name == section)
                and (not package or state.package == package)
            ):
                line = lines[index]
                new = replace(line)
                if new != line:
                    lines[index] = new
                    updated += 1
                    parsed = classify(new, state)
            state = advance(parsed, state)
    if not updated:
        raise SpecEditError(
            f"pattern `{pattern}` not found (section=`{section}`, package=`{package}`)"
        )
    spec.changed()
    return updated


# --- sections ---------------------------------------------------------------------------


def _remove_ranges(spec: Spec, want: Callable[[SectionState], bool], what: str) -> None:
    ranges = [(s.start, s.end) for s in spec.sections if s.header is not None and want(s.state)]
    if not ranges:
        raise SpecEditError(f"{what} not found")
    try:
        all_pairs = conditionals.pairs(spec.lines)
        balanced = [conditionals.balance(a, b, spec.lines, all_pairs) for a, b in ranges]
    except conditionals.ConditionalError as exc:
        raise SpecEditError(f"cannot remove {what}: {exc}") from exc
    for start, end in reversed(balanced):
        del spec.lines[start:end]
    spec.changed()


def remove_section(spec: Spec, section: str, package: str) -> None:
    """Remove every section named `section` (exact text) of `package`, header included."""
    if not section:
        raise SpecEditError("cannot remove the global/preamble section")
    _remove_ranges(
        spec,
        lambda s: s.name == section and s.package == package,
        f"section `{section}` (package=`{package}`)",
    )


def remove_subpackage(spec: Spec, package: str) -> None:
    """Remove every section whose header names `package` (in the form the header uses)."""
    if not package:
        raise SpecEditError("cannot remove sub-package with empty name")
    _remove_ranges(spec, lambda s: s.package == package, f"sub-package `{package}`")


def has_section(spec: Spec, name: str) -> bool:
    return any(s.header is not None and s.name == name for s in spec.sections)


# --- patches ----------------------------------------------------------------------------

_INT64_MAX = 2**63 - 1


def patch_number(tag: str) -> int | None:
    """N for a `PatchN` tag (any case), as Go's strconv.Atoi reads N; None otherwise."""
    lower = go_lower(tag)
    if not lower.startswith("patch"):
        return None
    suffix = lower[5:]
    digits = suffix[1:] if suffix[:1] in ("+", "-") else suffix
    if not digits or not digits.isascii() or not digits.isdigit():
        return None
    number = int(suffix)
    if not -_INT64_MAX - 1 <= number <= _INT64_MAX:
        return None
    return number


def highest_patch_number(spec: Spec) -> int:
    """The highest PatchN in any package; bare `Patch:` tags count as 0..k-1; -1 if none."""
    highest = -1
    unnumbered = 0
    for tag in spec.tags():
        number = patch_number(tag.name)
        if number is not None and number > highest:
            highest = number
        elif equal_fold(tag.name, "patch"):
            unnumbered += 1
    if unnumbered and unnumbered - 1 > highest:
        highest = unnumbered - 1
    return highest


def add_patch_entry(spec: Spec, package: str, filename: str) -> None:
    if has_section(spec, "%patchlist"):
        append_to_section(spec, "%patchlist", "", [filename])
        return
    add_tag(spec, package, f"Patch{highest_patch_number(spec) + 1}", filename)


def remove_patch_entries(spec: Spec, matches: Callable[[str], bool], pattern: str) -> int:
    """Remove PatchN tags (any package) and %patchlist lines whose value `matches`."""
    removed = remove_tags(
        spec, None, lambda name, value: patch_number(name) is None or not matches(value)
    )
    if has_section(spec, "%patchlist"):
        removed += _remove_patchlist_lines(spec, matches)
    if not removed:
        raise SpecEditError(f"no patches matching `{pattern}` found in spec")
    return removed


def _remove_patchlist_lines(spec: Spec, matches: Callable[[str], bool]) -> int:
    lines = spec.lines
    state = PREAMBLE
    removed = 0
    index = 0
    while index < len(lines):
        parsed = classify(lines[index], state)
        if not isinstance(parsed, Header) and state.name == "%patchlist":
            entry = trim_space(lines[index])
            if entry and matches(entry):
                del lines[index]
                removed += 1
                continue
        state = advance(parsed, state)
        index += 1
    if removed:
        spec.changed()
    return removed
