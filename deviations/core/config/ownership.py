"""What the config proposes about who owns a deviation and until when it may stay.

azldev has no owner or due-date field yet; teams write them down anyway, so azldrift reads
the forms in use and the obvious metadata keys:

- metadata keys `owner` and `remove-by` (also `due-date`, `expires`), as a later azldev
  may add them;
- TOML comment lines `# Owner: jdoe@example.com` and `# Remove by: 2026-12-31` (also
  `Due:` / `Expires:`), case-insensitive, anywhere in the comment above the deviation.

A date is ISO 8601 (`YYYY-MM-DD`); anything else is reported, not guessed.  Metadata
wins over a comment line when both say something.  Plain Python: the import turns a
proposal into records (deviations.domain.ownership).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

OWNER_KEYS = ("owner",)
DUE_KEYS = ("remove-by", "due-date", "expires")
_OWNER_LINE = re.compile(r"^\s*#*\s*owner\s*:\s*(?P<value>\S.*?)\s*$", re.I | re.M)
_DUE_LINE = re.compile(
    r"^\s*#*\s*(?:remove[ -]by|due(?:[ -]date)?|expires)\s*:\s*(?P<value>\S.*?)\s*$", re.I | re.M
)
MAX_OWNER = 255


@dataclass(frozen=True)
class Proposal:
    """Who and until when, as the config says ("" / None: it says nothing)."""

    owner: str = ""
    due_date: dt.date | None = None
    problems: tuple[str, ...] = ()


def _date(value: Any) -> dt.date | str:
    """The date `value` names, or why it names none."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):  # TOML's local date
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10]) if len(text) >= 10 else dt.date.fromisoformat(text)
    except ValueError:
        return f"not a date (YYYY-MM-DD): {text[:60]!r}"


def propose(metadata: Mapping[str, Any] | None, comment: str = "") -> Proposal:
    """The owner and due date a deviation's metadata and comment propose."""
    metadata = metadata or {}
    problems: list[str] = []
    owner = next((str(metadata[k]).strip() for k in OWNER_KEYS if metadata.get(k)), "")
    if not owner and (found := _OWNER_LINE.search(comment or "")):
        owner = found["value"]
    raw_due: Any = next((metadata[k] for k in DUE_KEYS if metadata.get(k)), None)
    if raw_due is None and (found := _DUE_LINE.search(comment or "")):
        raw_due = found["value"]
    due: dt.date | None = None
    if raw_due is not None:
        parsed = _date(raw_due)
        if isinstance(parsed, str):
            problems.append(f"due date {parsed}")
        else:
            due = parsed
    return Proposal(owner=owner[:MAX_OWNER], due_date=due, problems=tuple(problems))
