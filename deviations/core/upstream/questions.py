"""A question to a service: the API URL to GET, the links it answers, how to read it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .client import Answer, ErrorKind, UpstreamError
from .links import Link
from .states import LinkState

Outcome = LinkState | UpstreamError
Reader = Callable[[Answer, tuple[Link, ...]], dict[str, Outcome]]


@dataclass(frozen=True)
class Question:
    url: str  # the API URL (on the configured base), never the link's public URL
    links: tuple[Link, ...]
    read: Reader
    headers: Mapping[str, str] = field(default_factory=dict)


def each(links: tuple[Link, ...], outcome: Outcome) -> dict[str, Outcome]:
    return {link.url: outcome for link in links}


def malformed(answer: Answer, what: str) -> UpstreamError:
    return UpstreamError(
        ErrorKind.MALFORMED, f"{answer.url}: the answer is not {what} as the API documents"
    )


def first_line(message: object) -> str:
    return (
        message.strip().splitlines()[0][:300]
        if isinstance(message, str) and message.strip()
        else ""
    )


def api_base(base: str) -> str:
    return base.rstrip("/")
