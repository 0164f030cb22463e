"""The upstream clients against a local HTTPS server speaking each service's API."""

import time

import pytest

from deviations.core.upstream import anitya
from deviations.core.upstream.ask import ask, questions
from deviations.core.upstream.client import (
    ErrorKind,
    UpstreamClient,
    UpstreamError,
    UpstreamPolicy,
    retry_after,
)
from deviations.core.upstream.links import recognise
from deviations.core.upstream.states import State
from tests.lookaside_server import certificate, https_server  # noqa: F401
from tests.upstream_services import Fault, upstream  # noqa: F401

BUG = "https://bugzilla.redhat.com/show_bug.cgi?id={}"
PR = "https://github.com/SSSD/sssd/pull/8397"


def client_for(certificate, tmp_path=None, **policy):  # noqa: F811
    cert, _ = certificate
    values = {"ca_bundle": str(cert), "retries": 2, "backoff": 0.0, "rate": 0, **policy}
    if tmp_path is not None:
        values["cache_path"] = str(tmp_path / "http-cache.sqlite")
    return UpstreamClient(UpstreamPolicy(**values))


def check(client, upstream, *urls):  # noqa: F811
    return ask(client, [recognise(u) for u in urls], upstream.bases)


def test_every_service_parsed_into_states(upstream, certificate):  # noqa: F811
    upstream.add_bug(1, "CLOSED", "ERRATA", fixed_in="zstd-1.5.7-2.fc44")
    upstream.add_bug(2, "CLOSED", "WONTFIX")
    upstream.add_bug(3, "ASSIGNED")
    upstream.add_pagure_pr("rpms/python3.14", 76, "Merged", branch="rawhide")
    upstream.add_pagure_commit("rpms/nano", "fd681b4240b5")
    upstream.add_github_pull("SSSD/sssd", 8397, "closed", merged=True)
    upstream.add_github_pull("rhkdump/kdump-utils", 153, "closed", merged=False)
    upstream.add_github_issue("golang/go", 77504, "closed", "completed")
    upstream.add_github_commit("openstack/cliff", "391261c849c9")
    upstream.add_gitlab_mr("group/project", 12, "merged")
    upstream.add_gitlab_commit("group/project", "abcdef1234")
    with client_for(certificate) as client:
        got = check(
            client,
            upstream,
            BUG.format(1),
            BUG.format(2),
            BUG.format(3),
            BUG.format(4),
            "https://src.fedoraproject.org/rpms/python3.14/pull-request/76",
            "https://src.fedoraproject.org/rpms/python3.14/pull-request/77",
            "https://src.fedoraproject.org/rpms/nano/c/fd681b4240b5",
            PR,
            "https://github.com/rhkdump/kdump-utils/pull/153",
            "https://github.com/golang/go/issues/77504",
            "https://github.com/openstack/cliff/commit/391261c849c9",
            "https://gitlab.com/group/project/-/merge_requests/12",
            "https://gitlab.com/group/project/-/commit/abcdef1234",
            "https://example.org/not-asked",
        )
        bugzilla_requests = [p for p in upstream.server.requests if p.startswith("/bugzilla")]
    states = {url: (o.state, o.release) for url, o in got.items()}
    assert states == {
        BUG.format(1): (State.FIXED, "zstd-1.5.7-2.fc44"),
        BUG.format(2): (State.CLOSED, ""),
        BUG.format(3): (State.OPEN, ""),
        BUG.format(4): (State.NOT_FOUND, ""),
        "https://src.fedoraproject.org/rpms/python3.14/pull-request/76": (State.MERGED, "rawhide"),
        "https://src.fedoraproject.org/rpms/python3.14/pull-request/77": (State.NOT_FOUND, ""),
        "https://src.fedoraproject.org/rpms/nano/c/fd681b4240b5": (State.PRESENT, ""),
        PR: (State.MERGED, "v2.0"),
        "https://github.com/rhkdump/kdump-utils/pull/153": (State.CLOSED, "main"),
        "https://github.com/golang/go/issues/77504": (State.FIXED, ""),
        "https://github.com/openstack/cliff/commit/391261c849c9": (State.PRESENT, ""),
        "https://gitlab.com/group/project/-/merge_requests/12": (State.MERGED, "main"),
        "https://gitlab.com/group/project/-/commit/abcdef1234": (State.PRESENT, ""),
    }
    # Four bugs, one request; the API asked with the fields we read.
    assert len(bugzilla_requests) == 1
    assert bugzilla_requests[0].startswith("/bugzilla/rest/bug?id=1,2,3,4&include_fields=")
    assert got[BUG.format(2)].detail == "CLOSED WONTFIX"
    assert (
        got["https://src.fedoraproject.org/rpms/nano/c/fd681b4240b5"]
        .facts["sha"]
        .startswith("fd681b4240b5")
    )
    assert got[PR].changed_at.isoformat() == "2026-02-01T00:00:00+00:00"


def test_many_bugs_are_batched(upstream, certificate):  # noqa: F811
    links = [recognise(BUG.format(n)) for n in range(1, 251)]
    assert len(questions(links, upstream.bases)) == 3  # 100 ids a request


@pytest.mark.parametrize("status", [404, 410])
def test_gone_is_an_answer(upstream, certificate, status):  # noqa: F811
    upstream.faults["/github/repos/SSSD/sssd/pulls/8397"] = Fault("status", status)
    with client_for(certificate) as client:
        got = check(client, upstream, PR)
    assert got[PR].state == State.NOT_FOUND


def test_rate_limited_403_waits_for_retry_after_then_succeeds(upstream, certificate):  # noqa: F811
    upstream.add_github_pull("SSSD/sssd", 8397, "open")
    upstream.faults["/github/repos/SSSD/sssd/pulls/8397"] = Fault("retry-after", times=1, seconds=1)
    with client_for(certificate) as client:
        started = time.monotonic()
        got = check(client, upstream, PR)
        took = time.monotonic() - started
        assert client.stats.retries == 1
    assert got[PR].state == State.OPEN
    assert took >= 0.9  # waited as asked


def test_rate_limit_longer_than_we_wait_is_an_error(upstream, certificate):  # noqa: F811
    upstream.faults["/github/repos/SSSD/sssd/pulls/8397"] = Fault("retry-after", seconds=3600)
    with client_for(certificate, max_wait=5) as client:
        got = check(client, upstream, PR)
    assert isinstance(got[PR], UpstreamError)
    assert got[PR].kind == ErrorKind.RATE_LIMITED
    assert "3600 s" in str(got[PR])


def test_5xx_then_success(upstream, certificate):  # noqa: F811
    upstream.add_bug(7, "NEW")
    upstream.faults["/bugzilla/rest/bug"] = Fault("fail-first", status=502, times=2)
    with client_for(certificate) as client:
        got = check(client, upstream, BUG.format(7))
    assert got[BUG.format(7)].state == State.OPEN


def test_5xx_past_the_retries_is_an_error(upstream, certificate):  # noqa: F811
    upstream.faults["/bugzilla/rest/bug"] = Fault("fail-first", status=500)
    with client_for(certificate, retries=1) as client:
        got = check(client, upstream, BUG.format(7))
    assert got[BUG.format(7)].kind == ErrorKind.FAILED
    assert "after 2 attempts" in str(got[BUG.format(7)])


def test_slow_answer_past_the_timeout(upstream, certificate):  # noqa: F811
    upstream.faults["/github/repos/SSSD/sssd/pulls/8397"] = Fault("slow", seconds=2)
    with client_for(certificate, timeout=0.5, retries=0) as client:
        got = check(client, upstream, PR)
    assert got[PR].kind == ErrorKind.TIMEOUT


def test_malformed_json(upstream, certificate):  # noqa: F811
    upstream.faults["/bugzilla/rest/bug"] = Fault("malformed")
    upstream.faults["/github/repos/SSSD/sssd/pulls/8397"] = Fault(
        "status", 200
    )  # JSON, wrong shape
    with client_for(certificate) as client:
        got = check(client, upstream, BUG.format(1), PR)
    assert got[BUG.format(1)].kind == ErrorKind.MALFORMED
    assert got[PR].kind == ErrorKind.MALFORMED


def test_redirect_to_another_host_is_refused(upstream, certificate):  # noqa: F811
    upstream.add_github_pull("SSSD/sssd", 8397, "open")
    upstream.faults["/github/repos/SSSD/sssd/pulls/8397"] = Fault("redirect")
    with client_for(certificate) as client:
        got = check(client, upstream, PR)
    assert got[PR].kind == ErrorKind.REFUSED
    assert "another host" in str(got[PR])
    # The redirect's target (the same server under another name) was never asked.
    assert len([p for p in upstream.server.requests if "pulls/8397" in p]) == 1


@pytest.mark.parametrize("length", [True, False])
def test_50_mb_body_is_capped(upstream, certificate, length):  # noqa: F811
    upstream.faults["/github/repos/SSSD/sssd/pulls/8397"] = Fault("huge", length=length)
    with client_for(certificate, max_bytes=1 << 20, retries=0) as client:
        got = check(client, upstream, PR)
    assert got[PR].kind == ErrorKind.TOO_LARGE
    assert "1,048,576 bytes allowed" in str(got[PR])


def test_conditional_requests_304_on_recheck(upstream, certificate, tmp_path):  # noqa: F811
    upstream.add_github_pull("SSSD/sssd", 8397, "closed", merged=True)
    upstream.add_bug(1, "CLOSED", "ERRATA")
    with client_for(certificate, tmp_path) as client:
        first = check(client, upstream, PR, BUG.format(1))
    assert upstream.not_modified == 0
    with client_for(certificate, tmp_path) as client:  # a new client: the cache is on disk
        again = check(client, upstream, PR, BUG.format(1))
        assert client.stats.not_modified == 2
    assert upstream.not_modified == 2
    assert [h.get("if-none-match", "") != "" for h in upstream.server.request_headers[-2:]] == [
        True,
        True,
    ]
    assert {u: s.state for u, s in again.items()} == {u: s.state for u, s in first.items()}
    # A change upstream is seen at once: the ETag no longer matches.
    upstream.add_github_pull("SSSD/sssd", 8397, "open")
    with client_for(certificate, tmp_path) as client:
        assert check(client, upstream, PR)[PR].state == State.OPEN


def test_token_sent_to_its_host_and_never_cached(upstream, certificate, tmp_path):  # noqa: F811
    upstream.add_github_pull("SSSD/sssd", 8397, "open")
    client = client_for(certificate, tmp_path)
    client.tokens["127.0.0.1"] = "Bearer s3cret"
    with client:
        check(client, upstream, PR)
    assert upstream.server.request_headers[-1]["authorization"] == "Bearer s3cret"
    assert b"s3cret" not in (tmp_path / "http-cache.sqlite").read_bytes()


def test_plain_http_base_is_refused(upstream, certificate):  # noqa: F811
    with client_for(certificate) as client, pytest.raises(UpstreamError) as caught:
        client.get_json("http://127.0.0.1:1/rest/bug?id=1")
    assert caught.value.kind == ErrorKind.REFUSED


def test_anitya_release(upstream, certificate):  # noqa: F811
    upstream.add_release("curl", "curl", "8.16.0", "8.17.0-rc1")
    with client_for(certificate) as client:
        found = anitya.release(client, upstream.bases.anitya, "curl")
        missing = anitya.release(client, upstream.bases.anitya, "no-such-package")
    assert (found.project, found.stable_version, found.latest_version) == (
        "curl",
        "8.16.0",
        "8.17.0-rc1",
    )
    assert not missing.mapped
    assert "/anitya/api/v2/packages/?name=curl&distribution=Fedora" in upstream.server.requests


def test_retry_after_forms():
    assert retry_after({"Retry-After": "7"}) == 7
    assert retry_after({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, now=1445412470) == 10
    assert (
        retry_after(
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "2000000000"}, now=1999999990
        )
        == 10
    )
    assert retry_after({"RateLimit-Remaining": "0", "RateLimit-Reset": "30"}, now=0) == 30
    assert retry_after({"X-RateLimit-Remaining": "5", "X-RateLimit-Reset": "2000000000"}) is None
