"""The upstream check's vocabularies: its run states and triggers, and its suggestions."""

from __future__ import annotations

from .base import Vocabulary


class UpstreamCheckStatus(Vocabulary):
    RUNNING = "running", "running", "The check is asking the services and writing the answers."
    SUCCEEDED = "succeeded", "succeeded", "The check asked everything that was due."
    FAILED = (
        "failed",
        "failed",
        "The check stopped on an error, or lost its process and was marked so by the next.",
    )


class UpstreamCheckTrigger(Vocabulary):
    COMMAND = "command", "command", "The `manage.py check_upstream` command started it."
    WEB = "web", "web", "An admin started it on the sync runs page."
    TASK = "task", "task", "A background task started it."


class SuggestionKind(Vocabulary):
    UPSTREAMED = (
        "upstreamed",
        "set upstream-status to upstreamed",
        "Upstream merged or fixed what the deviation links to: its status could say so.",
    )
    RECONSIDER = (
        "reconsider",
        "a reviewer should look: closed upstream without the change",
        "Upstream closed what the deviation links to without taking the change.",
    )
    OBSOLETE = (
        "obsolete",
        "obsolete candidate: Fedora's branch has the backported commit",
        "Fedora's branch already has the commit the deviation backports.",
    )


class SuggestionStatus(Vocabulary):
    OPEN = "open", "open", "Nobody has accepted or dismissed the suggestion yet."
    ACCEPTED = "accepted", "accepted", "A reviewer accepted the suggestion."
    DISMISSED = (
        "dismissed",
        "dismissed",
        "A reviewer dismissed the suggestion, saying why; it stays dismissed for this evidence.",
    )
    SUPERSEDED = (
        "superseded",
        "superseded",
        "The upstream state changed since: a newer suggestion replaces it.",
    )
