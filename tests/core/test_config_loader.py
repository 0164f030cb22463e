"""Loading azldev config trees: includes, merging, inheritance, effective upstream."""

from __future__ import annotations

import pytest

from deviations.core.config import ConfigError, Limits, load_config
from deviations.core.config.loader import load_files
from deviations.core.config.source import DirectorySource
from tests.factories import write_config_tree


def issues_of(root, **kwargs) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(root, **kwargs)
    return [str(i) for i in caught.value.issues]


# --- includes --------------------------------------------------------------------------


def test_includes_are_relative_to_the_including_file_and_depth_first(tmp_path):
    write_config_tree(
        tmp_path,
        {
            "azldev.toml": 'includes = ["a/first.toml", "b/*.toml"]\n',
            "a/first.toml": 'includes = ["deeper/*.toml"]\n',
            "a/deeper/x.toml": "",
            "b/one.toml": "",
            "b/two.toml": "",
            "b/nested/not-matched.toml": "",
        },
        base=False,
    )
    loaded = load_files(DirectorySource(tmp_path))
    assert [f.path for f in loaded.files] == [
        "azldev.toml",
        "a/first.toml",
        "a/deeper/x.toml",
        "b/one.toml",
        "b/two.toml",
    ]
    assert loaded.issues == []


def test_double_star_matches_any_depth_including_none(tmp_path):
    write_config_tree(
        tmp_path,
        {
            "azldev.toml": 'includes = ["**/*.comp.toml"]\n',
            "top.comp.toml": "",
            "x/y/z/deep.comp.toml": "",
            "x/other.toml": "",
        },
        base=False,
    )
    paths = [f.path for f in load_files(DirectorySource(tmp_path)).files]
    assert paths == ["azldev.toml", "top.comp.toml", "x/y/z/deep.comp.toml"]


def test_unmatched_glob_is_ignored_but_a_missing_literal_is_an_error(tmp_path):
    write_config_tree(
        tmp_path, {"azldev.toml": 'includes = ["nothing/*.toml", "missing.toml"]\n'}, False
    )
    problems = issues_of(tmp_path)
    assert problems == ["azldev.toml:1, includes: included file 'missing.toml' does not exist"]


def test_include_loop_is_refused_with_the_chain(tmp_path):
    write_config_tree(
        tmp_path,
        {
            "azldev.toml": 'includes = ["a.toml"]\n',
            "a.toml": 'includes = ["b.toml"]\n',
            "b.toml": 'includes = ["a.toml"]\n',
        },
        base=False,
    )
    (problem,) = issues_of(tmp_path)
    assert "include loop: a.toml -> b.toml -> a.toml" in problem
    assert problem.startswith("b.toml")


def test_file_included_twice_is_refused(tmp_path):
    write_config_tree(
        tmp_path,
        {"azldev.toml": 'includes = ["x.toml", "*.toml"]\n', "x.toml": ""},
        base=False,
    )
    problems = issues_of(tmp_path)
    # "*.toml" matches azldev.toml itself (a loop) and x.toml again.
    assert any("include loop: azldev.toml -> azldev.toml" in p for p in problems)
    assert any("x.toml is included a second time (first by azldev.toml)" in p for p in problems)


@pytest.mark.parametrize("pattern", ["../outside.toml", "../*.toml", "a/../../x.toml"])
def test_includes_escaping_the_tree_are_refused(tmp_path, pattern):
    (tmp_path / "outside.toml").write_text("[components.evil]\n")
    root = write_config_tree(
        tmp_path / "config", {"azldev.toml": f'includes = ["{pattern}"]\n'}, False
    )
    (problem,) = issues_of(root)
    assert f"include {pattern!r} points outside the config tree" in problem


def test_absolute_include_outside_the_tree_is_refused(tmp_path):
    (tmp_path / "outside.toml").write_text("")
    root = write_config_tree(
        tmp_path / "config", {"azldev.toml": f'includes = ["{tmp_path}/outside.toml"]\n'}, False
    )
    (problem,) = issues_of(root)
    assert "points outside the config tree" in problem


def test_symlink_out_of_the_tree_is_not_followed(tmp_path):
    (tmp_path / "secret.toml").write_text("[components.evil]\n")
    root = write_config_tree(
        tmp_path / "config", {"azldev.toml": 'includes = ["link.toml"]\n'}, False
    )
    (root / "link.toml").symlink_to(tmp_path / "secret.toml")
    (problem,) = issues_of(root)
    assert "link.toml" in problem


def test_huge_file_is_refused_with_the_limit(tmp_path):
    write_config_tree(
        tmp_path,
        {"azldev.toml": 'includes = ["big.toml"]\n', "big.toml": "# x\n" * 5000},
        base=False,
    )
    (problem,) = issues_of(tmp_path, limits=Limits(max_file_bytes=10_000))
    assert problem.startswith("big.toml")
    assert "20,000 bytes, more than the limit of 10,000 bytes" in problem


def test_total_size_limit(tmp_path):
    files = {"azldev.toml": 'includes = ["*.part.toml"]\n'}
    files |= {f"{n}.part.toml": "# filler\n" * 200 for n in range(5)}
    write_config_tree(tmp_path, files, base=False)
    problems = issues_of(tmp_path, limits=Limits(max_total_bytes=5_000))
    assert any("past 5,000 bytes of TOML" in p for p in problems)


def test_broken_toml_names_file_and_line(tmp_path):
    write_config_tree(tmp_path, {"comps/x/x.comp.toml": "[components.x]\nspec = {type = \n"})
    (problem,) = issues_of(tmp_path)
    assert problem.startswith("comps/x/x.comp.toml:2")
    assert "is not valid TOML" in problem


def test_no_root_file(tmp_path):
    (problem,) = issues_of(tmp_path)
    assert "there is no azldev.toml" in problem


def test_all_problems_are_reported_not_just_the_first(tmp_path):
    write_config_tree(
        tmp_path,
        {
            "comps/a/a.comp.toml": '[components.a]\nspec = { type = "cloud" }\n',
            "comps/b/b.comp.toml": "[components.b.build]\ncheck = { skip = true }\n",
            "comps/c/c.comp.toml": "[components.c]\nspecc = {}\n",
        },
    )
    problems = issues_of(tmp_path)
    assert len(problems) == 3
    assert any("component 'a'" in p and "'cloud'" in p for p in problems)
    assert any("component 'b'" in p and "skip_reason is required" in p for p in problems)
    assert any("component 'c'" in p and "unknown field 'specc'" in p for p in problems)


# --- merging ----------------------------------------------------------------------------


def test_duplicate_component_names_both_files(tmp_path):
    write_config_tree(
        tmp_path,
        {
            "comps/one/one.comp.toml": "[components.bare]\n",
            "comps/two/two.comp.toml": "\n\n[components.dup]\n",
            "comps/zz.comp.toml": "[components.dup]\n",
        },
    )
    problems = issues_of(tmp_path)
    assert len(problems) == 2
    assert any(
        "component 'bare' is defined twice: in comps/components.toml:2 and in "
        "comps/one/one.comp.toml:1" in p
        for p in problems
    )
    assert any("comps/two/two.comp.toml:3 and in comps/zz.comp.toml:1" in p for p in problems)


def test_duplicate_groups_are_refused(tmp_path):
    write_config_tree(
        tmp_path,
        {
            "comps/g1.comp.toml": '[component-groups.g]\ncomponents = ["bare"]\n',
            "comps/g2.comp.toml": "[component-groups.g]\n",
        },
    )
    (problem,) = issues_of(tmp_path)
    assert "component group 'g' is defined twice" in problem


def test_distros_merge_field_by_field(tmp_path):
    write_config_tree(
        tmp_path,
        {
            "azldev.toml": (
                'includes = ["distro/*.toml", "comps/components.toml", "override.toml"]\n'
                '[project]\ndefault-distro = { name = "azl", version = "1" }\n'
            ),
            "override.toml": (
                '[distros.fedora]\ndist-git-base-uri = "file:///mirror/$pkg.git"\n'
                '[distros.fedora.versions.43]\nrelease-ver = "43"\ndist-git-branch = "f43-mirror"\n'
            ),
        },
    )
    config = load_config(tmp_path)
    upstream = config.components["bare"].upstream
    assert upstream.dist_git_url == "file:///mirror/bare.git"  # later file wins ...
    assert upstream.branch == "f43-mirror"  # ... a version is replaced as a whole
    distro = config.files.distros["fedora"]
    assert distro.fields["default-version"] == "43"  # ... unset fields are kept
    assert sorted(distro.versions) == ["43", "rawhide"]


def test_group_member_must_exist(tmp_path):
    write_config_tree(
        tmp_path, {"comps/g.comp.toml": '[component-groups.g]\ncomponents = ["ghost"]\n'}
    )
    (problem,) = issues_of(tmp_path)
    assert "component group 'g' lists component 'ghost', which is not defined" in problem


# --- inheritance and upstream -----------------------------------------------------------


def test_inheritance_order_and_appended_arrays(tmp_path):
    write_config_tree(
        tmp_path,
        {
            "azldev.toml": (
                'includes = ["distro/*.toml", "comps/components.toml"]\n'
                '[project]\ndefault-distro = { name = "azl", version = "1" }\n'
                "[default-component-config.build]\n"
                'with = ["from-project"]\ndefines = { level = "project", keep = "p" }\n'
            ),
            "comps/groups.toml": (
                '[component-groups.b-second]\ncomponents = ["x"]\n'
                "[component-groups.b-second.default-component-config.build]\n"
                'with = ["from-b"]\ndefines = { level = "b" }\n'
                '[component-groups.a-first]\ncomponents = ["x"]\n'
                "[component-groups.a-first.default-component-config.build]\n"
                'with = ["from-a"]\ndefines = { level = "a" }\n'
            ),
            "comps/components.toml": (
                'includes = ["**/*.comp.toml", "groups.toml"]\n[components.bare]\n'
            ),
            "comps/x/x.comp.toml": (
                '[components.x.build]\nwith = ["own"]\ndefines = { level = "component" }\n'
            ),
        },
    )
    config = load_config(tmp_path)
    build = config.components["x"].config["build"]
    assert build["with"] == ["from-project", "from-a", "from-b", "own"]
    assert build["defines"] == {"level": "component", "keep": "p"}
    assert config.components["x"].groups == ("a-first", "b-second")
    # A bare component gets only the project default.
    assert config.components["bare"].config["build"]["with"] == ["from-project"]


def test_component_cannot_switch_off_a_group_check_skip(tmp_path):
    write_config_tree(
        tmp_path,
        {
            "comps/g.comp.toml": (
                '[component-groups.g]\ncomponents = ["bare"]\n'
                "[component-groups.g.default-component-config.build]\n"
                'check = { skip = true, skip_reason = "group says so" }\n'
            ),
        },
    )
    write_config_tree(
        tmp_path,
        {
            "comps/components.toml": (
                'includes = ["**/*.comp.toml"]\n[components.bare.build]\ncheck = { skip = false }\n'
            )
        },
    )
    check = load_config(tmp_path).components["bare"].config["build"]["check"]
    assert check == {"skip": True, "skip_reason": "group says so"}  # false is "empty"


def test_effective_upstream(tmp_path):
    write_config_tree(
        tmp_path,
        {
            "comps/r/r.comp.toml": (
                '[components.r]\nspec = { type = "upstream", upstream-distro = '
                '{ name = "fedora", version = "rawhide" } }\n'
            ),
            "comps/p/p.comp.toml": (
                '[components.p]\nspec = { type = "upstream", upstream-commit = "abcdef1",'
                ' upstream-name = "p-upstream" }\n'
            ),
            "comps/l/l.comp.toml": '[components.l]\nspec = { type = "local", path = "l.spec" }\n',
            "comps/l/l.spec": "Name: l\n",
        },
    )
    config = load_config(tmp_path)
    r, p, local = (config.components[n].upstream for n in ("r", "p", "l"))
    assert (r.distro, r.version, r.branch) == ("fedora", "rawhide", "rawhide")
    assert r.snapshot == "2026-01-01T00:00:00Z"  # inherited field by field
    assert p.dist_git_url == "https://src.example.org/rpms/p-upstream.git"
    assert (p.commit, p.branch, p.name) == ("abcdef1", "f43", "p-upstream")
    assert (local.spec_type, local.local_spec) == ("local", "comps/l/l.spec")
    assert config.components["bare"].upstream.snapshot_at.isoformat() == "2026-01-01T00:00:00+00:00"


def test_unknown_upstream_distro_version_and_missing_local_spec(tmp_path):
    write_config_tree(
        tmp_path,
        {
            "comps/a/a.comp.toml": (
                '[components.a]\nspec = { type = "upstream",'
                ' upstream-distro = { name = "nope" } }\n'
            ),
            "comps/b/b.comp.toml": (
                '[components.b]\nspec = { type = "upstream", upstream-distro = '
                '{ name = "fedora", version = "99" } }\n'
            ),
            "comps/c/c.comp.toml": '[components.c]\nspec = { type = "local", path = "c.spec" }\n',
        },
    )
    problems = issues_of(tmp_path)
    assert any(
        "component 'a'" in p and "upstream distro 'nope' is not defined" in p for p in problems
    )
    assert any("component 'b'" in p and "has no version '99'" in p for p in problems)
    assert any("component 'c'" in p and "local spec 'c.spec'" in p for p in problems)


def test_per_component_snapshot_is_refused(tmp_path):
    write_config_tree(
        tmp_path,
        {
            "comps/a/a.comp.toml": (
                '[components.a]\nspec = { type = "upstream", upstream-distro = '
                '{ name = "fedora", snapshot = "2026-02-01T00:00:00Z" } }\n'
            )
        },
    )
    (problem,) = issues_of(tmp_path)
    assert "per-component 'snapshot' is not allowed" in problem


def test_overlay_files_order_and_inherited_patterns(tmp_path):
    overlay_file = (
        '[metadata]\ncategory = "azl-pruning"\nupstream-status = "inapplicable"\n'
        '[[overlays]]\ntype = "spec-set-tag"\ntag = "Vendor"\nvalue = "{v}"\n'
    )
    write_config_tree(
        tmp_path,
        {
            "azldev.toml": (
                'includes = ["distro/*.toml", "comps/components.toml"]\n'
                '[project]\ndefault-distro = { name = "azl", version = "1" }\n'
                '[default-component-config]\noverlay-files = ["overlays/*.overlay.toml"]\n'
            ),
            "comps/x/x.comp.toml": (
                '[[components.x.overlays]]\ntype = "spec-add-tag"\ntag = "A"\nvalue = "inline"\n'
            ),
            "comps/x/overlays/b/0002-b.overlay.toml": overlay_file.replace("{v}", "second"),
            "comps/x/overlays/0001-a.overlay.toml": overlay_file.replace("{v}", "first"),
            "comps/x/overlays/README.md": "not an overlay",
            "comps/y/y.comp.toml": "[components.y]\noverlay-files = []\n",
            "comps/y/overlays/0001-a.overlay.toml": overlay_file.replace("{v}", "never"),
        },
    )
    config = load_config(tmp_path)
    x = config.overlays("x")
    assert [o.value for o in x] == ["inline", "first"]  # "*" does not descend into b/
    assert x[1].metadata.category == "azl-pruning"
    assert x[1].base_dir == str(tmp_path / "comps/x/overlays")
    assert config.overlays("y") == ()  # [] switches inherited patterns off
    assert config.overlays("bare") == ()  # pattern resolved from its own file: no match


def test_overlay_sources_are_read_from_the_tree(tmp_path):
    write_config_tree(
        tmp_path,
        {
            "comps/x/x.comp.toml": (
                '[[components.x.overlays]]\ntype = "patch-add"\nsource = "p/fix.patch"\n'
            ),
            "comps/x/p/fix.patch": "--- a\n+++ b\n",
        },
    )
    config = load_config(tmp_path)
    (item,) = config.components["x"].overlays
    assert config.overlay_source(item) == b"--- a\n+++ b\n"
    assert item.overlay.base_dir == str(tmp_path / "comps/x")


def test_overlay_source_outside_the_tree_or_missing(tmp_path):
    (tmp_path / "secret").write_text("x")
    root = write_config_tree(
        tmp_path / "config",
        {
            "comps/x/x.comp.toml": (
                '[[components.x.overlays]]\ntype = "patch-add"\nsource = "../../../secret"\n'
                '[[components.x.overlays]]\ntype = "file-add"\nfile = "a"\nsource = "gone.txt"\n'
            )
        },
    )
    problems = issues_of(root)
    assert any("overlay 1: source '../../../secret' points outside" in p for p in problems)
    assert any("overlay 2: comps/x/gone.txt does not exist" in p for p in problems)


def test_the_demo_config_loads(tmp_path):
    from tests.factories import DEMO

    config = load_config(DEMO)
    assert len(config.components) == 21
    assert config.default_distro == ("azurelinux", "4.0")
    assert config.components["bash"].upstream.branch == "rawhide"


def test_group_spec_discovery(tmp_path):
    write_config_tree(
        tmp_path,
        {
            "comps/local.comp.toml": (
                '[component-groups.local]\nspecs = ["SPECS/**/*.spec"]\n'
                'excluded-paths = ["SPECS/skip/**"]\n'
            ),
            "comps/SPECS/a/alpha.spec": "Name: alpha\n",
            "comps/SPECS/skip/beta.spec": "Name: beta\n",
            "comps/bad.comp.toml": '[component-groups.bad]\nspecs = ["[oops/*.spec"]\n',
        },
    )
    (problem,) = issues_of(tmp_path)
    assert problem.startswith("comps/bad.comp.toml, component group 'bad': spec pattern")
    assert "is not a valid glob" in problem
    (tmp_path / "comps/bad.comp.toml").unlink()
    config = load_config(tmp_path)
    assert "beta" not in config.components
    alpha = config.components["alpha"]
    assert alpha.groups == ("local",)
    assert alpha.upstream.local_spec == "comps/SPECS/a/alpha.spec"
