"""The rules of what needs attention: a deviation's severities, a component's status,
whether a deviation is documented, and the label of one that is not.

One rule each, used by the importer and the sync (which store what they compute), the
read side (whose SQL conditions tests hold equal to these functions over every
combination) and the history (the documented share through time).  No Django.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from typing import Any

from deviations.vocabulary import ReviewState, Severity, Verdict


def documented(description: str, comment: str, reason: str, metadata: Any) -> bool:
    """A deviation that says why: a description, a TOML comment, a reason field or metadata
    (Azure Linux's rule: every overlay has a description)."""
    return bool(
        (description or "").strip() or (comment or "").strip() or (reason or "").strip() or metadata
    )


def severities(
    *,
    verdict_at_pin: str,
    verdict_at_tip: str,
    review_state: str,
    obsolete: bool,
    documented: bool,
) -> tuple[Severity, ...]:
    """Every severity a deviation is in, worst first; `(Severity.OK,)` when none.

    - broken now: it fails at the pinned commit;
    - breaks on rebase: it applies at the pin (a change or a no-op) and fails at the tip;
    - stale approval: a decision on it lapsed (review state stale);
    - needs review: nobody has decided yet;
    - no-op / obsolete candidate: the sync flagged it obsolete, or it is a no-op at the
      pin or at the tip;
    - undocumented: no description, comment, reason or metadata.
    """
    found: list[Severity] = []
    if verdict_at_pin == Verdict.FAILED:
        found.append(Severity.BROKEN_NOW)
    if verdict_at_pin in (Verdict.APPLIED, Verdict.NOOP) and verdict_at_tip == Verdict.FAILED:
        found.append(Severity.BREAKS_ON_REBASE)
    if review_state == ReviewState.STALE:
        found.append(Severity.STALE_APPROVAL)
    if review_state == ReviewState.NEEDS_REVIEW:
        found.append(Severity.NEEDS_REVIEW)
    if obsolete or Verdict.NOOP in (verdict_at_pin, verdict_at_tip):
        found.append(Severity.OBSOLETE_CANDIDATE)
    if not documented:
        found.append(Severity.UNDOCUMENTED)
    return tuple(found) or (Severity.OK,)


def worst(found: Iterable[Severity]) -> Severity:
    """The most urgent of `found` (OK when empty)."""
    return min(found, key=lambda s: s.rank, default=Severity.OK)


def sync_problem(*, error_kind: str, render_ok: bool) -> bool:
    """A component whose sync failed, or whose overlays could not be rendered."""
    return bool(error_kind) or not render_ok


def component_status(
    deviation_severities: Iterable[Iterable[Severity]], *, error_kind: str, render_ok: bool
) -> Severity:
    """A component's status: its worst deviation, or its sync problem (render failures
    included) when that is worse."""
    found = [s for each in deviation_severities for s in each]
    if sync_problem(error_kind=error_kind, render_ok=render_ok):
        found.append(Severity.SYNC_PROBLEM)
    return worst(found)


# --- labels -----------------------------------------------------------------------

LABEL_PART = 40  # characters of one parameter a label shows; longer ones lose their middle
_SPACE = re.compile(r"\s+")
# Per overlay type, the parameters that say what it does, in the order a label shows them.
_PARAMETERS: dict[str, tuple[str, ...]] = {
    "spec-remove-section": ("section",),
    "spec-remove-subpackage": ("package",),
    "spec-prepend-lines": ("section", "lines"),
    "spec-append-lines": ("section", "lines"),
    "spec-search-replace": ("section", "regex"),
    "file-search-replace": ("file", "regex"),
    "file-prepend-lines": ("file", "lines"),
    "file-rename": ("file", "replacement"),
    "patch-remove": ("file",),
    "file-remove": ("file",),
}


def shorten(text: str, limit: int = LABEL_PART) -> str:
    """`text` on one line, at most `limit` characters: a longer one keeps its start and its
    end (a file's extension), with "…" for the middle."""
    text = _SPACE.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    tail = max(limit // 4, 6)
    return f"{text[: limit - tail - 1]}…{text[-tail:]}"


def _parameter(content: Mapping[str, Any], name: str) -> str:
    value = content.get(name)
    if isinstance(value, list | tuple):
        value = next((str(line) for line in value if str(line).strip()), "")
    if not isinstance(value, str) or not value.strip():
        return ""
    if name == "source":
        value = PurePosixPath(value).name
    return shorten(value)


def overlay_label(content: Mapping[str, Any]) -> str:
    """What an overlay does, from its type and parameters, for a list that has no
    description to show: `file-add IMPROVEMENT-use-….patch`, `spec-remove-tag
    BuildRequires: xen-devel`.  "" when the content names no type."""
    kind = content.get("type")
    if not isinstance(kind, str) or not kind:
        return ""
    if kind.startswith("spec-") and kind.endswith("-tag"):
        tag, value = _parameter(content, "tag"), _parameter(content, "value")
        what = f"{tag}: {value}" if tag and value else tag or value
        return f"{kind} {what}".strip()
    if kind in ("file-add", "patch-add"):
        # The file it adds names it; the source is mostly the same name.
        return f"{kind} {_parameter(content, 'file') or _parameter(content, 'source')}".strip()
    parts = [_parameter(content, name) for name in _PARAMETERS.get(kind, ("file", "section"))]
    if kind == "file-rename":
        return f"{kind} {' → '.join(p for p in parts if p)}".strip()
    return " ".join([kind, *(p for p in parts if p)])
