"""Concurrent writers on PostgreSQL cannot fork the chain: one valid chain results.

Each thread has its own database connection (its own PostgreSQL backend), so
the writers really race; a barrier starts them together.
"""

import threading
import time

import pytest
from django.db import IntegrityError, connection, connections, transaction

from deviations.domain import audit, reviews
from deviations.domain.permissions import REVIEWER
from deviations.models import AuditChainHead, AuditEvent, Origin, Review
from tests import factories

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL's concurrent writers"
    ),
]


def run_together(workers):
    """Run callables in threads started at once; return the exceptions they raised."""
    barrier = threading.Barrier(len(workers))
    errors = []

    def wrap(work):
        try:
            barrier.wait()
            work()
        except Exception as error:  # noqa: BLE001 - collected and asserted by the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrap, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


def writer(name, batches, per_batch):
    actor = audit.Actor.job(name, Origin.TASK)

    def work():
        for b in range(batches):
            with transaction.atomic():
                audit.record_many(
                    actor,
                    [
                        audit.Draft(action="test.write", object_id=f"{name}-{b}-{i}")
                        for i in range(per_batch)
                    ],
                )
                time.sleep(0.001)  # hold the head a moment so the others queue behind it

    return work


def test_concurrent_writers_build_one_valid_chain():
    errors = run_together([writer(f"w{n}", batches=15, per_batch=3) for n in range(6)])
    assert errors == []
    result = audit.verify()
    assert result.ok, result.problem
    assert result.checked == 6 * 15 * 3
    assert AuditChainHead.objects.get().seq == 270
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 271))
    # Each transaction's events stay contiguous: nobody interleaved inside a batch.
    rows = AuditEvent.objects.order_by("seq").values_list("object_id", flat=True)
    batches = [tuple(x.rsplit("-", 1)[0] for x in rows[i : i + 3]) for i in range(0, 270, 3)]
    assert all(len(set(b)) == 1 for b in batches)


def test_without_the_head_lock_writers_would_collide(monkeypatch):
    # Control experiment: the same race with the lock removed does go wrong,
    # so the test above is a real test of the lock.
    def unlocked_head():
        head, _ = AuditChainHead.objects.get_or_create(
            pk=1, defaults={"seq": 0, "hash": audit.GENESIS_HASH}
        )
        return head.seq, head.hash

    monkeypatch.setattr(audit, "_lock_head", unlocked_head)
    with transaction.atomic():
        audit.record(audit.Actor.job("seed", Origin.TASK), "test.seed")

    def racer(name):
        def work():
            with transaction.atomic():
                audit.record(audit.Actor.job(name, Origin.TASK), "test.write")
                time.sleep(0.2)

        return work

    errors = run_together([racer(f"r{n}") for n in range(4)])
    assert errors and all(isinstance(e, IntegrityError) for e in errors)


def test_concurrent_reviews_keep_one_valid_chain():
    reviewers = [factories.make_user(f"rev{n}", roles=[REVIEWER]) for n in range(4)]
    devs = [factories.make_deviation(f"comp{n % 5}", key=f"overlay-{n}") for n in range(40)]
    ids = [d.pk for d in devs]
    seen = {d.pk: reviews.seen_now(d) for d in devs}

    def reviewing(n, user):
        def work():
            mine = ids[n * 10 : (n + 1) * 10]
            actor = audit.Actor.for_user(user, Origin.WEB)
            for pk in mine[:5]:
                reviews.decide(actor, pk, "changes-requested", f"comment by {user}", seen=seen[pk])
            # Everyone also bulk-approves a shared slice (rev0's): rows are locked, so each
            # is approved once and the later attempts are refused as already approved.
            reviews.approve_many(actor, {pk: seen[pk] for pk in mine[5:] + ids[7:10]})

        return work

    errors = run_together([reviewing(n, u) for n, u in enumerate(reviewers)])
    assert errors == []
    result = audit.verify()
    assert result.ok, result.problem
    review_events = AuditEvent.objects.filter(action__startswith="review.")
    assert review_events.count() == Review.objects.count()
    assert Review.objects.filter(decision="changes-requested").count() == 20
    approved = list(Review.objects.filter(decision="approved").values_list("deviation", flat=True))
    assert sorted(approved) == sorted(ids[5:10] + ids[15:20] + ids[25:30] + ids[35:40])
