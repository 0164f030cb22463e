"""The demo's people and reviews, on the real config history: every state, real events.

`manage.py demo --no-serve` on a fresh database: the config is imported at the commit
the demo's colleague reviewed, synced, reviewed, then brought to the tip, which lapses
one approval (the overlay a later commit changed) and removes one deviation.  Run
again (as `bin/run` on an existing database): no-op import, an incremental sync, the
same users and reviews.
"""

import io
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from deviations.domain import audit, permissions
from deviations.management.commands.demo import config_history
from deviations.models import (
    AuditEvent,
    Deviation,
    GitIdentity,
    ImportRun,
    Review,
    ReviewState,
    SyncRun,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _private_cache(settings, tmp_path):
    settings.CACHE_DIR = tmp_path / "cache"


def run_demo(work: Path) -> str:
    out = io.StringIO()
    call_command("demo", "--no-serve", "--work-dir", str(work), stdout=out)
    return out.getvalue()


def test_the_demo_shows_every_review_state_from_the_real_history(tmp_path):
    out = run_demo(tmp_path / "work")
    history = config_history().build(tmp_path / "work" / "config.git")

    for line in ("viewer    password viewer-demo", "reviewer  password reviewer-demo"):
        assert line in out
    users = {u.username: u for u in get_user_model().objects.all()}
    assert permissions.roles(users["viewer"]) == {"viewer"}
    assert permissions.roles(users["reviewer"]) == {"reviewer"}
    assert permissions.can_manage_users(users["admin"]) and users["admin"].is_staff
    assert users["reviewer"].check_password("reviewer-demo")
    identity = GitIdentity.objects.get(user=users["reviewer"])
    assert identity.email == history["reviewer"]["email"]

    live = Deviation.objects.filter(removed=False)
    assert set(live.values_list("review_state", flat=True)) == set(ReviewState.values)
    assert re.search(
        r"Review states: \d+ needs review, 3 approved, 1 changes requested, 1 rejected, 1 stale",
        out,
    )

    # The stale approval comes from the history: approved as of the reviewed commit,
    # changed by a later commit, lapsed by the import of the tip.
    stale = Deviation.objects.get(review_state=ReviewState.STALE)
    assert stale.changed_commit.sha == history["commits"]["chrony-summary"]
    assert stale.introduced_commit.sha != stale.changed_commit.sha
    assert stale.versions.count() == 2
    assert Review.objects.get(deviation=stale).version.number == 1
    lapsed = AuditEvent.objects.get(action="review.lapsed")
    tip_run = ImportRun.latest()
    assert lapsed.object_id == str(stale.pk) and lapsed.actor_label == f"import #{tip_run.pk}"
    assert tip_run.commit.sha == history["head"]
    # ... and one deviation the later commits removed, with its history.
    removed = Deviation.objects.get(removed=True)
    assert AuditEvent.objects.filter(action="deviation.removed", object_id=str(removed.pk)).exists()
    assert removed.introduced_commit is not None

    # Four eyes: the reviewer wrote some deviations (in git) and a note (in the app).
    authored = live.filter(introduced_commit__author_email=identity.email).first()
    assert permissions.approval_refusal(users["reviewer"], authored).startswith("Four eyes")
    noted = Deviation.objects.get(notes__versions__author=users["reviewer"])
    assert permissions.approval_refusal(users["reviewer"], noted).startswith("Four eyes")
    assert audit.verify().ok

    # bin/run again on this database: nothing new but an incremental sync.
    before = {
        "imports": ImportRun.objects.count(),
        "reviews": Review.objects.count(),
        "users": get_user_model().objects.count(),
        "deviations": list(Deviation.objects.values_list("id", "review_state", "fingerprint")),
    }
    syncs = SyncRun.objects.count()
    again = run_demo(tmp_path / "work")
    assert "nothing changed, nothing written" in again
    assert "The records are at the tip of the demo config already." in again
    assert {
        "imports": ImportRun.objects.count(),
        "reviews": Review.objects.count(),
        "users": get_user_model().objects.count(),
        "deviations": list(Deviation.objects.values_list("id", "review_state", "fingerprint")),
    } == before
    assert SyncRun.objects.count() == syncs + 1
    assert SyncRun.objects.latest("pk").changed == 0
    assert audit.verify().ok
