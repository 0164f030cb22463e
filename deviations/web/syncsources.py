"""A sync run's overrides as each reader may see them.

`manage.py sync --dist-git-base-uri/--lookaside-base-uri` records where that run
fetched from on the run's options; the demo and offline mirrors make that a
`file://` path on the server, and the options also name the host and process
that ran it (`owner`).  Admins see all of it (permissions.can_see_sync_sources);
everyone else sees that an override was used, not where, on the sync pages and
in the API, and the override's address is masked in the run's messages.
"""

from __future__ import annotations

from typing import Any

from deviations.domain import permissions

OVERRIDES = ("dist_git_base_uri", "lookaside_base_uri")
HIDDEN_OWNER = ("owner",)
OVERRIDDEN = "overridden"  # what a non-admin reads instead of the address
MASK = "<override>"


def shown_options(options: dict[str, Any] | None, user: permissions.Asker) -> dict[str, Any]:
    """The run's options for `user`: whole for admins; without the override addresses
    and the process that ran it for anyone else."""
    options = dict(options or {})
    if permissions.can_see_sync_sources(user):
        return options
    for key in HIDDEN_OWNER:
        options.pop(key, None)
    for key in OVERRIDES:
        if options.get(key):
            options[key] = OVERRIDDEN
    return options


def _prefixes(options: dict[str, Any] | None) -> list[str]:
    """The fixed part of each override template (before its first `$` placeholder)."""
    found = []
    for key in OVERRIDES:
        template = (options or {}).get(key)
        if isinstance(template, str) and template:
            prefix = template.split("$", 1)[0]
            if len(prefix) > len("file://"):
                found.append(prefix)
    return sorted(found, key=len, reverse=True)


def shown_text(text: str, options: dict[str, Any] | None, user: permissions.Asker) -> str:
    """A run's message or issue as `user` may read it (override addresses masked)."""
    if not text or permissions.can_see_sync_sources(user):
        return text
    for prefix in _prefixes(options):
        text = text.replace(prefix, MASK + ("/" if prefix.endswith("/") else ""))
    return text
