"""Provenance from git: which commit introduced each deviation, which last changed it."""

from __future__ import annotations

import pytest

from deviations.core.config import ConfigError
from deviations.core.config.history import config_at, walk
from tests.factories import MINIMAL_CONFIG, ConfigRepo

OVERLAY_A = '[[components.x.overlays]]\ntype = "spec-add-tag"\ntag = "A"\nvalue = "a"\n'
OVERLAY_B = (
    '[[components.x.overlays]]\ndescription = "b"\n'
    'type = "file-add"\nfile = "f"\nsource = "f.txt"\n'
)


def x_toml(*parts: str) -> str:
    return "[components.x]\n" + "\n".join(parts)


@pytest.fixture
def history(tmp_path):
    repo = ConfigRepo(tmp_path / "config")
    c = {}
    c["add"] = repo.commit(
        {
            **MINIMAL_CONFIG,
            "comps/x/x.comp.toml": x_toml(OVERLAY_A, OVERLAY_B),
            "comps/x/f.txt": "one\n",
        },
        "add x with two overlays",
    )
    c["bare"] = repo.commit(
        {"comps/components.toml": MINIMAL_CONFIG["comps/components.toml"] + "[components.y]\n"},
        "add a bare component",
        who="Bob",
    )
    c["readme"] = repo.commit({"README.md": "hello\n"}, "docs only")
    c["broken"] = repo.commit({"comps/x/x.comp.toml": "[components.x\n"}, "oops", who="Eve")
    c["fixed"] = repo.commit(
        {"comps/x/x.comp.toml": x_toml(OVERLAY_A, OVERLAY_B)}, "fix the typo", who="Eve"
    )
    c["source"] = repo.commit({"comps/x/f.txt": "two\n"}, "change the added file", who="Bob")
    c["comment"] = repo.commit(
        {"comps/x/x.comp.toml": x_toml("# Why A.", OVERLAY_A, OVERLAY_B)}, "explain A"
    )
    c["move"] = repo.commit(
        {"comps/x/x.comp.toml": x_toml("\n\n\n# Why A.", OVERLAY_A, OVERLAY_B)}, "whitespace"
    )
    c["drop"] = repo.commit({"comps/x/x.comp.toml": x_toml(OVERLAY_B)}, "drop A")
    c["skip"] = repo.commit(
        {
            "comps/x/x.comp.toml": x_toml(
                OVERLAY_B, '[components.x.build]\ncheck = { skip = true, skip_reason = "r" }\n'
            )
        },
        "skip tests",
        who="Bob",
    )
    c["back"] = repo.commit(
        {
            "comps/x/x.comp.toml": x_toml(
                OVERLAY_B,
                '[components.x.build]\ncheck = { skip = true, skip_reason = "r" }\n',
                "# Why A.",
                OVERLAY_A,
            )
        },
        "bring A back",
    )
    return repo, c


def by_kind(result, name):
    return {
        (d.kind, d.overlay_type or d.slot): p
        for d, p in zip(result.config.deviations[name], result.provenance[name], strict=True)
    }


def test_introduced_and_last_changed(history):
    repo, c = history
    result = walk(str(repo.path / ".git"))
    prov = by_kind(result, "x")
    assert set(prov) == {
        ("overlay", "file-add"),
        ("check-skip", "check-skip"),
        ("overlay", "spec-add-tag"),
    }
    b = prov[("overlay", "file-add")]
    assert (b.introduced.sha, b.changed.sha) == (c["add"], c["source"])  # the file it adds
    assert b.changed.author_name == "Bob"
    assert b.changed.author_email == "bob@example.org"
    assert b.changed.subject == "change the added file"
    assert b.changed.committed_at.isoformat() == "2026-01-06T12:00:00+00:00"
    skip = prov[("check-skip", "check-skip")]
    assert (skip.introduced.sha, skip.changed.sha) == (c["skip"], c["skip"])
    a = prov[("overlay", "spec-add-tag")]
    # Removed and brought back: its current run starts where it came back, and the
    # run that ended is kept (present from "add", last changed by "comment", removed
    # by "drop").
    assert (a.introduced.sha, a.changed.sha) == (c["back"], c["back"])
    assert [(e.introduced.sha, e.changed.sha, e.removed.sha) for e in a.earlier] == [
        (c["add"], c["comment"], c["drop"])
    ]
    assert b.earlier == () and skip.earlier == ()
    assert result.commit.sha == c["back"]
    assert result.config.deviations["y"] == []


def test_comment_change_counts_and_a_move_does_not(history):
    repo, c = history
    result = walk(str(repo.path / ".git"), c["move"])
    prov = by_kind(result, "x")
    assert prov[("overlay", "spec-add-tag")].changed.sha == c["comment"]
    assert prov[("overlay", "file-add")].changed.sha == c["source"]
    (a,) = [d for d in result.config.deviations["x"] if d.overlay_type == "spec-add-tag"]
    assert a.comment == "Why A."
    assert a.line_start == 6  # where it is at that commit


def test_skips_broken_and_irrelevant_commits(history):
    repo, _ = history
    result = walk(str(repo.path / ".git"))
    assert result.stats["commits"] == 11
    assert result.stats["commits_invalid"] == 1  # the broken one: state carried over
    assert result.stats["commits_loaded"] == 9  # the README-only commit is not loaded


def test_the_target_itself_must_be_valid(history):
    repo, c = history
    with pytest.raises(ConfigError) as caught:
        walk(str(repo.path / ".git"), c["broken"])
    (issue,) = caught.value.issues
    assert issue.file == "comps/x/x.comp.toml"
    assert "is not valid TOML" in issue.message


def test_old_rules_are_tolerated_in_history(tmp_path):
    """A per-component snapshot (allowed by older azldev) does not break the walk."""
    repo = ConfigRepo(tmp_path / "config")
    snap = '[components.x]\nspec = { type = "upstream", upstream-distro = { name = "fedora",'
    first = repo.commit(
        {
            **MINIMAL_CONFIG,
            "comps/x/x.comp.toml": snap + ' snapshot = "2026-02-01T00:00:00Z" } }\n',
        },
        "per-component snapshot",
    )
    second = repo.commit(
        {
            "comps/x/x.comp.toml": '[components.x]\nspec = { type = "upstream",'
            ' upstream-commit = "abcdef1" }\n'
        },
        "pin instead",
    )
    result = walk(str(repo.path / ".git"))
    assert result.stats["commits_loaded"] == 2
    (pin,) = result.provenance["x"]
    assert pin.introduced.sha == second
    with pytest.raises(ConfigError, match="per-component 'snapshot' is not allowed"):
        walk(str(repo.path / ".git"), first)


def test_config_at_one_commit(history):
    repo, c = history
    config = config_at(str(repo.path / ".git"), c["add"])
    assert [d.overlay_type for d in config.deviations["x"]] == ["spec-add-tag", "file-add"]
    (item,) = [i for i in config.components["x"].overlays if i.overlay.type == "file-add"]
    assert config.overlay_source(item) == b"one\n"


def test_unknown_revision(history):
    repo, _ = history
    with pytest.raises(ConfigError, match="is not in the repository"):
        walk(str(repo.path / ".git"), "no-such-branch")
    with pytest.raises(ConfigError, match="not a valid revision"):
        walk(str(repo.path / ".git"), "--output=/tmp/x")


def test_checkpoints_let_a_later_walk_start_where_the_last_one_stopped(history, tmp_path):
    repo, c = history
    git_dir = str(repo.path / ".git")
    folder = tmp_path / "checkpoints"
    walk(git_dir, c["comment"], checkpoints=folder)
    resumed = walk(git_dir, checkpoints=folder)
    assert resumed.stats["resumed_from"] == c["comment"]
    assert resumed.stats["commits_loaded"] < walk(git_dir).stats["commits_loaded"]
    fresh = walk(git_dir)
    assert resumed.provenance == fresh.provenance  # earlier runs included
    assert any(p.earlier for provs in resumed.provenance.values() for p in provs)
    # A checkpoint that cannot be read is ignored, not trusted.
    for path in folder.iterdir():
        path.write_text("{broken")
    assert walk(git_dir, checkpoints=folder).stats["resumed_from"] == ""


def _distro_defines(defines: str) -> dict[str, str]:
    return {
        "distro/azl.toml": MINIMAL_CONFIG["distro/azl.toml"]
        + (
            f"[distros.azl.versions.1.default-component-config.build]\n{defines}\n"
            if defines
            else ""
        )
    }


def test_a_deviation_that_leaves_and_returns_is_credited_to_who_brought_it_back(tmp_path):
    """The real case of hwloc, automake and meson: the distro default once defined `rhel`
    for every component; it was dropped; a later pull request set it for one component."""
    repo = ConfigRepo(tmp_path / "config")
    c = {}
    c["refactor"] = repo.commit(
        {
            **MINIMAL_CONFIG,
            **_distro_defines('defines = { rhel = "10" }'),
            "comps/x/x.comp.toml": "[components.x]\n",
        },
        "refactor: one distro default for everyone",
        who="Rey",
    )
    c["docs"] = repo.commit(
        {"comps/x/x.comp.toml": '[components.x]\nbuild = { without = ["docs"] }\n'}, "no docs"
    )
    c["pure"] = repo.commit(_distro_defines(""), "chore: do not define rhel", who="Tobi")
    c["back"] = repo.commit(
        {
            "comps/x/x.comp.toml": '[components.x]\nbuild = { without = ["docs"],'
            ' defines = { rhel = "10" } }\n'
        },
        "fix(x): set rhel=10 to skip Fedora-only test deps",
        who="Chris",
    )
    result = walk(str(repo.path / ".git"))
    prov = {
        d.slot: p
        for d, p in zip(result.config.deviations["x"], result.provenance["x"], strict=True)
    }
    rhel = prov["build-option:define:rhel"]
    assert (rhel.introduced.sha, rhel.introduced.author_name) == (c["back"], "Chris")
    assert rhel.changed.sha == c["back"]
    assert [(e.introduced.sha, e.changed.sha, e.removed.sha) for e in rhel.earlier] == [
        (c["refactor"], c["refactor"], c["pure"])
    ]
    assert rhel.earlier[0].removed.author_name == "Tobi"
    docs = prov["build-option:without:docs"]
    assert (docs.introduced.sha, docs.earlier) == (c["docs"], ())
    # The bare component had the define as long as the distro set it, and has none now.
    assert result.config.deviations["bare"] == []


def test_every_run_is_kept_when_a_deviation_comes_and_goes_twice(tmp_path):
    repo = ConfigRepo(tmp_path / "config")
    skip = '[components.x]\nbuild = { check = { skip = true, skip_reason = "flaky" } }\n'
    c = {}
    c["one"] = repo.commit({**MINIMAL_CONFIG, "comps/x/x.comp.toml": skip}, "skip", who="Ann")
    c["reason"] = repo.commit(
        {"comps/x/x.comp.toml": skip.replace("flaky", "network")}, "why", who="Ben"
    )
    c["gone"] = repo.commit({"comps/x/x.comp.toml": "[components.x]\n"}, "fixed", who="Cid")
    c["two"] = repo.commit({"comps/x/x.comp.toml": skip}, "flaky again", who="Dee")
    c["no-x"] = repo.commit({"comps/x/x.comp.toml": None}, "drop x", who="Eve")
    c["three"] = repo.commit({"comps/x/x.comp.toml": skip}, "x is back", who="Fay")
    (prov,) = walk(str(repo.path / ".git")).provenance["x"]
    assert prov.introduced.sha == c["three"]
    assert [(e.introduced.sha, e.changed.sha, e.removed.sha) for e in prov.earlier] == [
        (c["one"], c["reason"], c["gone"]),
        (c["two"], c["two"], c["no-x"]),  # the whole component left
    ]


# --- categories azldev renamed --------------------------------------------------------


def _overlay(category: str, description: str = "no foo yet") -> str:
    return (
        "[components.x]\n[[components.x.overlays]]\n"
        f'description = "{description}"\ntype = "spec-remove-tag"\ntag = "Requires"\n'
        f'metadata = {{ category = "{category}", upstream-status = "unknown" }}\n'
    )


GROUP_AND_FILE = {
    "comps/groups.toml": (
        '[component-groups.g]\ncomponents = ["y"]\ndescription = "slow tests"\n'
        'metadata = { category = "CATEGORY", upstream-status = "inapplicable" }\n'
        "[component-groups.g.default-component-config.build]\n"
        'check = { skip = true, skip_reason = "slow" }\n'
    ),
    "comps/y/y.comp.toml": '[components.y]\noverlay-files = ["y.overlays.toml"]\n',
    "comps/y/y.overlays.toml": (
        '[metadata]\ncategory = "CATEGORY"\nupstream-status = "unknown"\n'
        '[[overlays]]\ndescription = "drop bar"\ntype = "spec-remove-tag"\ntag = "Bar"\n'
    ),
}


def _group_and_file(category: str) -> dict[str, str]:
    return {path: text.replace("CATEGORY", category) for path, text in GROUP_AND_FILE.items()}


def test_a_renamed_category_is_read_as_azldev_read_it_then(tmp_path):
    repo = ConfigRepo(tmp_path / "config")
    old = "azl-dep-missing-workaround"
    c = {}
    c["added"] = repo.commit(
        {
            **MINIMAL_CONFIG,
            "comps/x/x.comp.toml": _overlay(old),
            "comps/components.toml": (
                'includes = ["**/*.comp.toml", "groups.toml"]\n[components.bare]\n'
            ),
            **_group_and_file(old),
        },
        "feat(x): work around the missing foo",
        who="Ann",
        when="2026-07-01T12:00:00+00:00",
    )
    c["renamed"] = repo.commit(
        {
            "comps/x/x.comp.toml": _overlay("azl-temp-workaround"),
            **_group_and_file("azl-temp-workaround"),
        },
        "chore: rename azl-dep-missing-workaround to azl-temp-workaround",
        who="Ren",
        when="2026-07-12T12:00:00+00:00",
    )
    result = walk(str(repo.path / ".git"))
    assert result.stats["commits_invalid"] == 0
    for name in ("x", "y"):
        for deviation, prov in zip(
            result.config.deviations[name], result.provenance[name], strict=True
        ):
            # Brought in by Ann, and the rename alone changed nothing about it.
            assert (prov.introduced.sha, prov.changed.sha) == (c["added"], c["added"]), deviation
            assert deviation.metadata["category"] == "azl-temp-workaround"
    # The old commit itself is checked with today's names, and the message says why.
    with pytest.raises(ConfigError) as caught:
        walk(str(repo.path / ".git"), c["added"])
    messages = [i.message for i in caught.value.issues]
    assert len(messages) == 3  # the overlay, the group and the overlay file, in one report
    assert all(
        "unknown overlay category 'azl-dep-missing-workaround' (azldev renamed it "
        "'azl-temp-workaround' on 2026-07-09;" in m
        for m in messages
    ), messages


def test_an_old_name_after_azldev_stopped_accepting_it_is_not_read(tmp_path):
    repo = ConfigRepo(tmp_path / "config")
    repo.commit({**MINIMAL_CONFIG}, "start", when="2026-07-01T12:00:00+00:00")
    repo.commit(
        {"comps/x/x.comp.toml": _overlay("azl-dep-missing-workaround")},
        "too late for the old name",
        who="Lat",
        when="2026-07-20T12:00:00+00:00",  # v0.2.0 (2026-07-16) refuses it
    )
    fixed = repo.commit(
        {"comps/x/x.comp.toml": _overlay("azl-temp-workaround")},
        "fix the category",
        who="Fix",
        when="2026-07-21T12:00:00+00:00",
    )
    result = walk(str(repo.path / ".git"))
    assert result.stats["commits_invalid"] == 1
    (prov,) = result.provenance["x"]
    assert prov.introduced.sha == fixed
