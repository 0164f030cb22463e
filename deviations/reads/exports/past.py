"""The exports of the record through time: the deviations and components as they stood at a
point (`as_of`), with exactly today's columns, and what changed between two points.

Rows come from deviations.reads.history (a few hundred to a few thousand: the config's
deviations at one commit), so they are formatted in Python, cell by cell, with the same
cell rules as every export (cells.py).  Columns that only describe the latest state
(sync: pin, tip, verdicts, obsolete; upstream suggestions; the component's effective
upstream, which the replay does not keep) are empty in the past.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from deviations.core.severity import overlay_label
from deviations.reads import history
from deviations.reads.exports.cells import ExportError, _cell, _json, _refs, iso
from deviations.reads.exports.datasets import COMPONENT_COLUMNS, DEVIATION_COLUMNS
from deviations.vocabulary import DeviationKind
from deviations.vocabulary.reviews import OPEN

# Deviations columns that describe only the latest state: empty in the past.
LATEST_ONLY = (
    "pinned_commit",
    "tip_commit",
    "commits_behind",
    "verdict_at_pin",
    "verdict_at_tip",
    "obsolete",
    "obsolete_reason",
    "suggested_upstream_status",
    "severity",
    "severities",
)

CHANGE_COLUMNS = (
    "record",  # deviation, component or review
    "change",  # added / changed / removed; became-customized / became-plain; the decision
    "component",
    "deviation_id",
    "key",
    "kind",
    "fields",  # the fields that changed, one per line
    "before",  # JSON of those fields (the whole deviation when removed)
    "after",  # likewise (the whole deviation when added)
    "commits",  # the commits responsible, one per line
    "authors",  # their authors (name <email>), one per line
    "deviations_before",
    "deviations_after",
    "decided_at",
    "reviewer",
    "comment",
)


def _line(cells: list[str]) -> str:
    return ",".join(cells) + "\r\n"


def _header(columns: tuple[str, ...]) -> str:
    return _line(list(columns))


def _person(name: str, email: str) -> str:
    return f"{name} <{email}>" if email else name


def _lines(start: int, end: int) -> str:
    if not start:
        return ""
    return str(start) if end in (0, start) else f"{start}-{end}"


def _parameters(content: Mapping[str, Any]) -> str:
    shown = {k: v for k, v in content.items() if k != "type"}
    return _cell(_json(shown)) if shown else ""


def deviation_lines(rows: list[history.PastDeviation]) -> Iterator[str]:
    """Today's deviations columns, one line per deviation in force at the point."""
    yield _header(DEVIATION_COLUMNS)
    for row in rows:
        span = row.span
        review = row.review.review
        intro, changed = span.introduced_commit, span.changed_commit
        cells = {
            "component": _cell(span.component_name),
            "deviation_id": str(row.deviation_id or ""),
            "key": _cell(row.key),
            "kind": _cell(span.kind),
            "overlay_type": _cell(span.overlay_type),
            "parameters": _parameters(span.content or {}),
            "category": _cell(span.category),
            "upstream_status": _cell(span.upstream_status),
            "description": _cell(span.description),
            "justification_notes": _cell(row.notes),
            "toml_comment": _cell(span.comment),
            "reason": _cell(span.reason),
            "reference_commits": _cell(_refs(span.metadata, "commits")),
            "reference_bugs": _cell(_refs(span.metadata, "bugs")),
            "config_file": _cell(span.config_file),
            "config_lines": _lines(span.line_start, span.line_end),
            "introduced_commit": intro.sha,
            "introduced_author": _cell(_person(intro.author_name, intro.author_email)),
            "introduced_at": iso(intro.authored_at),
            "changed_commit": changed.sha,
            "changed_author": _cell(_person(changed.author_name, changed.author_email)),
            "changed_at": iso(changed.authored_at),
            "review_state": row.review.state.value,
            "reviewed_by": _cell(review.reviewer.username) if review else "",
            "reviewed_at": iso(review.created_at) if review else "",
            "review_decision": _cell(review.decision) if review else "",
            "review_comment": _cell(review.comment) if review else "",
            "fingerprint": span.fingerprint,
            "version": str(row.version or ""),
            "removed": "false",
            "documented": "true" if span.documented else "false",
            "label": _cell(overlay_label(span.content or {}))
            if span.kind == DeviationKind.OVERLAY
            else "",
        }
        yield _line([cells.get(column, "") for column in DEVIATION_COLUMNS])


def component_lines(rows: list[history.PastComponent]) -> Iterator[str]:
    """Today's components columns, one line per component in the config at the point."""
    yield _header(COMPONENT_COLUMNS)
    for comp in rows:
        cells = {
            "component": _cell(comp.name),
            "deviations": str(comp.deviations),
            "deviation_kinds": _cell(
                "; ".join(f"{kind} {n}" for kind, n in sorted(comp.kinds.items()))
            ),
            "needs_review": str(sum(comp.states.get(state.value, 0) for state in OPEN)),
            "approved": str(comp.states.get("approved", 0)),
            "removed": "false",
        }
        yield _line([cells.get(column, "") for column in COMPONENT_COLUMNS])


def change_lines(found: history.Changes) -> Iterator[str]:
    """What changed between the two points, one line per deviation, component and decision."""
    yield _header(CHANGE_COLUMNS)
    history.responsible(found, found.deviations)
    for change in found.deviations:
        if change.fields:
            names = [name for name, _, _ in change.fields]
            before = {name: _loads(old) for name, old, _ in change.fields}
            after = {name: _loads(new) for name, _, new in change.fields}
        else:
            names = []
            before = history.span_json(change.before) or {}
            after = history.span_json(change.after) or {}
        cells = {
            "record": "deviation",
            "change": change.change.value,
            "component": _cell(change.component),
            "deviation_id": str(change.deviation_id or ""),
            "key": _cell(change.key),
            "kind": _cell(change.kind),
            "fields": _cell("\n".join(names)),
            "before": _cell(_json(before)) if before else "",
            "after": _cell(_json(after)) if after else "",
            "commits": _cell("\n".join(c.sha for c in change.commits)),
            "authors": _cell("\n".join(_person(c.author, c.email) for c in change.commits)),
        }
        yield _line([cells.get(column, "") for column in CHANGE_COLUMNS])
    for comp in found.components:
        cells = {
            "record": "component",
            "change": "became-customized" if comp.customized else "became-plain",
            "component": _cell(comp.name),
            "deviations_before": str(comp.before),
            "deviations_after": str(comp.after),
        }
        yield _line([cells.get(column, "") for column in CHANGE_COLUMNS])
    for review in found.reviews:
        cells = {
            "record": "review",
            "change": _cell(review.decision),
            "component": _cell(review.deviation.component.name),
            "deviation_id": str(review.deviation_id),
            "key": _cell(review.deviation.key),
            "kind": _cell(review.deviation.kind),
            "decided_at": iso(review.created_at),
            "reviewer": _cell(review.reviewer.username),
            "comment": _cell(review.comment),
        }
        yield _line([cells.get(column, "") for column in CHANGE_COLUMNS])


def _loads(text: str) -> Any:
    """A field's text as the JSON value it was (content and metadata), else the text."""
    if text[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def past_lines(name: str, asked: str, params: Mapping[str, Any]) -> list[str]:
    """The lines of export `name` as the record stood at `asked` (ExportError if it cannot)."""
    if name not in ("deviations", "components"):
        raise ExportError(
            f"as_of applies to the deviations and components exports, not {name}",
            {"as_of": [f"not available for the {name} export"]},
        )
    try:
        asof = history.resolve(asked)
    except history.AsOfError as error:
        raise ExportError(f"as_of: {error}", {"as_of": [str(error)]}) from None
    if name == "deviations":
        devs, unsupported = history.deviations_at(asof, params, notes=True)
        lines = list(deviation_lines(devs))
    else:
        comps, unsupported = history.components_at(asof, params)
        lines = list(component_lines(comps))
    if unsupported:
        shown = ", ".join(unsupported)
        raise ExportError(
            f"these filters describe only the latest state and do not apply with as_of: {shown}",
            {key: ["not available in the past (latest state only)"] for key in unsupported},
        )
    return lines


def changes_between(params: Mapping[str, Any]) -> history.Changes:
    """The changes between `from` and `to` (ExportError naming what is wrong)."""
    errors: dict[str, list[str]] = {}
    points = []
    for key in ("from", "to"):
        asked = str(params.get(key) or "").strip()
        if not asked:
            errors[key] = ["required: a date (YYYY-MM-DD), a config commit or import-N"]
            continue
        try:
            points.append(history.resolve(asked))
        except history.AsOfError as error:
            errors[key] = [str(error)]
    if errors:
        shown = "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items())
        raise ExportError(f"invalid points for the changes: {shown}", errors)
    return history.changes(points[0], points[1])
