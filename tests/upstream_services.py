"""Bugzilla, Pagure, GitHub, GitLab and Anitya, spoken by one local HTTPS test server.

Each service lives under a prefix of the `LookasideServer` (`/bugzilla`, `/pagure`,
`/github`, `/gitlab`, `/anitya`) and answers its real API's paths with payloads shaped
as the services document them (Bugzilla REST `/rest/bug?id=`, Pagure API 0, GitHub
REST v3, GitLab v4, Anitya v2), with `ETag`s and `304 Not Modified` for conditional
requests, and GitHub's rate-limit headers.  `faults` make one API path misbehave:
a status (404, 410, 500...), `403` with `Retry-After`, 5xx a number of times then
success, a slow answer, malformed JSON, a redirect to another host, a 50 MB body.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from deviations.core.upstream.ask import Bases
from tests.lookaside_server import LookasideServer, Reply

PREFIXES = ("bugzilla", "pagure", "github", "gitlab", "anitya")


@dataclass
class Fault:
    kind: str  # status, retry-after, fail-first, slow, malformed, redirect, huge
    status: int = 0
    times: int = 1_000_000  # how many answers misbehave before the path answers normally
    seconds: float = 0.0  # slow: delay; retry-after: the header's value
    length: bool = True  # huge: send Content-Length


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest() + '"'


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


@dataclass
class UpstreamServices:
    server: LookasideServer
    bugs: dict[int, dict[str, Any]] = field(default_factory=dict)
    pagure: dict[str, dict[str, Any]] = field(default_factory=dict)  # API path -> JSON
    github: dict[str, dict[str, Any]] = field(default_factory=dict)
    gitlab: dict[str, dict[str, Any]] = field(default_factory=dict)
    anitya: dict[str, dict[str, Any]] = field(default_factory=dict)  # package -> item
    faults: dict[str, Fault] = field(default_factory=dict)  # "/github/repos/..." -> fault
    latency: float = 0.0  # added to every answer (a network's round trip)
    not_modified: int = 0  # 304s sent

    def __post_init__(self) -> None:
        self.server.handlers.append(self.handle)

    @property
    def bases(self) -> Bases:
        url = self.server.url
        return Bases(
            bugzilla=url("/bugzilla"),
            pagure=url("/pagure"),
            github_api=url("/github"),
            gitlab=url("/gitlab"),
            anitya=url("/anitya"),
        )

    # --- data, as each API shows it ----------------------------------------------------

    def add_bug(
        self,
        number: int,
        status: str = "NEW",
        resolution: str = "",
        summary: str = "a bug",
        fixed_in: str = "",
        changed: str = "2026-05-04T10:00:00Z",
    ) -> None:
        self.bugs[number] = {
            "id": number,
            "alias": [],
            "status": status,
            "resolution": resolution,
            "summary": summary,
            "is_open": status != "CLOSED",
            "last_change_time": changed,
            "creation_time": "2026-01-02T03:04:05Z",
            "product": "Fedora",
            "component": ["demo"],
            "cf_fixed_in": fixed_in,
            "dupe_of": None,
            "assigned_to": "maint@fedoraproject.org",
            "keywords": [],
            "see_also": [],
            "priority": "unspecified",
            "severity": "medium",
        }

    def _pagure_project(self, project: str) -> dict[str, Any]:
        namespace, name = project.split("/", 1)
        return {
            "id": 1,
            "name": name,
            "namespace": namespace,
            "fullname": project,
            "url_path": project,
            "description": f"The {name} rpms",
            "date_created": "1431414800",
            "parent": None,
            "user": {"fullname": "Fedora", "name": "releng"},
            "close_status": [],
            "custom_keys": [],
        }

    def add_pagure_pr(
        self, project: str, number: int, status: str = "Open", branch: str = "rawhide"
    ) -> None:
        closed = status != "Open"
        self.pagure[f"/api/0/{project}/pull-request/{number}"] = {
            "id": number,
            "uid": f"{number:032x}",
            "title": f"Pull request {number}",
            "branch": branch,
            "branch_from": "fix",
            "project": self._pagure_project(project),
            "repo_from": None,
            "remote_git": None,
            "date_created": "1767225600",
            "updated_on": "1767312000",
            "last_updated": "1767312000",
            "closed_at": "1767398400" if closed else None,
            "user": {"fullname": "A Packager", "name": "packager"},
            "assignee": None,
            "status": status,
            "commit_start": "a" * 40,
            "commit_stop": "b" * 40,
            "closed_by": {"fullname": "A Packager", "name": "packager"} if closed else None,
            "initial_comment": "",
            "cached_merge_status": "FFORWARD",
            "threshold_reached": None,
            "tags": [],
            "full_url": f"https://src.fedoraproject.org/{project}/pull-request/{number}",
            "comments": [],
        }

    def add_pagure_commit(self, project: str, sha: str, message: str = "Fix it") -> None:
        full = (sha + "0" * 40)[:40]
        self.pagure[f"/api/0/{project}/c/{sha}/info"] = {
            "author": "A Packager",
            "committer": "A Packager",
            "commit_time": 1767225600,
            "commit_time_offset": 0,
            "hash": full,
            "message": message + "\n",
            "parent_ids": ["c" * 40],
            "tree_id": "d" * 40,
        }

    def add_github_pull(
        self, project: str, number: int, state: str = "open", merged: bool = False
    ) -> None:
        self.github[f"/repos/{project}/pulls/{number}"] = {
            "url": f"https://api.github.com/repos/{project}/pulls/{number}",
            "html_url": f"https://github.com/{project}/pull/{number}",
            "number": number,
            "state": state,
            "locked": False,
            "title": f"PR {number}",
            "user": {"login": "octocat", "id": 1},
            "body": "",
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-02-01T00:00:00Z",
            "closed_at": "2026-02-01T00:00:00Z" if state == "closed" else None,
            "merged_at": "2026-02-01T00:00:00Z" if merged else None,
            "merge_commit_sha": "e" * 40 if merged else None,
            "milestone": {"title": "v2.0", "number": 3} if merged else None,
            "draft": False,
            "head": {"ref": "fix", "sha": "f" * 40},
            "base": {"ref": "main", "sha": "0" * 40},
            "merged": merged,
            "mergeable": None,
            "comments": 0,
            "commits": 1,
        }

    def add_github_issue(
        self, project: str, number: int, state: str = "open", reason: str | None = None
    ) -> None:
        self.github[f"/repos/{project}/issues/{number}"] = {
            "url": f"https://api.github.com/repos/{project}/issues/{number}",
            "html_url": f"https://github.com/{project}/issues/{number}",
            "number": number,
            "state": state,
            "state_reason": reason,
            "title": f"Issue {number}",
            "user": {"login": "octocat", "id": 1},
            "labels": [],
            "milestone": None,
            "comments": 2,
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-02-01T00:00:00Z",
            "closed_at": "2026-02-01T00:00:00Z" if state == "closed" else None,
        }

    def add_github_commit(self, project: str, sha: str) -> None:
        full = (sha + "0" * 40)[:40]
        self.github[f"/repos/{project}/commits/{sha}"] = {
            "sha": full,
            "node_id": "C_1",
            "html_url": f"https://github.com/{project}/commit/{full}",
            "commit": {
                "author": {"name": "A", "email": "a@example.org", "date": "2026-01-05T00:00:00Z"},
                "committer": {
                    "name": "A",
                    "email": "a@example.org",
                    "date": "2026-01-06T00:00:00Z",
                },
                "message": "Fix the thing\n\nLonger text.",
                "tree": {"sha": "1" * 40},
            },
            "parents": [{"sha": "2" * 40}],
            "stats": {"additions": 1, "deletions": 1, "total": 2},
            "files": [],
        }

    def add_gitlab_mr(self, project: str, number: int, state: str = "opened") -> None:
        encoded = project.replace("/", "%2F")
        self.gitlab[f"/api/v4/projects/{encoded}/merge_requests/{number}"] = {
            "id": 1000 + number,
            "iid": number,
            "project_id": 7,
            "title": f"MR {number}",
            "description": "",
            "state": state,
            "created_at": "2026-01-01T00:00:00.000Z",
            "updated_at": "2026-02-01T00:00:00.000Z",
            "merged_at": "2026-02-01T00:00:00.000Z" if state == "merged" else None,
            "closed_at": "2026-02-01T00:00:00.000Z" if state == "closed" else None,
            "target_branch": "main",
            "source_branch": "fix",
            "milestone": None,
            "merge_commit_sha": "9" * 40 if state == "merged" else None,
            "web_url": f"https://gitlab.com/{project}/-/merge_requests/{number}",
        }

    def add_gitlab_commit(self, project: str, sha: str) -> None:
        encoded = project.replace("/", "%2F")
        full = (sha + "0" * 40)[:40]
        self.gitlab[f"/api/v4/projects/{encoded}/repository/commits/{sha}"] = {
            "id": full,
            "short_id": full[:8],
            "title": "Fix the thing",
            "message": "Fix the thing\n",
            "author_name": "A",
            "authored_date": "2026-01-05T00:00:00.000Z",
            "committed_date": "2026-01-06T00:00:00.000Z",
            "parent_ids": ["3" * 40],
            "web_url": f"https://gitlab.com/{project}/-/commit/{full}",
        }

    def add_release(self, package: str, project: str, stable: str, latest: str = "") -> None:
        self.anitya[package.lower()] = {
            "distribution": "Fedora",
            "name": package,
            "project": project,
            "ecosystem": f"https://{project}.example.org",
            "version": latest or stable,
            "stable_version": stable,
        }

    # --- the protocol ------------------------------------------------------------------

    def _json(self, status: int, data: Any, request: dict[str, str], **headers: str) -> Reply:
        body = json.dumps(data).encode()
        etag = _etag(body)
        if status == 200 and request.get("if-none-match") == etag:
            self.not_modified += 1
            return Reply(304, b"", {"ETag": etag, **headers}, delay=self.latency)
        sent = {"Content-Type": "application/json", **headers}
        if status == 200:
            sent["ETag"] = etag
        return Reply(status, body, sent, delay=self.latency)

    def _fault(self, key: str) -> Reply | None:
        fault = self.faults.get(key)
        if fault is None or fault.times <= 0:
            return None
        fault.times -= 1
        if fault.kind == "status":
            return Reply(fault.status, b'{"message": "no"}', {"Content-Type": "application/json"})
        if fault.kind == "retry-after":
            headers = {"Retry-After": f"{fault.seconds:g}", "Content-Type": "application/json"}
            body = b'{"message": "You have exceeded a secondary rate limit."}'
            return Reply(403, body, headers)
        if fault.kind == "fail-first":
            return Reply(fault.status or 503, b"busy\n", {"Content-Type": "text/plain"})
        if fault.kind == "slow":
            return Reply(200, b"{}", {"Content-Type": "application/json"}, delay=fault.seconds)
        if fault.kind == "malformed":
            return Reply(200, b'{"bugs": [ {"id": 1,', {"Content-Type": "application/json"})
        if fault.kind == "redirect":
            target = f"https://localhost:{self.server.port}{key}"
            return Reply(302, b"", {"Location": target})
        if fault.kind == "huge":
            body = b" " * (50 << 20)
            return Reply(200, body, {"Content-Type": "application/json"}, length=fault.length)
        raise AssertionError(f"unknown fault {fault.kind}")

    def handle(self, path: str, headers: dict[str, str]) -> Reply | None:
        parts = urlsplit(path)
        prefix, _, rest = parts.path.lstrip("/").partition("/")
        if prefix not in PREFIXES:
            return None
        api_path = "/" + rest
        fault = self._fault(f"/{prefix}{api_path}")
        if fault is not None:
            return fault
        query = parse_qs(parts.query)
        return getattr(self, f"_{prefix}")(api_path, query, headers)

    def _bugzilla(self, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> Reply:
        if path != "/rest/bug":
            return self._json(404, {"error": True, "code": 32614, "message": "no"}, headers)
        ids = [int(i) for i in ",".join(query.get("id", [])).split(",") if i.isdigit()]
        fields = ",".join(query.get("include_fields", [])).split(",")
        bugs = [
            {k: v for k, v in self.bugs[i].items() if not fields[0] or k in fields}
            for i in ids
            if i in self.bugs
        ]
        return self._json(200, {"bugs": bugs, "faults": []}, headers)

    def _stored(
        self,
        table: dict[str, dict[str, Any]],
        path: str,
        missing: dict[str, Any],
        headers: dict[str, str],
        **extra: str,
    ) -> Reply:
        found = table.get(path)  # as sent: GitLab's project path stays %2F-encoded
        if found is None:
            return self._json(404, missing, headers, **extra)
        return self._json(200, found, headers, **extra)

    def _pagure(self, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> Reply:
        error = (
            {"error": "No such commit found in this repository", "error_code": "ENOCOMMIT"}
            if path.endswith("/info")
            else {"error": "Pull-Request not found", "error_code": "ENOREQ"}
        )
        return self._stored(self.pagure, path, error, headers)

    def _github(self, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> Reply:
        limits = {
            "X-RateLimit-Limit": "60",
            "X-RateLimit-Remaining": "59",
            "X-RateLimit-Reset": str(int(time.time()) + 3600),
            "X-RateLimit-Used": "1",
            "X-RateLimit-Resource": "core",
        }
        missing = {
            "message": "Not Found",
            "documentation_url": "https://docs.github.com/rest",
            "status": "404",
        }
        return self._stored(self.github, path, missing, headers, **limits)

    def _gitlab(self, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> Reply:
        return self._stored(self.gitlab, path, {"message": "404 Not found"}, headers)

    def _anitya(self, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> Reply:
        if path != "/api/v2/packages/":
            return self._json(404, {"error": "not found"}, headers)
        name = query.get("name", [""])[0].lower()
        distribution = query.get("distribution", [""])[0].lower()
        item = self.anitya.get(name)
        items = [item] if item and item["distribution"].lower() == distribution else []
        page = {"items": items, "page": 1, "items_per_page": 25, "total_items": len(items)}
        return self._json(200, page, headers)


@pytest.fixture
def upstream(https_server) -> UpstreamServices:
    return UpstreamServices(https_server)
