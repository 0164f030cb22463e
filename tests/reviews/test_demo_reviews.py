"""The demo's people-and-reviews step: every review state, real events, idempotent."""

import importlib.util
import io
import shutil
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from deviations import audit, permissions
from deviations.importer import import_config
from deviations.models import AuditEvent, Deviation, GitIdentity, Review, ReviewState
from deviations.reviews_demo import demo_people_and_reviews
from deviations.sync import SyncRequest, start_sync

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_demo_shows_every_review_state_with_demo_users(tmp_path):
    spec = importlib.util.spec_from_file_location("build", ROOT / "demo" / "upstream" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    repos = build.build(tmp_path / "distgit")
    config = tmp_path / "config"
    shutil.copytree(ROOT / "demo" / "config", config)
    import_config(config, cache_dir=tmp_path / "cache")
    start_sync(SyncRequest(base_uri=repos["url_template"]))

    command = BaseCommand(stdout=io.StringIO())
    context = {"config": str(config), "variant_dir": tmp_path / "variant", "cache_dir": tmp_path}
    demo_people_and_reviews(command, context)

    out = command.stdout.getvalue()
    for line in ("viewer    password viewer-demo", "reviewer  password reviewer-demo"):
        assert line in out
    users = {u.username: u for u in get_user_model().objects.all()}
    assert permissions.roles(users["viewer"]) == {"viewer"}
    assert permissions.roles(users["reviewer"]) == {"reviewer"}
    assert permissions.can_manage_users(users["admin"]) and users["admin"].is_staff
    assert users["reviewer"].check_password("reviewer-demo")
    assert GitIdentity.objects.filter(user=users["reviewer"]).exists()

    states = set(Deviation.objects.values_list("review_state", flat=True))
    assert states == set(ReviewState.values)
    stale = Deviation.objects.get(review_state=ReviewState.STALE)
    lapsed = AuditEvent.objects.get(action="review.lapsed")
    assert lapsed.object_id == str(stale.pk) and lapsed.actor_label.startswith("import #")
    # The reviewer wrote a note somewhere, so four eyes bars them from approving it.
    noted = Deviation.objects.get(notes__versions__author=users["reviewer"])
    assert permissions.approval_refusal(users["reviewer"], noted).startswith("Four eyes")
    assert "1 stale" in out
    assert audit.verify().ok

    reviews_before, events_before = Review.objects.count(), AuditEvent.objects.count()
    demo_people_and_reviews(BaseCommand(stdout=io.StringIO()), context)
    assert (Review.objects.count(), AuditEvent.objects.count()) == (reviews_before, events_before)
