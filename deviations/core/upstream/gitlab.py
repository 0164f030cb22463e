"""GitLab (API v4): merge requests, issues and commits.

`GET {base}/api/v4/projects/<url-encoded path>/merge_requests/<iid>` (`state`: opened,
closed, locked, merged; `merged_at`, `closed_at`, `milestone`, `target_branch`),
`.../issues/<iid>` (`state`: opened, closed) and `.../repository/commits/<sha>` (`id`,
`committed_date`, `title`).  gitlab.com is asked through the configured base; another
GitLab (`gitlab.gnome.org`, ...) through its own host.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .client import Answer
from .links import GITLAB_HOST, Link, LinkKind
from .questions import Outcome, Question, api_base, each, malformed
from .states import LinkState, State, parse_time, text

STATES = {"opened": State.OPEN, "locked": State.OPEN, "merged": State.MERGED}


def questions(base: str, links: list[Link]) -> list[Question]:
    out = []
    for link in links:
        host_base = api_base(base) if link.host == GITLAB_HOST else f"https://{link.host}"
        root = f"{host_base}/api/v4/projects/{quote(link.project, safe='')}"
        if link.kind == LinkKind.MERGE_REQUEST:
            url = f"{root}/merge_requests/{link.number}"
        elif link.kind == LinkKind.ISSUE:
            url = f"{root}/issues/{link.number}"
        elif link.kind == LinkKind.COMMIT:
            url = f"{root}/repository/commits/{link.sha}"
        else:
            continue
        out.append(Question(url, (link,), read))
    return out


def _state(data: dict[str, Any], kind: LinkKind) -> LinkState:
    raw = text(data.get("state"), 40)
    if raw == "closed":
        state = State.CLOSED if kind == LinkKind.MERGE_REQUEST else State.FIXED
    else:
        state = STATES[raw]
    when = {
        State.MERGED: data.get("merged_at"),
        State.CLOSED: data.get("closed_at"),
        State.FIXED: data.get("closed_at"),
    }.get(state, data.get("updated_at"))
    milestone = data.get("milestone")
    release = text(milestone.get("title"), 100) if isinstance(milestone, dict) else ""
    if not release and state == State.MERGED:
        release = text(data.get("target_branch"), 100)
    return LinkState(
        state,
        title=text(data.get("title"), 300),
        detail=raw,
        changed_at=parse_time(when),
        release=release,
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
        if not isinstance(data.get("id"), str):
            return each(links, malformed(answer, "a commit"))
        return each(
            links,
            LinkState(
                State.PRESENT,
                title=text(data.get("title"), 300),
                changed_at=parse_time(data.get("committed_date")),
                facts={"sha": data["id"]},
            ),
        )
    if data.get("state") not in ("opened", "closed", "locked", "merged"):
        return each(links, malformed(answer, "a merge request or issue"))
    return each(links, _state(data, kind))
