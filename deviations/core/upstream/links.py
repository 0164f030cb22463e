"""Upstream references in a deviation's justification, found and recognised.

A deviation points upstream in its metadata (`commits`, `bugs`), and in free text: its
description, the TOML comment above it and its reason field ("Upstream PR:
https://github.com/...", "(rhbz#2433875)").  `references()` finds them all, in that
order, once each; `recognise()` says what a URL names:

- Red Hat Bugzilla bugs: `https://bugzilla.redhat.com/show_bug.cgi?id=N`, the short
  `https://bugzilla.redhat.com/N`, and `rhbz#N` in text;
- Fedora dist-git (Pagure) pull requests and commits:
  `https://src.fedoraproject.org/rpms/P/pull-request/N`, `.../rpms/P/c/SHA`;
- GitHub pull requests, issues and commits (`/owner/repo/pull/N`, `/issues/N`,
  `/commit/SHA`);
- GitLab merge requests, issues and commits (`/group/project/-/merge_requests/N`,
  `/-/issues/N`, `/-/commit/SHA`) on gitlab.com and on hosts named `gitlab.*`.

Anything else is kept as a plain link (kind `link`): shown, never asked about.  A
recognised link is stored under its canonical public URL (https, no fragment or
tracking query), so the same bug written two ways is one link.  Pure Python: no Django.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qs, urlsplit


class Service(StrEnum):
    BUGZILLA = "bugzilla"
    PAGURE = "pagure"
    GITHUB = "github"
    GITLAB = "gitlab"
    WEB = "web"  # any other host: a plain link


class LinkKind(StrEnum):
    BUG = "bug"
    PULL_REQUEST = "pull-request"
    MERGE_REQUEST = "merge-request"
    ISSUE = "issue"
    COMMIT = "commit"
    LINK = "link"  # not asked about


class Source(StrEnum):
    """Where in the deviation a reference was written."""

    COMMITS = "metadata-commits"
    BUGS = "metadata-bugs"
    DESCRIPTION = "description"
    COMMENT = "comment"
    REASON = "reason"


BUGZILLA_HOST = "bugzilla.redhat.com"
PAGURE_HOST = "src.fedoraproject.org"
GITHUB_HOST = "github.com"
GITLAB_HOST = "gitlab.com"
MAX_URL = 2000

_URL = re.compile(r"https?://[^\s<>\"'`\]\[{}|\\^]+", re.IGNORECASE)
_RHBZ = re.compile(r"\brhbz\s?#\s?(\d{1,9})\b", re.IGNORECASE)
_TRAILING = ".,;:!?'\""
_SHA = r"[0-9a-fA-F]{7,40}"
_PAGURE_NS = r"(?:rpms|modules|container|flatpaks|tests)"
_PAGURE_PR = re.compile(
    rf"^/(?P<ns>{_PAGURE_NS})/(?P<repo>[A-Za-z0-9._+-]+)/pull-request/(?P<n>\d+)"
)
_PAGURE_COMMIT = re.compile(
    rf"^/(?P<ns>{_PAGURE_NS})/(?P<repo>[A-Za-z0-9._+-]+)/c/(?P<sha>{_SHA})/?$"
)
_GITHUB = re.compile(
    r"^/(?P<owner>[A-Za-z0-9_.-]+)/(?P<repo>[A-Za-z0-9_.-]+)/"
    rf"(?:(?P<kind>pull|issues)/(?P<n>\d+)|commit/(?P<sha>{_SHA}))(?:[/?#].*)?$"
)
_GITLAB = re.compile(
    r"^/(?P<project>[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+?)/(?:-/)?"
    rf"(?:(?P<kind>merge_requests|issues)/(?P<n>\d+)|commit/(?P<sha>{_SHA}))(?:[/?#].*)?$"
)


@dataclass(frozen=True)
class Link:
    """What a URL names: the service, the kind of thing, and how to ask about it."""

    url: str  # canonical public URL (what pages show and links are keyed by)
    service: Service
    kind: LinkKind
    host: str = ""
    project: str = ""  # "rpms/curl", "owner/repo", "group/sub/project"
    number: int | None = None  # bug, pull/merge request or issue number
    sha: str = ""  # a commit id as written (7-40 hex), lower case

    @property
    def checked(self) -> bool:
        """True when azldrift asks a service about it."""
        return self.kind != LinkKind.LINK


@dataclass(frozen=True)
class Reference:
    """A link as written in one deviation: where, and the line around it."""

    link: Link
    source: Source
    context: str  # the line it was found on, trimmed (shown beside the evidence)


def bugzilla_url(number: int) -> str:
    return f"https://{BUGZILLA_HOST}/show_bug.cgi?id={number}"


def _plain(url: str, host: str) -> Link:
    service = {
        BUGZILLA_HOST: Service.BUGZILLA,
        PAGURE_HOST: Service.PAGURE,
        GITHUB_HOST: Service.GITHUB,
    }.get(host, Service.GITLAB if _is_gitlab(host) else Service.WEB)
    return Link(url, service, LinkKind.LINK, host=host)


def _is_gitlab(host: str) -> bool:
    return host == GITLAB_HOST or host.startswith("gitlab.")


def recognise(url: str) -> Link:
    """What `url` names; a plain link when it is nothing azldrift asks about."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return Link(url, Service.WEB, LinkKind.LINK)
    if parts.scheme.lower() not in ("http", "https") or not host or port not in (None, 443):
        return Link(url, Service.WEB, LinkKind.LINK, host=host)
    path = parts.path
    if host == BUGZILLA_HOST:
        ids = parse_qs(parts.query).get("id", [])
        number = ids[0] if path == "/show_bug.cgi" and ids else path.strip("/")
        if number.isdigit() and 0 < int(number) < 10**9:
            n = int(number)
            return Link(bugzilla_url(n), Service.BUGZILLA, LinkKind.BUG, host, number=n)
    elif host == PAGURE_HOST:
        if found := _PAGURE_PR.match(path):
            project, n = f"{found['ns']}/{found['repo']}", int(found["n"])
            canonical = f"https://{host}/{project}/pull-request/{n}"
            return Link(canonical, Service.PAGURE, LinkKind.PULL_REQUEST, host, project, n)
        if found := _PAGURE_COMMIT.match(path):
            project, sha = f"{found['ns']}/{found['repo']}", found["sha"].lower()
            canonical = f"https://{host}/{project}/c/{sha}"
            return Link(canonical, Service.PAGURE, LinkKind.COMMIT, host, project, sha=sha)
    elif host == GITHUB_HOST:
        if found := _GITHUB.match(path):
            project = f"{found['owner']}/{found['repo']}"
            if found["sha"]:
                sha = found["sha"].lower()
                canonical = f"https://{host}/{project}/commit/{sha}"
                return Link(canonical, Service.GITHUB, LinkKind.COMMIT, host, project, sha=sha)
            n = int(found["n"])
            kind = LinkKind.PULL_REQUEST if found["kind"] == "pull" else LinkKind.ISSUE
            canonical = f"https://{host}/{project}/{found['kind']}/{n}"
            return Link(canonical, Service.GITHUB, kind, host, project, n)
    elif _is_gitlab(host) and (found := _GITLAB.match(path)):
        project = found["project"]
        if found["sha"]:
            sha = found["sha"].lower()
            canonical = f"https://{host}/{project}/-/commit/{sha}"
            return Link(canonical, Service.GITLAB, LinkKind.COMMIT, host, project, sha=sha)
        n = int(found["n"])
        kind = LinkKind.MERGE_REQUEST if found["kind"] == "merge_requests" else LinkKind.ISSUE
        canonical = f"https://{host}/{project}/-/{found['kind']}/{n}"
        return Link(canonical, Service.GITLAB, kind, host, project, n)
    return _plain(url, host)


def _trim(url: str) -> str:
    """A URL found in prose without the punctuation that ends the sentence around it."""
    while url and url[-1] in _TRAILING:
        url = url[:-1]
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1]
    return url


def _context(text: str, start: int, end: int) -> str:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start : line_end if line_end >= 0 else len(text)].strip()
    return line[:300]


def in_text(text: str) -> list[tuple[str, str]]:
    """(URL, the line it is on) for every URL and `rhbz#N` in `text`, in order."""
    found: list[tuple[int, str, str]] = []
    for match in _URL.finditer(text):
        url = _trim(match.group(0))
        if len(url) > len("https://") and len(url) <= MAX_URL:
            found.append((match.start(), url, _context(text, match.start(), match.end())))
    for match in _RHBZ.finditer(text):
        url = bugzilla_url(int(match.group(1)))
        found.append((match.start(), url, _context(text, match.start(), match.end())))
    return [(url, context) for _, url, context in sorted(found, key=lambda item: item[0])]


def _metadata_urls(entries: Any) -> list[tuple[str, str]]:
    """URLs of metadata `commits`/`bugs` entries ({url, title} tables or plain strings)."""
    items = entries if isinstance(entries, list) else []
    out = []
    for item in items:
        url = item.get("url") if isinstance(item, Mapping) else item
        title = item.get("title") if isinstance(item, Mapping) else ""
        if isinstance(url, str) and url.strip():
            out.append((url.strip(), str(title or "")))
    return out


def references(
    *,
    metadata: Mapping[str, Any] | None = None,
    description: str = "",
    comment: str = "",
    reason: str = "",
) -> list[Reference]:
    """Every upstream reference of one deviation, in the order written, each link once."""
    found: list[Reference] = []
    seen: set[str] = set()

    def add(urls: Iterable[tuple[str, str]], source: Source) -> None:
        for url, context in urls:
            link = recognise(url)
            if link.url not in seen:
                seen.add(link.url)
                found.append(Reference(link, source, context))

    metadata = metadata or {}
    add(_metadata_urls(metadata.get("commits")), Source.COMMITS)
    add(_metadata_urls(metadata.get("bugs")), Source.BUGS)
    add(in_text(description), Source.DESCRIPTION)
    add(in_text(comment), Source.COMMENT)
    add(in_text(reason), Source.REASON)
    return found
