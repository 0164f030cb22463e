"""Config commits and import runs, as an import of the config's git history leaves them."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools

from django.utils import timezone

from deviations.models import ConfigCommit, ImportRun

T0 = dt.datetime(2026, 1, 23, 12, 0, tzinfo=dt.UTC)
_seq = itertools.count(1)


def make_commit(
    subject: str = "",
    *,
    author: str = "Ann Author",
    email: str | None = None,
    when: dt.datetime | None = None,
) -> ConfigCommit:
    """A config commit by `author` (e-mail: first name @users.invalid unless given), one day
    after the previous one made here unless `when` says."""
    n = next(_seq)
    subject = subject or f"change {n}"
    when = when or T0 + dt.timedelta(days=n)
    return ConfigCommit.objects.create(
        sha=hashlib.sha1(f"commit {n} {subject}".encode(), usedforsecurity=False).hexdigest(),
        author_name=author,
        author_email=f"{author.split()[0].lower()}@users.invalid" if email is None else email,
        authored_at=when,
        committed_at=when,
        subject=subject,
    )


def make_import_run(source: str = "/nonexistent", commit: ConfigCommit | None = None) -> ImportRun:
    """A finished, successful import of `source` at `commit`: the one made before, if any
    (the sync reads overlay sources and local specs from the latest run's `source`)."""
    found = ImportRun.objects.filter(source=source, commit=commit).first()
    if found:
        return found
    now = timezone.now()
    return ImportRun.objects.create(
        started_at=now,
        finished_at=now,
        source=source,
        commit=commit,
        status=ImportRun.Status.SUCCEEDED,
    )
