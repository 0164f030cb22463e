"""A real SMTP server for the digest tests: aiosmtpd in a thread on 127.0.0.1.

The tests point Django's SMTP backend at it and read what arrived over SMTP: envelope
senders and recipients and the parsed messages.  `refuse` (or `refuse_to`, for some
recipients) makes it answer DATA with a permanent failure (550), as a mail server that
will not take a message does.
"""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None
        return part.get_content()


@dataclass
class Mailbox:
    """What the server accepted, in order; `refuse` turns it into a refusing server."""

    received: list[Received] = field(default_factory=list)
    refuse: bool = False
    refuse_to: set[str] = field(default_factory=set)  # recipients whose mail is refused

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse or self.refuse_to & set(envelope.rcpt_tos):
            return "550 5.7.1 not taking mail today"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server(settings) -> Iterator[Mailbox]:
    """An SMTP server on 127.0.0.1, with Django's SMTP backend pointed at it."""
    mailbox = Mailbox()
    controller = aiosmtpd_controller.Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 10},
        }
    }
    settings.DEFAULT_FROM_EMAIL = "azldrift <azldrift@example.test>"
    settings.SITE_URL = "https://azldrift.example.test"
    try:
        yield mailbox
    finally:
        controller.stop()
