"""GitHub (REST API v3): pull requests, issues and commits.

`GET {api}/repos/<owner>/<repo>/pulls/<n>` (`state`, `merged_at`, `closed_at`,
`milestone`, `base.ref`), `.../issues/<n>` (`state`, `state_reason`, `closed_at`; an
issue that is a pull request carries `pull_request.merged_at`) and `.../commits/<sha>`
(`sha`, `commit.committer.date`, `commit.message`).  A token, when given, is sent as
`Authorization: Bearer ...`: 5,000 requests an hour instead of 60, and answers of
304 (conditional requests) do not count against either.
"""

from __future__ import annotations

from typing import Any

from .client import Answer
from .links import Link, LinkKind
from .questions import Outcome, Question, api_base, each, first_line, malformed
from .states import LinkState, State, parse_time, text

HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}


def questions(base: str, links: list[Link]) -> list[Question]:
    out = []
    for link in links:
        root = f"{api_base(base)}/repos/{link.project}"
        if link.kind == LinkKind.PULL_REQUEST:
            url = f"{root}/pulls/{link.number}"
        elif link.kind == LinkKind.ISSUE:
            url = f"{root}/issues/{link.number}"
        elif link.kind == LinkKind.COMMIT:
            url = f"{root}/commits/{link.sha}"
        else:
            continue
        out.append(Question(url, (link,), read, HEADERS))
    return out


def _milestone(data: dict[str, Any]) -> str:
    milestone = data.get("milestone")
    return text(milestone.get("title"), 100) if isinstance(milestone, dict) else ""


def pull_state(data: dict[str, Any]) -> LinkState:
    merged_at = data.get("merged_at")
    if merged_at is None and isinstance(data.get("pull_request"), dict):
        merged_at = data["pull_request"].get("merged_at")
    if data.get("state") == "open":
        state, when = State.OPEN, data.get("updated_at")
    elif merged_at or data.get("merged") is True:
        state, when = State.MERGED, merged_at
    else:
        state, when = State.CLOSED, data.get("closed_at")
    base = data.get("base")
    branch = text(base.get("ref"), 100) if isinstance(base, dict) else ""
    return LinkState(
        state,
        title=text(data.get("title"), 300),
        detail=str(state),
        changed_at=parse_time(when),
        release=_milestone(data) or branch,
    )


def issue_state(data: dict[str, Any]) -> LinkState:
    if isinstance(data.get("pull_request"), dict):
        return pull_state(data)
    reason = text(data.get("state_reason"), 40)
    if data.get("state") == "open":
        state, when = State.OPEN, data.get("updated_at")
    else:
        state = State.FIXED if reason == "completed" else State.CLOSED
        when = data.get("closed_at")
    return LinkState(
        state,
        title=text(data.get("title"), 300),
        detail=f"{data.get('state')} {reason}".strip(),
        changed_at=parse_time(when),
        release=_milestone(data),
    )


def read(answer: Answer, links: tuple[Link, ...]) -> dict[str, Outcome]:
    data = answer.data
    if answer.status in (404, 410):
        message = text(data.get("message"), 200) if isinstance(data, dict) else ""
        return each(links, LinkState(State.NOT_FOUND, detail=message or f"HTTP {answer.status}"))
    if not isinstance(data, dict):
        return each(links, malformed(answer, "an object"))
    kind = links[0].kind
    if kind == LinkKind.COMMIT:
        commit = data.get("commit")
        if not isinstance(data.get("sha"), str) or not isinstance(commit, dict):
            return each(links, malformed(answer, "a commit"))
        committer = commit.get("committer")
        if not isinstance(committer, dict):
            committer = {}
        return each(
            links,
            LinkState(
                State.PRESENT,
                title=first_line(commit.get("message")),
                changed_at=parse_time(committer.get("date")),
                facts={"sha": data["sha"]},
            ),
        )
    if data.get("state") not in ("open", "closed"):
        return each(links, malformed(answer, "a pull request or issue"))
    return each(links, pull_state(data) if kind == LinkKind.PULL_REQUEST else issue_state(data))
