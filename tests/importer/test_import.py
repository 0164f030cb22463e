"""The importer: what it records, what a re-import changes, and what it never writes."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deviations.core.config import load_config
from deviations.domain.importer import ImportFailed, database_summary, import_config
from deviations.models import (
    AuditEvent,
    Component,
    ConfigCommit,
    Deviation,
    DeviationVersion,
    ImportRun,
    ReviewState,
)
from tests import factories
from tests.factories import MINIMAL_CONFIG, ConfigRepo, copy_demo_config

pytestmark = pytest.mark.django_db

TABLES = (Component, Deviation, DeviationVersion, AuditEvent, ImportRun, ConfigCommit)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


def events(run=None) -> Counter:
    qs = AuditEvent.objects.all()
    if run is not None:
        qs = qs.filter(actor_label=f"import #{run.pk}")
    return Counter(qs.values_list("action", flat=True))


@pytest.fixture
def demo(tmp_path):
    return copy_demo_config(tmp_path / "config")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_cold_import_records_everything(demo):
    expected = load_config(demo)
    total = sum(len(d) for d in expected.deviations.values())
    result = import_config(demo)
    run = result.run
    assert run.status == ImportRun.Status.SUCCEEDED and run.source == str(demo.resolve())
    assert counts() == {
        "Component": 21,
        "Deviation": total,
        "DeviationVersion": total,
        "AuditEvent": 21 + total,
        "ImportRun": 1,
        "ConfigCommit": 0,
    }
    assert events(run) == {"component.created": 21, "deviation.created": total}
    assert result.totals() == {"created": 21 + total, "changed": 0, "removed": 0}
    bash = Component.objects.get(name="bash")
    assert (bash.distro, bash.distro_version, bash.dist_git_branch) == (
        "fedora",
        "rawhide",
        "rawhide",
    )
    assert bash.dist_git_url == "https://src.fedoraproject.org/rpms/bash.git"
    assert bash.snapshot == "2026-03-01T00:00:00+00:00"
    assert bash.snapshot_at.isoformat() == "2026-03-01T00:00:00+00:00"
    assert bash.config_file == "base/comps/bash/bash.comp.toml" and bash.config_line == 3
    rpm = Component.objects.get(name="azurelinux-rpm-config")
    assert rpm.upstream_name == "redhat-rpm-config"
    assert rpm.dist_git_url.endswith("/redhat-rpm-config.git")
    local = Component.objects.get(name="azurelinux-release")
    assert (local.spec_type, local.dist_git_url) == ("local", "")
    assert local.local_spec_path == "base/comps/azurelinux-release/azurelinux-release.spec"
    assert Component.objects.get(name="less").groups == ["check-skip-initial-failures"]
    for component in Component.objects.all():
        assert component.deviation_count == len(expected.deviations[component.name])
    assert Component.objects.get(name="zlib").deviation_count == 0


def test_deviation_records(demo):
    import_config(demo)
    curl = Deviation.objects.filter(component__name="curl").order_by("position")
    assert [d.key for d in curl] == [
        "build-option:without:brotli",
        "build-option:define:azl_minimal",
        "overlay-1",
        "overlay-2",
        "overlay-3",
    ]
    first = curl.get(key="overlay-1")
    version = first.current_version
    assert (first.kind, first.overlay_type, first.category) == (
        "overlay",
        "spec-remove-tag",
        "azl-pruning",
    )
    assert first.upstream_status == "needs-upstream-hook"
    assert version.number == 1 and version.fingerprint == first.fingerprint
    assert version.content == {
        "type": "spec-remove-tag",
        "tag": "Recommends",
        "value": "ca-certificates",
    }
    assert version.metadata == {"category": "azl-pruning", "upstream-status": "needs-upstream-hook"}
    assert (version.config_file, version.line_start, version.line_end) == (
        "base/comps/curl/curl.comp.toml",
        first.line_start,
        first.line_end,
    )
    assert first.introduced_commit is None  # a folder has no history
    skip = Deviation.objects.get(component__name="jq", key="check-skip")
    assert skip.current_version.reason.startswith("The test suite needs valgrind")
    without = Deviation.objects.get(component__name="curl", key="build-option:without:brotli")
    assert (
        without.current_version.comment
        == "Brotli is not part of the base image; build curl without it."
    )
    event = AuditEvent.objects.get(action="deviation.created", object_id=str(first.pk))
    assert event.component_name == "curl"
    assert event.after["content"] == version.content and event.after["key"] == "overlay-1"


def test_unchanged_reimport_writes_nothing(demo):
    import_config(demo)
    before = counts()
    with CaptureQueriesContext(connection) as queries:
        result = import_config(demo)
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if re.match(r"\s*(INSERT|UPDATE|DELETE)", q["sql"], re.I)
    ]
    assert writes == []
    assert result.run is None and result.totals() == {"created": 0, "changed": 0, "removed": 0}
    assert counts() == before


def test_changed_config_records_exactly_what_changed(demo):
    first = import_config(demo).run
    comps = demo / "base/comps"
    curl_toml = comps / "curl/curl.comp.toml"
    # overlay-1 changes what it does; overlay-2 only its description; overlay-3 is removed;
    # a new overlay is added; curl's file gains lines at the top (everything moves).
    edit(curl_toml, 'value = "ca-certificates"', 'value = "ca-certificates-bundle"')
    edit(curl_toml, "Build-require the Azure Linux macros", "Build-require Azure Linux's macros")
    text = curl_toml.read_text()
    text = text[: text.index("# Keep the build log readable")]
    text = (
        "\n\n\n"
        + text
        + (
            '[[components.curl.overlays]]\ntype = "spec-set-tag"\n'
            'tag = "Vendor"\nvalue = "Microsoft"\n'
        )
    )
    curl_toml.write_text(text)
    # A comment edit is a new version too.
    edit(comps / "jq/jq.comp.toml", "# landed on the f43 branch", "# arrived on the f43 branch")
    # A component leaves, another arrives.
    (comps / "dejavu-fonts/dejavu-fonts.comp.toml").unlink()
    edit(comps / "components.toml", "[components.zlib]", "[components.zlib]\n[components.gzip]")

    old_overlay_1 = Deviation.objects.get(component__name="curl", key="overlay-1")
    old_overlay_2 = Deviation.objects.get(component__name="curl", key="overlay-2")
    result = import_config(demo)
    run = result.run
    assert run.pk != first.pk
    assert events(run) == {
        "deviation.changed": 3,
        "deviation.created": 1,
        "deviation.removed": 2,
        "component.removed": 1,
        "component.created": 1,
    }
    changed = AuditEvent.objects.filter(actor_label=f"import #{run.pk}", action="deviation.changed")
    assert sorted(changed.values_list("object_repr", flat=True)) == [
        "curl: overlay-1",
        "curl: overlay-2",
        "jq: upstream-pin",
    ]
    overlay_1 = Deviation.objects.get(pk=old_overlay_1.pk)
    assert overlay_1.fingerprint != old_overlay_1.fingerprint
    assert overlay_1.current_version.number == 2
    assert overlay_1.versions.count() == 2  # the old version is kept
    event = changed.get(object_id=str(overlay_1.pk))
    assert event.before["content"]["value"] == "ca-certificates"
    assert event.after["content"]["value"] == "ca-certificates-bundle"
    overlay_2 = Deviation.objects.get(pk=old_overlay_2.pk)
    assert overlay_2.fingerprint == old_overlay_2.fingerprint  # reworded, same content
    assert overlay_2.description == "Build-require Azure Linux's macros that define %azl_minimal"
    assert overlay_2.line_start == old_overlay_2.line_start + 3
    removed = Deviation.objects.get(component__name="curl", key="overlay-3")
    assert removed.removed and removed.removed_at is not None  # kept, never deleted
    assert (
        Deviation.objects.get(component__name="curl", key="overlay-4").overlay_type
        == "spec-set-tag"
    )
    # Moved but otherwise unchanged: the location follows, without a new version.
    without = Deviation.objects.get(component__name="curl", key="build-option:without:brotli")
    assert without.line_start == 8 and without.current_version.number == 1
    dejavu = Component.objects.get(name="dejavu-fonts")
    assert dejavu.removed and dejavu.deviation_count == 0
    assert Deviation.objects.get(component=dejavu).removed
    assert Component.objects.get(name="curl").deviation_count == 5
    assert Component.objects.get(name="gzip").deviation_count == 0


def test_removed_records_come_back(demo):
    import_config(demo)
    original = (demo / "base/comps/jq/jq.comp.toml").read_text()
    (demo / "base/comps/jq/jq.comp.toml").write_text("[components.jq]\n")
    import_config(demo)
    assert Deviation.objects.filter(component__name="jq", removed=True).count() == 2
    (demo / "base/comps/jq/jq.comp.toml").write_text(original)
    run = import_config(demo).run
    assert events(run) == {"deviation.restored": 2, "component.changed": 1}  # the pin is back
    pin = Deviation.objects.get(component__name="jq", key="upstream-pin")
    assert not pin.removed and pin.removed_at is None and pin.current_version.number == 2
    assert Component.objects.get(name="jq").deviation_count == 2


def test_a_changed_fingerprint_makes_a_decision_stale(demo):
    import_config(demo)
    reviewer = factories.make_user("rita")
    decided = {}
    for key in ("overlay-1", "overlay-2"):
        dev = Deviation.objects.get(component__name="curl", key=key)
        factories.recorded_approval(dev, reviewer)
        decided[key] = dev
    curl_toml = demo / "base/comps/curl/curl.comp.toml"
    edit(curl_toml, 'value = "ca-certificates"', 'value = "nss"')  # overlay-1: content
    edit(curl_toml, "Build-require the Azure Linux macros", "Need the macros")  # overlay-2: words
    result = import_config(demo)
    assert result.stale == 1
    one, two = (Deviation.objects.get(pk=decided[k].pk) for k in ("overlay-1", "overlay-2"))
    assert one.review_state == ReviewState.STALE
    assert two.review_state == ReviewState.APPROVED  # the approved content is unchanged
    lapsed = AuditEvent.objects.get(action="review.lapsed")
    assert lapsed.object_id == str(one.pk) and lapsed.actor_label == f"import #{result.run.pk}"
    assert "import #" in lapsed.after["reason"]


def test_invalid_config_is_reported_in_full_and_nothing_is_written(demo):
    import_config(demo)
    before = counts()
    edit(demo / "base/comps/curl/curl.comp.toml", 'tag = "Recommends"\n', "")
    edit(demo / "base/comps/jq/jq.comp.toml", "skip = true,", "skip = true, skip_reazon = 1,")
    (demo / "base/comps/jq/dup.comp.toml").write_text("[components.bc]\n")
    with pytest.raises(ImportFailed) as caught:
        import_config(demo)
    texts = [str(i) for i in caught.value.issues]
    assert len(texts) == 3
    assert any(
        "component 'curl', overlay 1 ('Drop the weak dependency" in t and "'tag'" in t
        for t in texts
    )
    assert any("component 'jq'" in t and "unknown field 'skip_reazon'" in t for t in texts)
    assert any(
        "component 'bc' is defined twice: in base/comps/components.toml:" in t
        and "base/comps/jq/dup.comp.toml:1" in t
        for t in texts
    )
    assert counts() == before


HOSTILE = {
    "broken TOML": {"base/comps/bash/bash.comp.toml": "[components.bash\n"},
    "include loop": {"base/comps/loop.comp.toml": 'includes = ["../project.toml"]\n'},
    "include escaping the tree": {
        "base/comps/out.comp.toml": 'includes = ["../../../../x.toml"]\n'
    },
    "regex bomb": {
        "base/comps/bomb/bomb.comp.toml": (
            '[components.bomb]\n[[components.bomb.overlays]]\ntype = "spec-search-replace"\n'
            'regex = "((a{100}){100}){100}"\n'
        )
    },
    "backreference (backtracking) regex": {
        "base/comps/bt/bt.comp.toml": (
            '[components.bt]\n[[components.bt.overlays]]\ntype = "spec-search-replace"\n'
            'regex = "^(a+)+\\\\1$"\n'
        )
    },
    "duplicate component": {"base/comps/dup.comp.toml": "[components.curl]\n"},
    # Names the pages could not link to (they answered 500 for everyone) or git could
    # read as options, and a NUL PostgreSQL cannot store (a DataError traceback there).
    "component name with a slash": {"base/comps/odd.comp.toml": '[components."a/b"]\n'},
    "empty component name": {"base/comps/odd.comp.toml": '[components.""]\n'},
    "component name '..'": {"base/comps/odd.comp.toml": '[components.".."]\n'},
    "component name like an option": {"base/comps/odd.comp.toml": '[components."-x"]\n'},
    "component name with a NUL": {"base/comps/odd.comp.toml": '[components."a\\u0000"]\n'},
    "group name with a space": {
        "base/comps/odd.comp.toml": '[component-groups."a b"]\ncomponents = ["curl"]\n'
    },
    "NUL in a string": {
        "base/comps/odd.comp.toml": (
            '[components.odd]\n[[components.odd.overlays]]\ntype = "spec-add-tag"\n'
            'tag = "Provides"\nvalue = "odd\\u0000"\n'
        )
    },
    "huge file": {"base/comps/huge.comp.toml": "# " + "x" * (9 * 1024 * 1024) + "\n"},
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_input_is_refused_and_nothing_is_written(demo, name, tmp_path):
    (tmp_path / "x.toml").write_text("[components.outside]\n")
    for path, text in HOSTILE[name].items():
        (demo / path).parent.mkdir(parents=True, exist_ok=True)
        (demo / path).write_text(text)
    with pytest.raises(ImportFailed) as caught:
        import_config(demo)
    assert caught.value.issues
    assert all(issue.file for issue in caught.value.issues)  # each names its file
    assert counts() == dict.fromkeys(counts(), 0)


def test_a_config_over_the_component_limit_is_refused_before_any_write(demo, tmp_path, settings):
    """AZLDRIFT_MAX_COMPONENTS: counted as the files are read (the rest is not even
    checked), refused with the file that went past it; from a folder or from git."""
    settings.CACHE_DIR = tmp_path / "cache"
    total = len(load_config(demo).components)
    settings.MAX_COMPONENTS = total
    assert import_config(demo).run is not None  # exactly at the limit: fine
    before = counts()
    (demo / "base/comps/more.comp.toml").write_text(
        "".join(f"[components.extra{i}]\n" for i in range(3))
    )
    with pytest.raises(ImportFailed) as caught:
        import_config(demo)
    (issue,) = caught.value.issues  # once, naming the file read when the count went past
    assert issue.file.startswith("base/comps/") and issue.file.endswith(".comp.toml")
    assert issue.message == (
        f"takes the config past {total:,} components, the limit for one config; refusing a "
        "config this large"
    )
    assert counts() == before

    repo = ConfigRepo(tmp_path / "repo")
    repo.commit({**MINIMAL_CONFIG, "comps/x.comp.toml": "[components.x]\n[components.y]\n"}, "add")
    settings.MAX_COMPONENTS = 2
    with pytest.raises(ImportFailed, match="takes the config past 2 components"):
        import_config(repo.path, ref="HEAD")
    assert counts() == before


def test_git_repository_import_records_provenance(tmp_path, settings):
    settings.CACHE_DIR = tmp_path / "cache"
    repo = ConfigRepo(tmp_path / "repo")
    first = repo.commit(
        {
            **MINIMAL_CONFIG,
            "comps/x/x.comp.toml": (
                "[components.x]\n[[components.x.overlays]]\n"
                'type = "spec-add-tag"\ntag = "A"\nvalue = "a"\n'
            ),
        },
        "add x",
    )
    second = repo.commit(
        {
            "comps/x/x.comp.toml": '[components.x]\nrelease = { calculation = "manual" }\n'
            '[[components.x.overlays]]\ntype = "spec-add-tag"\ntag = "A"\nvalue = "b"\n'
        },
        "change x",
        who="Bob",
    )
    result = import_config(repo.path)  # a work tree without --ref: the folder as it is
    assert (
        result.commit == ""
        and Deviation.objects.filter(introduced_commit__isnull=False).count() == 0
    )
    result = import_config(repo.path, ref="main")  # with --ref: read from git, with provenance
    assert result.commit == second and result.run.commit.sha == second
    overlay = Deviation.objects.get(component__name="x", key="overlay-1")
    assert overlay.introduced_commit.sha == first
    assert overlay.changed_commit.sha == second
    assert overlay.changed_commit.author_name == "Bob"
    # Versions are never edited: the one recorded from the folder keeps "no commit".
    assert overlay.current_version.commit is None
    assert events(result.run) == {"deviation.provenance": 2, "config.source-moved": 1}
    # A file:// URL is mirrored into the cache; same content, same provenance: only the
    # place moved (the sync reads the mirror now); then nothing to do.
    assert events(import_config(f"file://{repo.path}").run) == {"config.source-moved": 1}
    assert import_config(f"file://{repo.path}").run is None
    assert any((tmp_path / "cache" / "config").glob("*.git"))


def test_summary_reads_the_database(demo):
    import_config(demo)
    summary = database_summary()
    expected = load_config(demo)
    assert summary["components"] == 21
    assert summary["customized_components"] == sum(1 for d in expected.deviations.values() if d)
    assert summary["deviations"] == sum(len(d) for d in expected.deviations.values())
    assert summary["overlays_by_type"]["patch-add"] == 2


def test_documented_and_label_are_written_with_each_version(tmp_path):
    """The import stores whether a deviation says why and what an overlay does (the lists'
    filters and labels read them), and keeps both current when a version changes."""
    root = factories.write_config_tree(
        tmp_path / "config",
        {
            "comps/xen/xen.comp.toml": (
                "[components.xen]\n"
                "[[components.xen.overlays]]\n"
                'type = "spec-remove-tag"\ntag = "BuildRequires"\nvalue = "xen-devel"\n'
                "[[components.xen.overlays]]\n"
                'description = "Say why"\ntype = "spec-add-tag"\ntag = "Provides"\nvalue = "x"\n'
                "# Brotli is not in the base image.\n"
                "[[components.xen.overlays]]\n"
                'type = "file-remove"\nfile = "old.conf"\n'
            )
        },
    )
    import_config(root)
    rows = {
        d.key: (d.documented, d.label, d.title)
        for d in Deviation.objects.filter(component__name="xen")
    }
    assert rows == {
        "overlay-1": (False, "spec-remove-tag BuildRequires: xen-devel", rows["overlay-1"][1]),
        "overlay-2": (True, "spec-add-tag Provides: x", "Say why"),
        "overlay-3": (True, "file-remove old.conf", "file-remove old.conf"),  # its comment
    }
    assert rows["overlay-1"][2] == "spec-remove-tag BuildRequires: xen-devel"
    # A description added later: a new version, and the flag follows it.
    toml = root / "comps/xen/xen.comp.toml"
    edit(
        toml,
        'type = "spec-remove-tag"',
        'description = "Xen is not built"\ntype = "spec-remove-tag"',
    )
    import_config(root)
    first = Deviation.objects.get(component__name="xen", key="overlay-1")
    assert (first.documented, first.title) == (True, "Xen is not built")
