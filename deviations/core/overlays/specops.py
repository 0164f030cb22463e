"""Spec overlays: open the spec as azldev does, apply one edit, write it back.

azldev reopens and rewrites the spec for every spec overlay, so each overlay here parses
the current bytes afresh (lines an earlier overlay wrote with embedded newlines are split
again) and, on success, writes the spec with LF endings and a final newline.
"""

from __future__ import annotations

import bisect
import itertools
import posixpath
import re

from ..spec import GO_MAX_LINE, Spec, SpecEditError, edit
from ..types import SPEC_OVERLAY_TYPES, Overlay
from . import glob
from .errors import OverlayFailure
from .regex import RegexError, compile_overlay_regex, compile_regex, replace_all_text

SPEC_TYPES = frozenset(SPEC_OVERLAY_TYPES)


def patch_file_name(overlay: Overlay) -> str:
    """Where patch-add puts the patch: `file`, else the base name of `source`."""
    return overlay.file or posixpath.basename(overlay.source)


def open_spec(data: bytes, name: str) -> Spec:
    if Spec.has_line_too_long(data):
        # azldev's line scanner stops there ("token too long"), so azldev fails too.
        raise OverlayFailure(
            f"failed to read spec `{name}`: a line is {GO_MAX_LINE // 1024} KiB or longer"
        )
    return Spec.parse(data)


_NO_MULTILINE = re.compile(r"\(\?[^):]*-[^):]*m")


def candidate_lines(pattern: str, lines: list[str]) -> set[int] | None:
    """Lines a line-by-line search could match in, found with one search of the whole text.

    A match inside one line is also a match in the joined text once `^`/`$` match at line
    breaks (`(?m)`), so lines that no match of the joined text touches cannot match.  None
    (search every line) when that reasoning does not hold: `\\A`, `\\z`, `(?-m)`, or text
    that is not UTF-8.
    """
    if "\\A" in pattern or "\\z" in pattern or _NO_MULTILINE.search(pattern):
        return None
    try:
        data = "\n".join(lines).encode("utf-8")
        wide = compile_regex(f"(?m:{pattern})")
    except (UnicodeEncodeError, RegexError):
        return None
    # Lines may hold a newline an earlier edit wrote into them, so split the bytes.
    starts = [0, *itertools.accumulate(len(part) + 1 for part in data.split(b"\n"))][:-1]
    found: set[int] = set()
    for match in wide.finditer(data):
        first = bisect.bisect_right(starts, match.start()) - 1
        last = bisect.bisect_right(starts, match.end()) - 1
        found.update(range(first, last + 1))
    return found


def apply(overlay: Overlay, spec: Spec) -> None:
    """Apply one spec overlay in place; OverlayFailure when azldev would refuse it."""
    try:
        _dispatch(overlay, spec)
    except SpecEditError as exc:
        raise OverlayFailure(str(exc)) from None
    spec.changed()  # azldev writes the spec back after every successful spec overlay


def _dispatch(o: Overlay, spec: Spec) -> None:
    kind = o.type
    if kind == "spec-add-tag":
        edit.add_tag(spec, o.package, o.tag, o.value)
    elif kind == "spec-insert-tag":
        edit.insert_tag(spec, o.package, o.tag, o.value)
    elif kind == "spec-update-tag":
        edit.update_tag(spec, o.package, o.tag, o.value)
    elif kind == "spec-set-tag":
        edit.set_tag(spec, o.package, o.tag, o.value)
    elif kind == "spec-remove-tag":
        edit.remove_tag(spec, o.package, o.tag, o.value)
    elif kind == "spec-prepend-lines":
        if o.section:
            edit.prepend_to_section(spec, o.section, o.package, list(o.lines))
        else:
            edit.prepend_lines(spec, list(o.lines))
    elif kind == "spec-append-lines":
        if o.section:
            edit.append_to_section(spec, o.section, o.package, list(o.lines))
        else:
            edit.append_lines(spec, list(o.lines))
    elif kind == "spec-search-replace":
        try:
            regex = compile_overlay_regex(o.regex)
        except RegexError as exc:
            raise OverlayFailure(str(exc)) from None
        replacement = o.replacement
        edit.search_replace(
            spec,
            o.section,
            o.package,
            lambda line: replace_all_text(regex, line, replacement),
            o.regex,
            candidate_lines(o.regex, spec.lines),
        )
    elif kind == "spec-remove-section":
        edit.remove_section(spec, o.section, o.package)
    elif kind == "spec-remove-subpackage":
        edit.remove_subpackage(spec, o.package)
    elif kind == "patch-add":
        edit.add_patch_entry(spec, o.package, patch_file_name(o))
    elif kind == "patch-remove":
        try:
            glob.check(o.file)
        except glob.GlobError as exc:
            raise OverlayFailure(str(exc)) from None
        edit.remove_patch_entries(spec, lambda value: glob.match(o.file, value), o.file)
    else:  # pragma: no cover - callers dispatch only SPEC_TYPES here
        raise OverlayFailure(f"invalid overlay type `{kind}`")
