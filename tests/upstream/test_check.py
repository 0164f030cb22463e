"""The upstream check: states stored with their time, suggestions, releases, audit."""

import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from deviations.domain import audit
from deviations.domain.upstream.check import CheckAlreadyRunning, CheckRequest, run_check
from deviations.models import (
    AuditEvent,
    DeviationLink,
    SuggestionKind,
    SuggestionStatus,
    UpstreamCheck,
    UpstreamLink,
    UpstreamRelease,
    UpstreamSuggestion,
)
from tests.upstream.conftest import NANO_SHA, answer_all
from tests.upstream_services import Fault

pytestmark = pytest.mark.django_db

PR = "https://github.com/SSSD/sssd/pull/8397"
UNMERGED = "https://github.com/rhkdump/kdump-utils/pull/153"
BUG1 = "https://bugzilla.redhat.com/show_bug.cgi?id=2400001"
BUG2 = "https://bugzilla.redhat.com/show_bug.cgi?id=2400002"
COMMIT = f"https://src.fedoraproject.org/rpms/nano/c/{NANO_SHA[:12]}"


def check_json(*args):
    out = []

    class Out:
        def write(self, text):
            out.append(text)

    call_command("check_upstream", "--json", *args, stdout=Out())
    return json.loads("".join(out))


def test_links_states_suggestions_and_releases(linked, services):
    answer_all(services)
    result = check_json()
    rows = {(r["component"], r["deviation_key"], r["url"]): r for r in result["links"]}
    assert set(rows) == {
        ("nano", linked.backport.key, COMMIT),
        ("nano", linked.backport.key, BUG1),
        ("sssd", linked.pr.key, PR),
        ("sssd", linked.pr.key, BUG2),
        ("sssd", linked.closed.key, UNMERGED),
    }
    by_url = {url: row for (_, _, url), row in rows.items()}
    assert {u: (r["service"], r["state"], r["suggestion"]) for u, r in by_url.items()} == {
        COMMIT: ("pagure", "present", "obsolete"),
        BUG1: ("bugzilla", "fixed", None),  # already says upstreamed
        PR: ("github", "merged", "upstreamed"),
        BUG2: ("bugzilla", "open", None),
        UNMERGED: ("github", "closed", "reconsider"),
    }
    assert all(r["checked_at"] and r["error"] is None for r in result["links"])
    assert {r["component"]: r["upstream_version"] for r in result["releases"]} == {
        "nano": "8.4",
        "sssd": "1.2.3",
    }
    nano = UpstreamRelease.objects.get(component=linked.nano)
    assert (nano.fedora_version, nano.newer_than_fedora) == ("1.2.4", True)
    assert UpstreamRelease.objects.get(component=linked.sssd).newer_than_fedora is False
    # Three requests for five links: one per Bugzilla batch, pull request and commit.
    assert result["summary"]["links"] == {"links": 5, "asked": 5, "changed": 5, "errors": 0}
    suggestion = UpstreamSuggestion.objects.get(link__url=COMMIT)
    assert "past the pin" in suggestion.evidence["why"]
    actions = sorted(AuditEvent.objects.values_list("action", flat=True))
    assert actions.count("upstream.link.changed") == 5
    assert actions.count("upstream.suggestion.created") == 3
    assert actions.count("upstream.release.changed") == 2
    label = f"upstream-check #{result['check']}"
    checked = AuditEvent.objects.filter(action__startswith="upstream.")
    assert {e.actor_label for e in checked} == {label}
    assert audit.verify().ok


def test_incremental_forced_and_304(linked, services):
    answer_all(services)
    run_check(CheckRequest())
    asked = len(services.server.requests)
    again = run_check(CheckRequest())
    assert len(services.server.requests) == asked  # all checked recently: nothing asked
    assert again.check.summary["links"]["asked"] == 0
    forced = run_check(CheckRequest(force=True))
    assert forced.check.summary["not_modified"] == forced.check.summary["requests"] > 0
    events = AuditEvent.objects.count()
    assert forced.check.summary["links"]["changed"] == 0
    assert AuditEvent.objects.count() == events  # nothing changed: nothing recorded


def test_a_failing_service_is_a_per_link_error(linked, services):
    answer_all(services)
    services.faults["/github/repos/SSSD/sssd/pulls/8397"] = Fault("status", 500)
    result = run_check(CheckRequest(releases=False))
    assert result.check.status == UpstreamCheck.Status.SUCCEEDED
    errors = {r["url"]: r["error"] for r in result.links if r["error"]}
    assert list(errors) == [PR]
    assert "HTTP 500" in errors[PR]
    # The next run asks it again (failed last time), even within the interval.
    services.faults.clear()
    result = run_check(CheckRequest(releases=False))
    assert result.check.summary["links"]["asked"] == 1
    assert UpstreamLink.objects.get(url=PR).state == "merged"


def test_dismissed_suggestion_returns_only_when_the_state_changes(linked, services, reviewer):
    from deviations.domain.upstream.decide import decide

    answer_all(services)
    run_check(CheckRequest(releases=False))
    suggestion = UpstreamSuggestion.objects.get(link__url=UNMERGED)
    decide(audit.Actor.for_user(reviewer), suggestion.pk, accept=False, comment="still needed")
    run_check(CheckRequest(releases=False, force=True))
    assert not UpstreamSuggestion.objects.filter(
        link__url=UNMERGED, status=SuggestionStatus.OPEN
    ).exists()
    services.add_github_pull("rhkdump/kdump-utils", 153, "closed", merged=True)
    run_check(CheckRequest(releases=False, force=True))
    reopened = UpstreamSuggestion.objects.get(link__url=UNMERGED, status=SuggestionStatus.OPEN)
    assert reopened.kind == SuggestionKind.UPSTREAMED
    assert AuditEvent.objects.filter(action="upstream.suggestion.dismissed").count() == 1


def test_offline_keeps_the_last_states(linked, services):
    answer_all(services)
    run_check(CheckRequest())
    before = list(UpstreamLink.objects.order_by("url").values_list("url", "state", "checked_at"))
    asked = len(services.server.requests)
    result = check_json("--offline", "--force")
    assert result["offline"] is True
    assert "offline" in result["message"]
    assert len(services.server.requests) == asked
    after = list(UpstreamLink.objects.order_by("url").values_list("url", "state", "checked_at"))
    assert after == before
    assert {r["state"] for r in result["links"]} == {"present", "fixed", "merged", "open", "closed"}


def test_no_network_says_offline(linked, services, settings):
    answer_all(services)
    run_check(CheckRequest())
    port = services.server.port
    services.server.stop()  # nothing listens there any more
    result = run_check(CheckRequest(force=True, links=True, releases=False))
    assert result.offline
    assert "no upstream service could be reached" in result.check.message
    assert UpstreamLink.objects.get(url=PR).state == "merged"
    assert port


def test_links_follow_the_deviation(linked, services):
    answer_all(services)
    run_check(CheckRequest(releases=False))
    version = linked.closed.current_version
    version.description = "No link any more"
    version.save()
    run_check(CheckRequest(releases=False))
    assert not DeviationLink.objects.filter(deviation=linked.closed).exists()
    # Its open suggestion no longer holds.
    assert UpstreamSuggestion.objects.get(link__url=UNMERGED).status == SuggestionStatus.SUPERSEDED


def test_command_options(linked, services):
    answer_all(services)
    only_links = check_json("--links-only", "--components", "sssd")
    assert only_links["releases"] == []
    assert {r["component"] for r in only_links["links"]} == {"sssd"}
    only_releases = check_json("--releases-only")
    assert only_releases["links"] == []
    assert len(only_releases["releases"]) == 2
    with pytest.raises(CommandError, match="unknown component"):
        call_command("check_upstream", "--components", "nope")


def test_one_check_at_a_time(linked, services):
    running = UpstreamCheck.objects.create(created_at=timezone.now())
    with pytest.raises(CheckAlreadyRunning, match="one runs at a time"):
        run_check(CheckRequest())
    # One whose process died long ago no longer blocks.
    UpstreamCheck.objects.filter(pk=running.pk).update(
        created_at=timezone.now() - dt.timedelta(days=1)
    )
    answer_all(services)
    assert run_check(CheckRequest()).check.status == UpstreamCheck.Status.SUCCEEDED
    running.refresh_from_db()
    assert running.status == UpstreamCheck.Status.FAILED
