"""The vocabularies: closed sets of values with a label and a one-sentence description,
usable as Django choices and in templates, and the same objects wherever they are named."""

from __future__ import annotations

import json

import pytest
from django.template import Context, Template

from deviations import models
from deviations.core import distgit, lookaside
from deviations.vocabulary import (
    VOCABULARIES,
    Decision,
    DistGitIssue,
    LookasideIssue,
    ReviewState,
    SyncIssue,
    SyncRunStatus,
    Target,
    Verdict,
    Vocabulary,
)
from deviations.vocabulary.sync_issues import ISSUE_CHOICES


@pytest.mark.parametrize("vocabulary", VOCABULARIES, ids=lambda v: v.__name__)
def test_every_member_has_a_label_and_one_sentence(vocabulary: type[Vocabulary]):
    assert len(vocabulary) > 0
    for member in vocabulary:
        assert member.label and member.label == member.label.strip(), member
        sentence = member.description
        assert sentence[:1].isupper() and sentence.endswith("."), member
        assert ". " not in sentence, f"{member!r}: one sentence, not several"


def test_a_member_is_its_value():
    assert Verdict.NOOP == "no-op" and str(Verdict.NOOP) == "no-op" and f"{Verdict.NOOP}" == "no-op"
    assert Verdict("no-op") is Verdict.NOOP and hash(Verdict.NOOP) == hash("no-op")
    assert json.dumps({"verdict": Verdict.FAILED}) == '{"verdict": "failed"}'
    assert type(Verdict.FAILED.value) is str
    assert repr(Verdict.FAILED) == "Verdict.FAILED"


def test_choices_are_django_choices():
    assert Verdict.choices == [("applied", "applied"), ("no-op", "no-op"), ("failed", "failed")]
    assert Decision.values == ["approved", "changes-requested", "rejected"]
    # A run's issue comes from git, the lookaside cache or the sync itself: one field, three
    # vocabularies, no value shared.
    assert DistGitIssue.choices + LookasideIssue.choices + SyncIssue.choices == ISSUE_CHOICES
    assert len({value for value, _ in ISSUE_CHOICES}) == len(ISSUE_CHOICES)


def test_values_are_unique_within_a_vocabulary():
    with pytest.raises(ValueError, match="duplicate values"):

        class Twice(Vocabulary):
            ONE = "one", "one", "The first."
            AGAIN = "one", "again", "The same value again."


def test_a_decision_puts_the_deviation_in_its_state():
    assert [d.state for d in Decision] == [
        ReviewState.APPROVED,
        ReviewState.CHANGES_REQUESTED,
        ReviewState.REJECTED,
    ]


def test_the_names_elsewhere_are_the_same_objects():
    assert models.Verdict is Verdict and models.ReviewState is ReviewState
    assert models.SyncRun.Status is SyncRunStatus and models.OverlayResult.Target is Target
    assert models.SyncRun._meta.get_field("status").choices == SyncRunStatus.choices
    assert distgit.ErrorKind is DistGitIssue and lookaside.ErrorKind is LookasideIssue


def test_templates_compare_against_members():
    template = Template(
        "{% if run.status == SyncRunStatus.RUNNING %}polling{% else %}done{% endif %} "
        "{{ SyncRunStatus.RUNNING.label }} {{ Verdict.FAILED.description }}"
    )
    context = {"SyncRunStatus": SyncRunStatus, "Verdict": Verdict}
    running = template.render(Context({**context, "run": {"status": "running"}}))
    assert running == f"polling running {Verdict.FAILED.description}"
    finished = template.render(Context({**context, "run": {"status": "succeeded"}}))
    assert finished.startswith("done ")


def test_every_page_sees_the_vocabularies(client, viewer):
    client.force_login(viewer)
    response = client.get("/")
    assert response.context["Verdict"] is Verdict
    assert all(response.context[v.__name__] is v for v in VOCABULARIES)
