"""A small world whose deviations point upstream, and the services answering for them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from deviations.models import Component, Deviation
from tests import factories
from tests.lookaside_server import certificate, https_server  # noqa: F401
from tests.upstream_services import UpstreamServices, upstream  # noqa: F401

NANO_SHA = "fd681b4240b53453698122bc5db71ac9145dd68a"


@dataclass
class Linked:
    nano: Component
    sssd: Component
    backport: Deviation  # nano: an upstream-backport with a dist-git commit and a bug
    pr: Deviation  # sssd: a comment naming a GitHub PR, and rhbz#
    closed: Deviation  # sssd: a description naming a PR that was closed unmerged


@pytest.fixture
def services(upstream, certificate, settings, tmp_path):  # noqa: F811
    """Settings pointing every service at the local test server, trusting its certificate."""
    bases = upstream.bases
    settings.UPSTREAM_BUGZILLA_URL = bases.bugzilla
    settings.UPSTREAM_PAGURE_URL = bases.pagure
    settings.UPSTREAM_GITHUB_API_URL = bases.github_api
    settings.UPSTREAM_GITLAB_URL = bases.gitlab
    settings.UPSTREAM_ANITYA_URL = bases.anitya
    settings.UPSTREAM_CA_BUNDLE = str(certificate[0])
    settings.UPSTREAM_RETRIES = 0
    settings.UPSTREAM_RATE = 0
    settings.CACHE_DIR = tmp_path / "cache"
    return upstream


@pytest.fixture
def linked(db) -> Linked:
    run = factories.make_import_run()
    nano = factories.make_component("nano")
    sssd = factories.make_component("sssd")
    sync = factories.make_sync_run(total=2)
    factories.make_component_sync(nano, sync, behind=2)
    factories.make_component_sync(sssd, sync)
    # Fedora's branch gained the backported commit after the pin.
    nano.drift_commits.filter(position=2).update(sha=NANO_SHA)
    backport = factories.make_deviation(
        nano,
        run=run,
        metadata={
            "category": "upstream-backport",
            "upstream-status": "upstreamed",
            "commits": [{"url": f"https://src.fedoraproject.org/rpms/nano/c/{NANO_SHA[:12]}"}],
            "bugs": [{"url": "https://bugzilla.redhat.com/show_bug.cgi?id=2400001"}],
        },
    )
    pr = factories.make_deviation(
        sssd,
        run=run,
        comment="# Upstream PR: https://github.com/SSSD/sssd/pull/8397 (rhbz#2400002)",
    )
    closed = factories.make_deviation(
        sssd,
        run=run,
        description="Carry https://github.com/rhkdump/kdump-utils/pull/153 until it lands",
    )
    factories.record_import_events(nano, [backport])  # what the import recorded
    factories.record_import_events(sssd, [pr, closed])
    return Linked(nano, sssd, backport, pr, closed)


def answer_all(services: UpstreamServices) -> None:
    services.add_pagure_commit("rpms/nano", NANO_SHA[:12])
    services.pagure[f"/api/0/rpms/nano/c/{NANO_SHA[:12]}/info"]["hash"] = NANO_SHA
    services.add_bug(2400001, "CLOSED", "ERRATA", fixed_in="nano-8.3-2.fc44")
    services.add_bug(2400002, "ASSIGNED")
    services.add_github_pull("SSSD/sssd", 8397, "closed", merged=True)
    services.add_github_pull("rhkdump/kdump-utils", 153, "closed", merged=False)
    services.add_release("nano", "nano", "8.4")
    services.add_release("sssd", "sssd", "1.2.3")
