"""The real config history (../shared config-history.bundle): records plus provenance.

Importing an older commit and then the tip must produce audit events for exactly the
deviations that changed in between; the expected changes are computed independently
(tests/importer/independent.py on `git archive` of both commits).
"""

from __future__ import annotations

import subprocess
import tarfile
from collections import Counter, defaultdict
from io import BytesIO

import pytest

from deviations.domain.importer import database_summary, import_config
from deviations.models import AuditEvent, ConfigCommit, Deviation, DeviationLife
from tests.factories import work_tree_git
from tests.importer.independent import read_tree, signature, totals

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

OLD_SUBJECT = "chore: Convert per-component snapshots into commits"


@pytest.fixture
def bundle(tmp_path, settings):
    from tests.support import shared_path

    path = shared_path("data", "azurelinux-4.0", "config-history.bundle")
    settings.CACHE_DIR = tmp_path / "cache"
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(path), str(clone)], check=True)
    return path, clone


def tree_at(clone, sha, into):
    data = subprocess.run(
        ["git", "-C", str(clone), "archive", "--format=tar", sha], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(data)) as archive:
        archive.extractall(into, filter="data")
    return read_tree(into)


def test_tip_import_has_the_records_and_their_provenance(bundle, real_config_dir):
    path, clone = bundle
    tip = work_tree_git(clone, "rev-parse", "HEAD").strip()
    result = import_config(str(path))
    assert result.commit == tip
    kinds, types = totals(read_tree(real_config_dir))  # the same records as the folder
    summary = database_summary()
    assert summary["components"] == 7583
    assert summary["deviations_by_kind"] == dict(kinds)
    assert summary["overlays_by_type"] == dict(types)
    assert not Deviation.objects.filter(introduced_commit__isnull=True).exists()
    assert not Deviation.objects.filter(current_version__commit__isnull=True).exists()
    # The README's example: systemd's Xen overlays came with this commit.
    xen = Deviation.objects.get(
        component__name="systemd", kind="overlay", overlay_type="spec-remove-tag"
    )
    assert xen.introduced_commit.subject.startswith("fix(systemd): disable Xen support")
    expected = work_tree_git(
        clone, "log", "-1", "--format=%H %an", "--grep=^fix(systemd): disable Xen support"
    ).split()
    assert xen.introduced_commit.sha == expected[0]
    assert xen.introduced_commit.author_name == " ".join(expected[1:])
    assert xen.introduced_commit.author_email.endswith("@users.invalid")
    assert ConfigCommit.objects.filter(sha=tip).exists()
    # automake and meson set rhel=10 in April, after the distro default stopped setting it
    # for everyone in February: the define is theirs, with the distro's run kept before it.
    for name in ("automake", "meson"):
        rhel = Deviation.objects.get(component__name=name, key="build-option:define:rhel")
        assert rhel.introduced_commit.subject.startswith(f"fix({name}): set rhel=10")
        assert rhel.introduced_commit.author_name == "Chris Co"
        (earlier,) = rhel.earlier_lives.select_related("removed_commit")
        assert earlier.removed_commit.subject.startswith("chore: do not define rhel")
    assert DeviationLife.objects.count() == 59  # the deviations that left and came back
    # The folder of the same tree changes no record (provenance stays); only the place the
    # config is read from moved, and that is recorded.
    provenance = list(Deviation.objects.values_list("id", "introduced_commit", "changed_commit"))
    moved = import_config(real_config_dir)
    assert moved.totals() == {"created": 0, "changed": 0, "removed": 0}
    assert set(
        AuditEvent.objects.filter(actor_label=f"import #{moved.run.pk}").values_list(
            "action", flat=True
        )
    ) == {"config.source-moved"}
    assert (
        list(Deviation.objects.values_list("id", "introduced_commit", "changed_commit"))
        == provenance
    )
    assert import_config(real_config_dir).run is None


def test_older_commit_then_tip_changes_exactly_what_changed(bundle, tmp_path):
    path, clone = bundle
    old = work_tree_git(clone, "log", "-1", "--format=%H", f"--grep=^{OLD_SUBJECT}").strip()
    tip = work_tree_git(clone, "rev-parse", "HEAD").strip()
    before, after = tree_at(clone, old, tmp_path / "old"), tree_at(clone, tip, tmp_path / "tip")

    first = import_config(str(path), ref=old).run
    assert first.commit.sha == old
    second = import_config(str(path)).run
    assert second.commit.sha == tip

    # Independent expectation: per component, what left and what arrived (as multisets
    # of content + justification).
    expected_out, expected_in = {}, {}
    for name in before.keys() | after.keys():
        old_sigs = Counter(signature(d) for d in before.get(name, []))
        new_sigs = Counter(signature(d) for d in after.get(name, []))
        if old_sigs != new_sigs:
            expected_out[name] = old_sigs - new_sigs
            expected_in[name] = new_sigs - old_sigs
    assert len(expected_out) > 20  # a real slice of history, not a no-op

    seen_out, seen_in = defaultdict(Counter), defaultdict(Counter)
    actions = Counter()
    comment_only = set()
    for event in AuditEvent.objects.filter(
        actor_label=f"import #{second.pk}", object_type="deviation"
    ):
        actions[event.action] += 1
        if event.action == "deviation.changed" and signature(event.before) == signature(
            event.after
        ):
            # Only the TOML comment above it changed (the independent reading has no
            # comments): check that directly.
            assert event.before["comment"] != event.after["comment"]
            comment_only.add(event.component_name)
            continue
        if event.action in ("deviation.changed", "deviation.removed"):
            seen_out[event.component_name][signature(event.before)] += 1
        if event.action in ("deviation.changed", "deviation.created", "deviation.restored"):
            seen_in[event.component_name][signature(event.after)] += 1
    assert set(actions) <= {"deviation.changed", "deviation.created", "deviation.removed"}
    assert {k: v for k, v in seen_out.items() if v} == {k: v for k, v in expected_out.items() if v}
    assert {k: v for k, v in seen_in.items() if v} == {k: v for k, v in expected_in.items() if v}
    touched = {
        e.component_name
        for e in AuditEvent.objects.filter(
            actor_label=f"import #{second.pk}", object_type="deviation"
        )
    }
    assert touched == set(expected_out) | comment_only

    # The import at the tip equals a fresh import at the tip.
    kinds, _ = totals(after)
    assert database_summary()["deviations_by_kind"] == dict(kinds)
