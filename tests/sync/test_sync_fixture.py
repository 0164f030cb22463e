"""End to end against ../shared: the real config, fixture repositories, the manifest.

A few hundred components (every 25th of the config, plus the special cases) keep the
suite fast; bench/sync.py runs the same check on all of them.  Skips cleanly when
../shared is absent.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from deviations.domain.importer import import_config
from deviations.domain.sync import SyncRequest, start_sync
from deviations.models import Component, ComponentSync, SyncRunIssue
from tests.support import shared_path

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

SPECIAL = [
    "bash",  # follows rawhide
    "libseccomp",  # follows rawhide
    "azurelinux-rpm-config",  # upstream-name redhat-rpm-config
    "at",  # no spec in the corpus: the fixture has no repository
    "texlive",  # idem
    "ImageMagick",  # pinned to a Fedora commit the fixture does not have
    "fuse3",  # idem
    "systemd",  # overlays
    "kernel",  # a version that needs build defines
]


def config_names(config_dir) -> list[str]:
    import tomli

    comps = config_dir / "base" / "comps"
    names = set(tomli.loads((comps / "components.toml").read_text())["components"])
    for path in comps.glob("**/*.comp.toml"):
        names |= set(tomli.loads(path.read_text())["components"])
    return sorted(names)


@pytest.fixture(scope="session")
def fixture_repos(tmp_path_factory):
    """Fixture repositories for a sample of the real config's components (built once)."""
    config_dir = shared_path("data", "azurelinux-4.0", "config")
    tool = shared_path("bin", "make-distgit-fixture")
    names = config_names(config_dir)
    sample = sorted(set(names[::25]) | {n for n in SPECIAL if n in names})
    out = tmp_path_factory.mktemp("distgit")
    names_file = out / "names.txt"
    names_file.write_text("\n".join(sample))
    result = subprocess.run(
        [
            sys.executable,
            str(tool),
            "--out",
            str(out / "repos"),
            "--names",
            f"@{names_file}",
            "--skip-unusable",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    manifest = json.loads((out / "repos" / "manifest.json").read_text())
    return config_dir, sample, result.stdout.strip(), manifest


def expected(component: Component, entry: dict) -> tuple:
    branch = component.dist_git_branch
    tip = entry["tips"][branch]
    if component.snapshot_at is None:
        pin, behind = tip, 0
    else:
        pin, behind = entry["snapshot"], entry["ahead_of_snapshot"][branch]
    return (
        pin["sha"],
        tip["sha"],
        behind,
        pin["version"],
        pin["release"],
        tip["version"],
        tip["release"],
    )


def test_sync_matches_the_fixture_manifest(fixture_repos, settings, tmp_path):
    config_dir, sample, template, manifest = fixture_repos
    import_config(config_dir, cache_dir=tmp_path / "cache")
    run = start_sync(SyncRequest(components=sample, base_uri=template, workers=4))
    assert (run.status, run.total, run.done) == ("succeeded", len(sample), len(sample))

    components = {c.name: c for c in Component.objects.filter(name__in=sample)}
    syncs = {s.component.name: s for s in ComponentSync.objects.select_related("component")}
    issues = {}
    for issue in SyncRunIssue.objects.filter(run=run):
        issues.setdefault(issue.component_name, []).append(issue)
    checked = pinned = missing = local = 0
    for name in sample:
        component, sync = components[name], syncs[name]
        if component.spec_type == "local":
            assert sync.pinned_commit == "" and sync.error == "", name
            assert sync.rendered_diff.startswith("--- /dev/null"), name
            local += 1
            continue
        package = component.upstream_name or name
        entry = manifest["components"].get(package)
        if entry is None:
            # The fixture has no repository for it: no spec in the corpus, or the corpus
            # keeps it under the Azure Linux name while $pkg is the Fedora name.
            assert name in manifest["skipped"] or package != name, name
            assert [i.kind for i in issues[name]] == ["repo-missing"], name
            missing += 1
            continue
        if component.upstream_commit:
            # Real Fedora commits are not in the fixture: a clear error for that component.
            assert sync.error_kind == "pin-missing", name
            assert f"upstream-commit {component.upstream_commit} does not exist" in sync.error
            assert [i.kind for i in issues[name]] == ["pin-missing"], name
            pinned += 1
            continue
        got = (
            sync.pinned_commit,
            sync.tip_commit,
            sync.commits_behind,
            sync.version_at_pin,
            sync.release_at_pin,
            sync.version_at_tip,
            sync.release_at_tip,
        )
        assert got == expected(component, entry), name
        assert sync.error_kind in ("", "overlay-failed"), (name, sync.error)
        checked += 1
    assert checked > 250 and pinned >= 2 and missing == 3  # at, texlive, redhat-rpm-config
    assert local == sum(1 for c in components.values() if c.spec_type == "local")
    rawhide = syncs["bash"]
    assert rawhide.branch == "rawhide"
