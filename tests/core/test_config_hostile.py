"""Config input that used to break the record or the pages: names, NUL, and one report.

Component and group names follow the package-name rule (core/names.py) the sync has
always applied; no config string may hold a NUL; and every stage of loading runs, so
one report lists every problem, each naming its file, line, component and item.
"""

from __future__ import annotations

import pytest

from deviations.core.config import ConfigError, load_config
from deviations.core.distgit import DistGitError, check_package_name
from deviations.core.names import NAME_RULE, is_safe_name
from tests.factories import EVERY_STAGE_CONFIG, EVERY_STAGE_PROBLEMS, write_config_tree

HOSTILE_NAMES = [
    ("a/b", '"a/b"'),
    ("", '""'),
    ("..", '".."'),
    ("a..b", '"a..b"'),
    ("-rf", '"-rf"'),
    (".hidden", '".hidden"'),
    ("a b", '"a b"'),
    (" a", '" a"'),
    ("a\tb", '"a\\tb"'),
    ("a\x01b", '"a\\u0001b"'),
    ("a\x00b", '"a\\u0000b"'),
    ("a\nb", '"a\\nb"'),
    ("x" * 201, "x" * 201),
    ("caf\u00e9", '"caf\u00e9"'),
]


def issues_for(tmp_path, files: dict[str, str]) -> list:
    write_config_tree(tmp_path, files)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    return caught.value.issues


@pytest.mark.parametrize(("name", "key"), HOSTILE_NAMES)
def test_a_component_name_outside_the_package_rule_is_refused_at_its_line(tmp_path, name, key):
    issues = issues_for(
        tmp_path,
        {"comps/components.toml": f"[components.bare]\n\n# odd\n[components.{key}]\n"},
    )
    assert len(issues) == 1, issues
    issue = issues[0]
    assert (issue.file, issue.line, issue.component) == ("comps/components.toml", 4, name)
    assert issue.message == (
        f"component name {name!r} is not allowed: the package-name rule says {NAME_RULE}"
    )
    # The very rule the sync applies to a package name before git sees it.
    assert not is_safe_name(name)
    with pytest.raises(DistGitError):
        check_package_name(name)


@pytest.mark.parametrize(("name", "key"), HOSTILE_NAMES[:6])
def test_a_group_name_outside_the_package_rule_is_refused(tmp_path, name, key):
    issues = issues_for(
        tmp_path,
        {"comps/groups.comp.toml": f'[component-groups.{key}]\ncomponents = ["bare"]\n'},
    )
    assert [(i.file, i.line, i.item) for i in issues] == [
        ("comps/groups.comp.toml", 1, f"component group {name!r}")
    ]
    assert "the package-name rule says" in issues[0].message


@pytest.mark.parametrize("name", ["bash", "libsigc++20", "python3.12", "R-base", "0ad", "_x"])
def test_real_names_pass(tmp_path, name):
    write_config_tree(tmp_path, {"comps/components.toml": f'[components."{name}"]\n'})
    assert list(load_config(tmp_path).components) == [name]


def test_a_local_spec_found_by_a_group_pattern_needs_a_safe_name_too(tmp_path):
    issues = issues_for(
        tmp_path,
        {
            "comps/local.comp.toml": '[component-groups.local]\nspecs = ["specs/*.spec"]\n',
            "comps/specs/good.spec": "Name: good\n",
            "comps/specs/-bad.spec": "Name: bad\n",
        },
    )
    assert [(i.file, i.line, i.item) for i in issues] == [
        ("comps/local.comp.toml", 2, "component group 'local'")
    ]
    assert "spec file comps/specs/-bad.spec names a component: component name '-bad'" in (
        issues[0].message
    )


def test_the_real_tree_follows_the_name_rule(real_config_dir):
    config = load_config(real_config_dir)
    assert len(config.components) > 7000
    assert all(is_safe_name(name) for name in config.components)
    assert all(is_safe_name(name) for name in config.files.groups)


# --- NUL ---------------------------------------------------------------------------------

NUL_PLACES = [
    # (file text, line, component, item)
    (
        '[components.x]\n[[components.x.overlays]]\ndescription = "d"\n'
        'type = "spec-add-tag"\ntag = "T"\nvalue = "a\\u0000b"\n',
        6,
        "x",
        "overlay 1 ('d'), field value",
    ),
    ('[components.x]\nbuild = { defines = { "k\\u0000" = "v" } }\n', 2, "x", "build.defines"),
    ('[components.x]\nbuild = { without = ["ok", "n\\x00"] }\n', 2, "x", "build.without[2]"),
    (
        "[components.x]\nbuild.check = { skip = true, skip_reason = 'a' }\n"
        '[components.x.spec]\ntype = "upstream"\nupstream-name = """x\\U00000000"""\n',
        5,
        "x",
        "spec.upstream-name",
    ),
    (
        '[component-groups.g]\ndescription = "a\\u0000"\ncomponents = ["x"]\n[components.x]\n',
        2,
        "",
        "component group 'g', description",
    ),
]


@pytest.mark.parametrize(("text", "line", "component", "item"), NUL_PLACES)
def test_a_nul_in_any_config_string_is_refused_where_it_is(tmp_path, text, line, component, item):
    issues = issues_for(tmp_path, {"comps/x.comp.toml": text})
    assert [(i.file, i.line, i.component, i.message) for i in issues] == [
        (
            "comps/x.comp.toml",
            line,
            component,
            "contains a NUL character (\\u0000), which no config string may hold",
        )
    ], issues
    assert issues[0].item.startswith(item.split(",")[0])


def test_a_nul_in_an_overlay_file_is_refused(tmp_path):
    issues = issues_for(
        tmp_path,
        {
            "comps/x/x.comp.toml": '[components.x]\noverlay-files = ["x.overlays.toml"]\n',
            "comps/x/x.overlays.toml": (
                '[metadata]\ncategory = "azl-pruning"\nupstream-status = "inapplicable"\n'
                '[[overlays]]\ndescription = "d"\ntype = "spec-remove-tag"\ntag = "T\\u0000"\n'
            ),
        },
    )
    assert [(i.file, i.line, i.component, i.item) for i in issues] == [
        ("comps/x/x.overlays.toml", 7, "x", "overlay 1 ('d')")
    ]
    assert "NUL character" in issues[0].message


def test_an_escaped_backslash_before_u0000_is_not_a_nul(tmp_path):
    write_config_tree(
        tmp_path,
        {"comps/x.comp.toml": '[components.x]\nbuild = { defines = { k = "a\\\\u0000" } }\n'},
    )
    config = load_config(tmp_path)
    assert config.components["x"].config["build"]["defines"] == {"k": "a\\u0000"}


# --- one report --------------------------------------------------------------------------


def test_every_stage_reports_in_one_pass(tmp_path):
    issues = issues_for(tmp_path, EVERY_STAGE_CONFIG)
    found = [(i.file, i.line, i.component, i.message) for i in issues]
    assert len(found) == len(EVERY_STAGE_PROBLEMS), "\n".join(map(str, issues))
    for (file, line, component, message), want in zip(found, EVERY_STAGE_PROBLEMS, strict=True):
        assert (file, line, component) == want[:3] and want[3] in message, (found, want)


@pytest.mark.parametrize(
    "text",
    [
        "[default-component-config]\nbuild = 5\n",
        "[component-groups.g]\nspecs = 5\n",
        '[component-groups.g]\nexcluded-paths = [5]\nspecs = ["*.spec"]\n',
        '[component-groups.g]\ncomponents = [{}, "bare"]\n',
        '[project]\ndefault-distro = "azl"\n',
        "[distros.azl]\nversions = [1]\n",
        "[components.bare]\nspec = 5\n",
        '[component-groups.g]\ncomponents = ["bare"]\ndefault-component-config = 5\n',
    ],
)
def test_a_table_of_the_wrong_type_is_reported_not_read(tmp_path, text):
    """Later stages skip what they cannot read; they used to crash on some of it."""
    issues = issues_for(tmp_path, {"comps/z.comp.toml": text})
    assert issues and all(i.file == "comps/z.comp.toml" for i in issues), issues
    assert any("must be" in i.message for i in issues), issues


def test_a_broken_default_is_one_problem_not_one_per_component(tmp_path):
    issues = issues_for(
        tmp_path,
        {
            "distro/azl.toml": "[distros.azl]\n",
            "comps/components.toml": "".join(f"[components.c{n}]\n" for n in range(50)),
        },
    )
    assert [(i.file, i.message) for i in issues] == [
        ("", "the project's default-distro azl has no version '1'"),
        (
            "",
            "the upstream the distro and project defaults give every component is unusable: "
            "has no spec source: no upstream distro is set or inherited; every component "
            "without an upstream-distro of its own is affected (the first is 'c0')",
        ),
    ]
