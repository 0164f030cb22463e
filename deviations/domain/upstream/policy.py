"""The settings as the core's types: API bases, limits, token, cache file, intervals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from deviations.core.upstream.ask import Bases
from deviations.core.upstream.client import UpstreamPolicy


def bases() -> Bases:
    return Bases(
        bugzilla=settings.UPSTREAM_BUGZILLA_URL,
        pagure=settings.UPSTREAM_PAGURE_URL,
        github_api=settings.UPSTREAM_GITHUB_API_URL,
        gitlab=settings.UPSTREAM_GITLAB_URL,
        anitya=settings.UPSTREAM_ANITYA_URL,
    )


def cache_path() -> Path:
    """The HTTP cache (ETags and bodies of the last answers), under AZLDRIFT_CACHE_DIR."""
    return Path(settings.CACHE_DIR) / "upstream" / "http-cache.sqlite"


def policy() -> UpstreamPolicy:
    path = cache_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return UpstreamPolicy(
        timeout=settings.UPSTREAM_TIMEOUT,
        retries=settings.UPSTREAM_RETRIES,
        max_bytes=settings.UPSTREAM_MAX_BYTES,
        per_host=settings.UPSTREAM_PER_HOST,
        rate=settings.UPSTREAM_RATE,
        max_wait=settings.UPSTREAM_MAX_WAIT,
        ca_bundle=settings.UPSTREAM_CA_BUNDLE or None,
        cache_path=str(path),
    )


def tokens() -> dict[str, str]:
    """Authorization headers by API host: the GitHub token goes to GitHub's API only."""
    token = settings.UPSTREAM_GITHUB_TOKEN
    host = urlsplit(settings.UPSTREAM_GITHUB_API_URL).hostname or ""
    return {host: f"Bearer {token}"} if token and host else {}


def link_interval() -> dt.timedelta:
    return dt.timedelta(seconds=settings.UPSTREAM_LINK_INTERVAL)


def release_interval() -> dt.timedelta:
    return dt.timedelta(seconds=settings.UPSTREAM_RELEASE_INTERVAL)
