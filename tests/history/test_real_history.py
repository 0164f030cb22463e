"""The record through time on the real config history (../shared config-history.bundle).

One import of the bundle replays its 456 commits; for commits across the history, the
as-of deviation counts by kind equal a fresh import of that commit's tree into an empty
database (each fresh import runs first, in a transaction rolled back, so the database
is empty for it); the changes between two of them equal the difference of those two
fresh imports; review states as of a date before a decision are the earlier state.
"""

from __future__ import annotations

import subprocess
import tarfile
from collections import Counter
from io import BytesIO

import pytest
from django.db import transaction

from deviations.domain import audit, reviews
from deviations.domain.importer import import_config
from deviations.models import ConfigCommit, Deviation
from deviations.reads import history
from deviations.vocabulary import Decision, HistoryChange, Origin, ReviewState
from tests.support import shared_path

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# From this commit on, every commit's config is valid by today's rules (a fresh import of
# an older tree is refused: per-component snapshots), so the fresh imports start there.
VALID_FROM = "chore: Convert per-component snapshots into commits"


class _Undo(Exception):
    pass


def fresh(tree) -> dict[tuple[str, str, str, str], int]:
    """(component, kind, fingerprint, description) of every deviation a fresh import of
    `tree` into the empty database records (rolled back afterwards)."""
    found: Counter = Counter()
    try:
        with transaction.atomic():
            import_config(tree)
            for row in Deviation.objects.filter(removed=False).values_list(
                "component__name", "kind", "fingerprint", "description"
            ):
                found[row] += 1
            raise _Undo
    except _Undo:
        pass
    return found


def test_the_real_history_through_time(tmp_path, settings, reviewer):
    bundle = shared_path("data", "azurelinux-4.0", "config-history.bundle")
    settings.CACHE_DIR = tmp_path / "cache"
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(bundle), str(clone)], check=True)
    line = subprocess.run(
        ["git", "-C", str(clone), "rev-list", "--first-parent", "--reverse", "HEAD"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    start = line.index(
        subprocess.run(
            ["git", "-C", str(clone), "log", "-1", "--format=%H", f"--grep=^{VALID_FROM}"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # Positions on the first-parent line: that commit, one between it and the tip, the tip.
    positions = (start, (start + len(line)) // 2, len(line) - 1)
    fresh_imports = {}
    for position in positions:
        tree = tmp_path / f"tree-{position}"
        data = subprocess.run(
            ["git", "-C", str(clone), "archive", "--format=tar", line[position]],
            check=True,
            capture_output=True,
        ).stdout
        with tarfile.open(fileobj=BytesIO(data)) as archive:
            archive.extractall(tree, filter="data")
        fresh_imports[position] = fresh(tree)

    import_config(str(bundle))
    assert ConfigCommit.objects.filter(position__isnull=False).count() == len(line)
    for position in positions:
        point = history.resolve(line[position])
        devs, _ = history.deviations_at(point)
        got = Counter(r.span.kind for r in devs)
        want = Counter()
        for (_, kind, _, _), n in fresh_imports[position].items():
            want[kind] += n
        assert got == want, position
        assert ConfigCommit.objects.get(sha=line[position]).tally["by_kind"] == dict(want)

    # The changes between two commits are the difference of their fresh imports.
    first, last = positions[0], positions[1]
    found = history.changes(history.resolve(line[first]), history.resolve(line[last]))
    out, came = Counter(), Counter()
    for change in found.deviations:
        if change.before is not None:
            b = change.before
            out[(change.component, b.kind, b.fingerprint, b.description)] += 1
        if change.after is not None:
            a = change.after
            came[(change.component, a.kind, a.fingerprint, a.description)] += 1
    old, new = fresh_imports[first], fresh_imports[last]
    assert len(found.deviations) > 20  # a real slice of history
    # What left and what arrived, as multisets; a change of the TOML comment or metadata
    # alone is a change here too, which the (component, kind, fingerprint, description)
    # signature cannot see: those are the changes whose signature is unchanged.
    same = [
        c
        for c in found.deviations
        if c.change == HistoryChange.CHANGED
        and (c.before.fingerprint, c.before.description)
        == (c.after.fingerprint, c.after.description)
    ]
    for change in same:
        b = change.before
        key = (change.component, b.kind, b.fingerprint, b.description)
        out[key] -= 1
        came[key] -= 1
    assert +out == old - new
    assert +came == new - old

    # Review states as of a date before a decision are the earlier state.
    target = Deviation.objects.filter(removed=False).order_by("pk").first()
    reviews.decide(
        audit.Actor.for_user(reviewer, Origin.WEB),
        target,
        Decision.APPROVED,
        seen=reviews.seen_now(target),
    )
    tip_day = ConfigCommit.objects.get(sha=line[-1]).committed_at.date().isoformat()
    then = history.resolve(tip_day)
    assert then.commit.sha == line[-1]
    (row,) = [r for r in history.deviations_at(then)[0] if r.deviation_id == target.pk]
    assert row.review.state == ReviewState.NEEDS_REVIEW
    (row,) = [
        r
        for r in history.deviations_at(history.resolve(line[-1]))[0]
        if r.deviation_id == target.pk
    ]
    assert row.review.state == ReviewState.APPROVED
