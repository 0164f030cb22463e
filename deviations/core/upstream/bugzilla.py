"""Red Hat Bugzilla: bug states through the REST API, many bugs per request.

`GET {base}/rest/bug?id=1,2,3&include_fields=...` is Bugzilla's bug search with ids as
the terms: it answers `{"bugs": [...], "faults": []}` with the bugs that exist and are
public, so a missing or private bug is simply absent (never an error for the batch).
"""

from __future__ import annotations

from .client import Answer, ErrorKind, UpstreamError
from .links import Link
from .questions import Outcome, Question, api_base, each, malformed
from .states import LinkState, State, parse_time, text

BATCH = 100  # bug ids per request (the URL stays well under 2 kB)
FIELDS = "id,status,resolution,summary,last_change_time,is_open,cf_fixed_in,dupe_of"
# Resolutions of a closed bug that mean "fixed" (Red Hat Bugzilla's, and the stock FIXED).
FIXED = frozenset({"ERRATA", "CURRENTRELEASE", "NEXTRELEASE", "RAWHIDE", "UPSTREAM", "FIXED"})
CLOSED_STATUSES = frozenset({"CLOSED", "RESOLVED"})


def questions(base: str, links: list[Link]) -> list[Question]:
    numbers = sorted({link.number for link in links if link.number is not None})
    by_number: dict[int, list[Link]] = {}
    for link in links:
        if link.number is not None:
            by_number.setdefault(link.number, []).append(link)
    out = []
    for start in range(0, len(numbers), BATCH):
        batch = numbers[start : start + BATCH]
        ids = ",".join(str(n) for n in batch)
        url = f"{api_base(base)}/rest/bug?id={ids}&include_fields={FIELDS}"
        out.append(Question(url, tuple(link for n in batch for link in by_number[n]), read))
    return out


def state_of(bug: dict[str, object]) -> LinkState:
    status = text(bug.get("status"), 40).upper()
    resolution = text(bug.get("resolution"), 40).upper()
    closed = bug.get("is_open") is False or status in CLOSED_STATUSES
    detail = f"{status} {resolution}".strip()
    if not closed:
        state = State.OPEN
    elif resolution in FIXED:
        state = State.FIXED
    else:
        state = State.CLOSED
        if resolution == "DUPLICATE" and isinstance(bug.get("dupe_of"), int):
            detail += f" of #{bug['dupe_of']}"
    fixed_in = bug.get("cf_fixed_in")
    return LinkState(
        state,
        title=text(bug.get("summary"), 300),
        detail=detail,
        changed_at=parse_time(bug.get("last_change_time")),
        release=text(fixed_in, 200) if state == State.FIXED else "",
    )


def read(answer: Answer, links: tuple[Link, ...]) -> dict[str, Outcome]:
    data = answer.data
    if answer.status in (404, 410):
        return each(
            links, UpstreamError(ErrorKind.NOT_FOUND, f"{answer.url}: HTTP {answer.status}")
        )
    if not isinstance(data, dict) or not isinstance(data.get("bugs"), list):
        if isinstance(data, dict) and data.get("error"):
            message = text(data.get("message"), 300) or "an error"
            return each(links, UpstreamError(ErrorKind.FAILED, f"Bugzilla says: {message}"))
        return each(links, malformed(answer, "a bug list"))
    found: dict[int, LinkState] = {}
    for bug in data["bugs"]:
        if isinstance(bug, dict) and isinstance(bug.get("id"), int):
            found[bug["id"]] = state_of(bug)
    out: dict[str, Outcome] = {}
    for link in links:
        if link.number in found:
            out[link.url] = found[link.number]
        else:
            out[link.url] = LinkState(State.NOT_FOUND, detail="no such public bug")
    return out
