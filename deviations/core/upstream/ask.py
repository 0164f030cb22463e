"""Asking every service about many links at once: one question per request, run in
threads, limited per host by the client (so a slow host never holds up the others)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from . import bugzilla, github, gitlab, pagure
from .client import ErrorKind, UpstreamClient, UpstreamError
from .links import Link, Service
from .questions import Outcome, Question


@dataclass(frozen=True)
class Bases:
    """Each service's API base URL (settings; the public services by default)."""

    bugzilla: str = "https://bugzilla.redhat.com"
    pagure: str = "https://src.fedoraproject.org"
    github_api: str = "https://api.github.com"
    gitlab: str = "https://gitlab.com"
    anitya: str = "https://release-monitoring.org"


def questions(links: Iterable[Link], bases: Bases) -> list[Question]:
    """The requests that answer these links (Bugzilla bugs batched; the rest one each)."""
    by_service: dict[Service, list[Link]] = {}
    for link in links:
        if link.checked:
            by_service.setdefault(link.service, []).append(link)
    out: list[Question] = []
    out += bugzilla.questions(bases.bugzilla, by_service.get(Service.BUGZILLA, []))
    out += pagure.questions(bases.pagure, by_service.get(Service.PAGURE, []))
    out += github.questions(bases.github_api, by_service.get(Service.GITHUB, []))
    out += gitlab.questions(bases.gitlab, by_service.get(Service.GITLAB, []))
    return out


def answer(client: UpstreamClient, question: Question) -> dict[str, Outcome]:
    """One question's outcome per link: a state, or the error (never raised)."""
    try:
        response = client.get_json(question.url, headers=question.headers)
    except UpstreamError as exc:
        return {link.url: exc for link in question.links}
    return question.read(response, question.links)


def ask(
    client: UpstreamClient,
    links: Iterable[Link],
    bases: Bases,
    *,
    workers: int = 16,
    on_answer: Callable[[dict[str, Outcome]], None] | None = None,
) -> dict[str, Outcome]:
    """Every link's outcome, keyed by its URL; links nobody asks about are left out."""
    asked = questions(links, bases)
    results: dict[str, Outcome] = {}
    if not asked:
        return results
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(asked)))) as pool:
        for outcome in pool.map(lambda q: answer(client, q), asked):
            results.update(outcome)
            if on_answer is not None:
                on_answer(outcome)
    return results


def offline(links: Iterable[Link], bases: Bases) -> dict[str, Outcome]:
    """What an offline check records: nothing asked, every checked link says so."""
    error = UpstreamError(ErrorKind.OFFLINE, "not asked: the check ran offline")
    return {link.url: error for q in questions(links, bases) for link in q.links}
