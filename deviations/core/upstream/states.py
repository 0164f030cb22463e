"""The live state of an upstream link, as every service module reports it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class State(StrEnum):
    """One vocabulary for bugs, pull/merge requests, issues and commits."""

    OPEN = "open"  # a bug, issue or request still open
    FIXED = "fixed"  # a bug closed as fixed, an issue closed as completed
    MERGED = "merged"  # a pull or merge request merged
    CLOSED = "closed"  # closed without a fix or a merge (not a bug, won't fix, unmerged)
    PRESENT = "present"  # a commit the service has
    NOT_FOUND = "not-found"  # the service says there is no such thing (404, 410)


@dataclass(frozen=True)
class LinkState:
    """What a service said about one link."""

    state: State
    title: str = ""
    detail: str = ""  # the service's own words: "CLOSED ERRATA", "Merged", "not_planned"
    changed_at: dt.datetime | None = None  # when it got there: closed, merged, committed
    release: str = ""  # fixed in (Bugzilla), milestone, target branch
    facts: dict[str, Any] = field(default_factory=dict)  # a few more, kept as JSON

    def as_json(self) -> dict[str, Any]:
        return {
            "state": str(self.state),
            "title": self.title,
            "detail": self.detail,
            "changed_at": self.changed_at.isoformat() if self.changed_at else None,
            "release": self.release,
            **({"facts": self.facts} if self.facts else {}),
        }


def parse_time(value: Any) -> dt.datetime | None:
    """An ISO 8601 time (`...Z` or with an offset) or epoch seconds, as aware UTC."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
            return dt.datetime.fromtimestamp(float(value), dt.UTC)
        if isinstance(value, str):
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.UTC)
            return moment.astimezone(dt.UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return None


def text(value: Any, limit: int = 500) -> str:
    return value[:limit] if isinstance(value, str) else ""
