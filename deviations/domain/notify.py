"""E-mail digests: send one user what changed for them, and remember it in the same breath.

`deliver` marks the digest's items sent (one `SentNotification` per user and item key,
unique), records the `notify.digest_sent` event and hands the message to Django's e-mail
backend, all in one transaction: a message the backend refused leaves nothing marked
(the next run tries again), and an item already marked -- by an earlier run, or a
concurrent one -- is never sent again (the unique key refuses the whole digest, which
then waits for the next run without it).  What to tell whom is the read side's
(deviations.reads.notify); this module only sends and remembers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from deviations.domain import audit, bulk
from deviations.models import Digest, NotifyRun, SentNotification
from deviations.vocabulary import AuditAction, DigestSection

# Items a mail lists per section; the rest are counted, with a link to the user's page.
MAIL_ITEMS = 50


class MailNotSent(Exception):
    """The e-mail backend sent nothing (and said no more)."""


@dataclass(frozen=True)
class DigestItem:
    """One thing to tell a user; `key` is its basis (`<section>:<event seq>`, ...)."""

    key: str
    section: DigestSection
    title: str
    path: str  # the page that shows it, from the site's root
    when: dt.datetime
    detail: str = ""


@dataclass
class DigestDraft:
    """A user's digest before it is sent: their items, in section order."""

    user: User
    items: list[DigestItem] = field(default_factory=list)

    def sections(self) -> list[tuple[DigestSection, list[DigestItem]]]:
        """(section, its items) in the vocabulary's order, empty sections left out."""
        found: dict[DigestSection, list[DigestItem]] = {s: [] for s in DigestSection}
        for item in self.items:
            found[item.section].append(item)
        return [(section, items) for section, items in found.items() if items]

    @property
    def subject(self) -> str:
        n = len(self.items)
        return f"[azldrift] {n} change{'' if n == 1 else 's'} for you"


def start_run(since_seq: int, until_seq: int) -> NotifyRun:
    return NotifyRun.objects.create(since_seq=since_seq, until_seq=until_seq)


def finish_run(run: NotifyRun, digests: int, items: int) -> NotifyRun:
    run.digests, run.items, run.finished_at = digests, items, timezone.now()
    run.save(update_fields=["digests", "items", "finished_at"])
    return run


def last_run() -> NotifyRun | None:
    """The last run that sent every digest it had (the next run reads after it)."""
    return NotifyRun.objects.filter(finished_at__isnull=False).order_by("-until_seq", "-pk").first()


def message(draft: DigestDraft) -> EmailMessage:
    """The digest as an e-mail (plain text, links to the pages)."""
    sections = [
        (section, len(items), items[:MAIL_ITEMS], len(items) - MAIL_ITEMS)
        for section, items in draft.sections()
    ]
    body = render_to_string(
        "notify/digest.txt", {"user": draft.user, "sections": sections, "site": settings.SITE_URL}
    )
    return EmailMessage(
        subject=draft.subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[draft.user.email],
    )


def deliver(run: NotifyRun, draft: DigestDraft, mailer: BaseEmailBackend) -> Digest | None:
    """Send `draft` through `mailer` and mark its items sent, in one transaction; None if
    another run marked one of them first (nothing is sent then)."""
    mail = message(draft)
    try:
        with transaction.atomic():
            digest = Digest.objects.create(
                run=run, user=draft.user, email=draft.user.email, subject=draft.subject
            )
            # Plain rows: a digest may hold thousands of items (bulk_create's model
            # instances cost seconds a run).
            with connection.wrap_database_errors:  # COPY's own errors, as Django's
                bulk.insert(
                    SentNotification,
                    ("user", "key", "section", "digest"),
                    ((draft.user.pk, i.key, i.section.value, digest.pk) for i in draft.items),
                )
            audit.record(
                audit.Actor.job(f"notify #{run.pk}"),
                AuditAction.DIGEST_SENT,
                **audit.describe(draft.user),
                after={
                    "digest": digest.pk,
                    "email": draft.user.email,
                    "items": {s.value: len(items) for s, items in draft.sections()},
                },
            )
            # A refusal raises (or, failing silently, sends nothing): the marks roll back.
            if mailer.send_messages([mail]) != 1:
                raise MailNotSent(f"the mail backend did not send {draft.subject!r}")
    except IntegrityError:
        return None
    return digest
