"""The render budget: a component whose rendering runs away is stopped, and the sync goes on."""

from __future__ import annotations

import time

import pytest

from deviations.domain.sync import SyncRequest, start_sync
from deviations.models import ComponentSync, SyncRunIssue
from tests import factories
from tests.factories import spec_text

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

SUMMARY = {"type": "spec-set-tag", "tag": "Summary", "value": "Azure demo"}


def slow_overlays(count: int) -> list[dict]:
    """Each rewrites every `Requires:` line of the spec: seconds apiece on a large spec."""
    pairs = [("xx$", "yy"), ("yy$", "xx")]
    return [
        {"type": "spec-search-replace", "regex": pairs[i % 2][0], "replacement": pairs[i % 2][1]}
        for i in range(count)
    ]


def test_a_runaway_render_is_stopped_at_its_budget_and_the_sync_goes_on(upstream, settings):
    settings.RENDER_TIMEOUT = 1
    # 200,000 lines (9 MB): each overlay takes about 3 s, the forty about two minutes.
    requires = "".join(f"Requires: pkg{i}-with-a-long-enough-name-xx\n" for i in range(200_000))
    upstream.repo("big").commit(
        "f43",
        {"big.spec": spec_text("big", "1.0", extra_preamble=requires)},
        "Import",
        "2025-11-01T12:00:00Z",
    )
    upstream.standard("small")
    big, small = factories.make_component("big"), factories.make_component("small")
    for n, content in enumerate(slow_overlays(40), start=1):
        factories.add_overlay(big, n, content)
    summary = factories.add_overlay(small, 1, SUMMARY)

    started = time.monotonic()
    # One thread, so `small` renders after `big`, in the worker that replaced the killed one.
    run = start_sync(SyncRequest(base_uri=upstream.template, workers=1))
    elapsed = time.monotonic() - started

    assert elapsed < 40, elapsed  # stopped, not waited for
    assert run.status == "succeeded" and run.errors == 1
    issue = SyncRunIssue.objects.get(run=run)
    assert (issue.component_name, issue.kind) == ("big", "render-timeout")
    assert issue.message == (
        "rendering the overlays took longer than its budget of 1 s "
        "(AZLDRIFT_RENDER_TIMEOUT) and was stopped"
    )
    state = ComponentSync.objects.get(component=big)
    # The upstream state is recorded; only the rendering is missing.
    assert state.error_kind == "render-timeout" and not state.render_ok
    assert state.pinned_commit and state.version_at_pin == "1.0"
    summary.refresh_from_db()
    assert summary.verdict_at_pin == "applied"
    assert ComponentSync.objects.get(component=small).error_kind == ""
