"""Fedora dist-git (Pagure, API 0): pull requests and commits.

`GET {base}/api/0/rpms/<pkg>/pull-request/<n>?comments=0` answers the request with its
`status` ("Open", "Merged", "Closed"), `closed_at` (epoch seconds) and target `branch`;
`GET {base}/api/0/rpms/<pkg>/c/<sha>/info` the commit (`hash`, `commit_time`,
`message`).  A missing one is a 404 with `{"error": ..., "error_code": "ENOREQ"}`.
"""

from __future__ import annotations

from .client import Answer
from .links import Link, LinkKind
from .questions import Outcome, Question, api_base, each, first_line, malformed
from .states import LinkState, State, parse_time, text

STATUSES = {"open": State.OPEN, "merged": State.MERGED, "closed": State.CLOSED}


def questions(base: str, links: list[Link]) -> list[Question]:
    out = []
    for link in links:
        root = f"{api_base(base)}/api/0/{link.project}"
        if link.kind == LinkKind.PULL_REQUEST:
            out.append(Question(f"{root}/pull-request/{link.number}?comments=0", (link,), read))
        elif link.kind == LinkKind.COMMIT:
            out.append(Question(f"{root}/c/{link.sha}/info", (link,), read))
    return out


def read(answer: Answer, links: tuple[Link, ...]) -> dict[str, Outcome]:
    data = answer.data
    if answer.status in (404, 410):
        error = text(data.get("error"), 200) if isinstance(data, dict) else ""
        return each(links, LinkState(State.NOT_FOUND, detail=error or f"HTTP {answer.status}"))
    if not isinstance(data, dict):
        return each(links, malformed(answer, "an object"))
    if links[0].kind == LinkKind.COMMIT:
        if not isinstance(data.get("hash"), str):
            return each(links, malformed(answer, "a commit"))
        return each(
            links,
            LinkState(
                State.PRESENT,
                title=first_line(data.get("message")),
                changed_at=parse_time(data.get("commit_time")),
                facts={"sha": data["hash"]},
            ),
        )
    status = text(data.get("status"), 40)
    if status.lower() not in STATUSES:
        return each(links, malformed(answer, "a pull request"))
    state = STATUSES[status.lower()]
    when = data.get("closed_at") if state != State.OPEN else data.get("last_updated")
    return each(
        links,
        LinkState(
            state,
            title=text(data.get("title"), 300),
            detail=status,
            changed_at=parse_time(when),
            release=text(data.get("branch"), 100),
        ),
    )
