"""What the code takes to be unique is unique in the database too."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from deviations.domain import audit
from deviations.models import AuditChainHead, DriftCommit, GitIdentity
from deviations.vocabulary import AuditAction
from tests import factories

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def _drift(component, position: int, sha: str) -> DriftCommit:
    return DriftCommit.objects.create(
        component=component,
        position=position,
        sha=sha,
        committed_at=WHEN,
        author="Fedora Packager",
        subject="Rebuilt",
    )


def test_one_drift_commit_per_position():
    # The timeline orders a component's drift commits by position: 1, 2, ... after the pin.
    curl = factories.make_component("curl")
    _drift(curl, 1, "a" * 40)
    with pytest.raises(IntegrityError), transaction.atomic():
        _drift(curl, 1, "b" * 40)
    _drift(factories.make_component("zlib"), 1, "b" * 40)  # per component


def test_a_name_only_git_identity_once_per_user():
    # people.link_identity refuses the same name again (case aside); so does the database.
    rita = factories.make_user("rita")
    GitIdentity.objects.create(user=rita, name="Rita R")
    with pytest.raises(IntegrityError), transaction.atomic():
        GitIdentity.objects.create(user=rita, name="rita r")
    GitIdentity.objects.create(user=rita, name="Rita R", email="rita@example.com")
    GitIdentity.objects.create(user=factories.make_user("vera"), name="Rita R")


def test_the_audit_chain_has_one_head():
    with transaction.atomic():
        audit.record(audit.Actor.job("import #1"), AuditAction.CONFIG_SOURCE_MOVED)
    assert list(AuditChainHead.objects.values_list("pk", flat=True)) == [1]
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditChainHead.objects.create(pk=2, seq=0, hash=audit.GENESIS_HASH)
