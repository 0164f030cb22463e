"""Anitya (release-monitoring.org, API v2): a Fedora package's upstream project and its
latest stable release.

`GET {base}/api/v2/packages/?name=<pkg>&distribution=Fedora` answers the mapping Fedora
maintains from the package to its upstream project, with that project's versions:
`{"items": [{"distribution": "Fedora", "name": ..., "project": ..., "ecosystem": ...,
"version": ..., "stable_version": ...}], "page": 1, "items_per_page": 25,
"total_items": 1}`.  `stable_version` is the project's latest stable version (what
`/api/v2/projects/?name=` lists first in `stable_versions`), so one request per
component answers both steps.  No item: the package is not mapped (not an error).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from .client import Answer, ErrorKind, UpstreamClient, UpstreamError
from .questions import api_base
from .states import text

DISTRIBUTION = "Fedora"


@dataclass(frozen=True)
class Release:
    """An upstream project and its versions, or `project == ""` when not mapped."""

    package: str
    project: str = ""
    ecosystem: str = ""
    stable_version: str = ""  # the latest stable release ("" when it has none)
    latest_version: str = ""  # the latest release, pre-releases included

    @property
    def mapped(self) -> bool:
        return bool(self.project)


def package_url(base: str, package: str) -> str:
    query = urlencode({"name": package, "distribution": DISTRIBUTION})
    return f"{api_base(base)}/api/v2/packages/?{query}"


def read(answer: Answer, package: str) -> Release:
    data = answer.data
    if answer.status in (404, 410):
        raise UpstreamError(ErrorKind.NOT_FOUND, f"{answer.url}: HTTP {answer.status}")
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise UpstreamError(
            ErrorKind.MALFORMED, f"{answer.url}: the answer is not a page of packages"
        )
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("project"), str):
            raise UpstreamError(ErrorKind.MALFORMED, f"{answer.url}: a package without a project")
        same_name = text(item.get("name"), 255).lower() == package.lower()
        fedora = text(item.get("distribution"), 100).lower() == DISTRIBUTION.lower()
        if same_name and fedora:
            return Release(
                package,
                project=text(item["project"], 255),
                ecosystem=text(item.get("ecosystem"), 255),
                stable_version=text(item.get("stable_version"), 255),
                latest_version=text(item.get("version"), 255),
            )
    return Release(package)


def release(client: UpstreamClient, base: str, package: str) -> Release:
    """The upstream project Fedora maps `package` to, and its latest versions."""
    return read(client.get_json(package_url(base, package)), package)
