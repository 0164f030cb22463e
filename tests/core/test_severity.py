"""The rules of what needs attention (deviations.core.severity), without Django."""

from __future__ import annotations

import pytest

from deviations.core.severity import (
    component_status,
    documented,
    overlay_label,
    severities,
    shorten,
    worst,
)
from deviations.vocabulary import ReviewState, Severity, Verdict
from deviations.vocabulary.severity import DEVIATION_SEVERITIES


def judge(pin="applied", tip="applied", state="approved", obsolete=False, doc=True):
    return severities(
        verdict_at_pin=pin,
        verdict_at_tip=tip,
        review_state=state,
        obsolete=obsolete,
        documented=doc,
    )


def test_an_approved_documented_overlay_that_applies_everywhere_is_ok():
    assert judge() == (Severity.OK,)
    # Not synced yet (no verdicts) and approved: nothing to say either.
    assert judge(pin="", tip="") == (Severity.OK,)


def test_failing_at_the_pin_is_broken_now_not_breaking_on_rebase():
    # The overview used to count these as "failing on rebase": they fail today.
    assert judge(pin="failed", tip="failed") == (Severity.BROKEN_NOW,)
    assert judge(pin="failed", tip="applied") == (Severity.BROKEN_NOW,)


def test_applying_at_the_pin_and_failing_at_the_tip_breaks_on_rebase():
    assert judge(pin="applied", tip="failed") == (Severity.BREAKS_ON_REBASE,)
    # A no-op at the pin that fails at the tip: both a rebase risk and an obsolete candidate.
    assert judge(pin="no-op", tip="failed") == (
        Severity.BREAKS_ON_REBASE,
        Severity.OBSOLETE_CANDIDATE,
    )
    # Unknown at the pin (never rendered) says nothing about a rebase.
    assert judge(pin="", tip="failed") == (Severity.OK,)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (ReviewState.STALE, Severity.STALE_APPROVAL),
        (ReviewState.NEEDS_REVIEW, Severity.NEEDS_REVIEW),
    ],
)
def test_open_review_states(state, expected):
    assert judge(state=state) == (expected,)


@pytest.mark.parametrize("state", [ReviewState.CHANGES_REQUESTED, ReviewState.REJECTED])
def test_a_decision_that_holds_is_not_a_severity(state):
    assert judge(state=state) == (Severity.OK,)


def test_no_op_at_the_pin_or_tip_or_flagged_obsolete_is_an_obsolete_candidate():
    assert judge(pin="no-op", tip="no-op") == (Severity.OBSOLETE_CANDIDATE,)
    assert judge(tip="no-op") == (Severity.OBSOLETE_CANDIDATE,)
    assert judge(obsolete=True) == (Severity.OBSOLETE_CANDIDATE,)


def test_a_deviation_is_in_every_state_that_applies_worst_first():
    found = judge(pin="failed", tip="no-op", state="needs-review", doc=False)
    assert found == (
        Severity.BROKEN_NOW,
        Severity.NEEDS_REVIEW,
        Severity.OBSOLETE_CANDIDATE,
        Severity.UNDOCUMENTED,
    )
    assert worst(found) == Severity.BROKEN_NOW
    assert [s.rank for s in found] == sorted(s.rank for s in found)


def test_worst_of_nothing_is_ok():
    assert worst([]) == Severity.OK


def test_the_vocabulary_is_written_worst_first_and_ok_last():
    assert list(Severity)[-1] == Severity.OK
    assert Severity.SYNC_PROBLEM not in DEVIATION_SEVERITIES
    assert Severity.BROKEN_NOW.rank < Severity.BREAKS_ON_REBASE.rank < Severity.UNDOCUMENTED.rank


def test_a_component_is_its_worst_deviation():
    devs = [judge(), judge(state="needs-review"), judge(doc=False)]
    assert component_status(devs, error_kind="", render_ok=True) == Severity.NEEDS_REVIEW
    assert component_status([], error_kind="", render_ok=True) == Severity.OK


def test_a_render_failure_or_sync_error_makes_a_component_a_sync_problem():
    # kernel showed Sync "ok" with 9 overlays failing: a failed render is a sync problem.
    assert component_status([judge()], error_kind="", render_ok=False) == Severity.SYNC_PROBLEM
    assert component_status([], error_kind="pin-missing", render_ok=True) == Severity.SYNC_PROBLEM
    # ... which outranks even a broken overlay.
    assert (
        component_status([judge(pin="failed")], error_kind="", render_ok=False)
        == Severity.SYNC_PROBLEM
    )


@pytest.mark.parametrize(
    ("description", "comment", "reason", "metadata", "expected"),
    [
        ("Drop the CA bundle", "", "", {}, True),
        ("", "# Our images ship their own", "", {}, True),
        ("", "", "flaky on builders", {}, True),
        ("", "", "", {"category": "azl-pruning"}, True),
        ("", "", "", {}, False),
        ("  ", "\n", "", None, False),  # blank text says nothing
    ],
)
def test_documented(description, comment, reason, metadata, expected):
    assert documented(description, comment, reason, metadata) is expected


@pytest.mark.parametrize(
    ("content", "label"),
    [
        (
            {"type": "spec-remove-tag", "tag": "BuildRequires", "value": "xen-devel"},
            "spec-remove-tag BuildRequires: xen-devel",
        ),
        ({"type": "spec-add-tag", "tag": "Provides"}, "spec-add-tag Provides"),
        (
            {
                "type": "file-add",
                "file": "IMPROVEMENT-use-Apache-Commons-Compress-for-pack200-.patch",
                "source": "IMPROVEMENT-use-Apache-Commons-Compress-for-pack200-.patch",
            },
            "file-add IMPROVEMENT-use-Apache-Common…200-.patch",
        ),
        ({"type": "patch-add", "source": "patches/nano-fix.patch"}, "patch-add nano-fix.patch"),
        (
            {"type": "file-rename", "file": "a:b.patch", "replacement": "a-b.patch"},
            "file-rename a:b.patch → a-b.patch",
        ),
        (
            {"type": "spec-append-lines", "section": "%build", "lines": ["", "make   check"]},
            "spec-append-lines %build make check",
        ),
        (
            {"type": "spec-search-replace", "regex": "^%check$", "replacement": "x"},
            "spec-search-replace ^%check$",
        ),
        ({"type": "spec-remove-subpackage", "package": "doc"}, "spec-remove-subpackage doc"),
        ({"type": "file-remove", "file": "old.conf"}, "file-remove old.conf"),
        ({"without": "brotli"}, ""),  # not an overlay
    ],
)
def test_an_undocumented_overlay_is_labelled_by_type_and_parameters(content, label):
    assert overlay_label(content) == label


def test_shorten_keeps_the_start_and_the_extension():
    name = "IMPROVEMENT-use-Apache-Commons-Compress-for-pack200-.patch"
    short = shorten(name, 40)
    assert len(short) == 40 and short.startswith("IMPROVEMENT-use") and short.endswith(".patch")
    assert shorten("a\n  b") == "a b"


def test_every_verdict_and_state_combination_is_judged():
    """No combination of the columns the rule reads fails or yields nothing."""
    for pin in ("", *Verdict):
        for tip in ("", *Verdict):
            for state in ReviewState:
                for obsolete in (False, True):
                    for doc in (False, True):
                        found = judge(pin, tip, state, obsolete, doc)
                        assert found and (found == (Severity.OK,) or Severity.OK not in found)
