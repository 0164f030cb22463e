"""Every validation rule: a clear message naming file, line, component and item.

(azldev's own cases run from ../shared in test_config_vectors.py; these do not need it.)
"""

from __future__ import annotations

import pytest
import re2

from deviations.core.config import ConfigError, load_config, load_overlays
from deviations.core.config.validate import archive_consistency_problems
from tests.factories import write_config_tree

OK_META = 'metadata = { category = "azl-pruning", upstream-status = "inapplicable" }'


def problems_for(tmp_path, component_toml: str, extra: dict | None = None) -> list[str]:
    write_config_tree(tmp_path, {"comps/x/x.comp.toml": component_toml, **(extra or {})})
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    return [str(i) for i in caught.value.issues]


def overlay(fields: str) -> str:
    return f'[components.x]\n[[components.x.overlays]]\ndescription = "the one"\n{fields}\n'


OVERLAY_RULES = [
    ('type = "spec-add-tag"\nvalue = "v"', "overlay type 'spec-add-tag' requires 'tag'"),
    ('type = "spec-insert-tag"\ntag = "T"', "overlay type 'spec-insert-tag' requires 'value'"),
    ('type = "spec-set-tag"\ntag = "T"', "overlay type 'spec-set-tag' requires 'value'"),
    ('type = "spec-update-tag"\nvalue = "v"', "overlay type 'spec-update-tag' requires 'tag'"),
    ('type = "spec-remove-tag"', "overlay type 'spec-remove-tag' requires 'tag'"),
    ('type = "spec-prepend-lines"', "overlay type 'spec-prepend-lines' requires 'lines'"),
    ('type = "spec-append-lines"\nlines = []', "overlay type 'spec-append-lines' requires 'lines'"),
    (
        'type = "spec-append-lines"\nlines = ["x"]\npackage = "devel"',
        "requires 'section' when 'package' is set",
    ),
    ('type = "spec-search-replace"', "overlay type 'spec-search-replace' requires 'regex'"),
    (
        'type = "spec-search-replace"\nregex = "x"\npackage = "p"',
        "requires 'section' when 'package' is set",
    ),
    ('type = "spec-remove-section"', "overlay type 'spec-remove-section' requires 'section'"),
    ('type = "spec-remove-subpackage"', "overlay type 'spec-remove-subpackage' requires 'package'"),
    (
        'type = "spec-remove-subpackage"\npackage = "p"\nsection = "%files"',
        "does not accept 'section'",
    ),
    ('type = "patch-add"', "overlay type 'patch-add' requires 'source'"),
    ('type = "patch-add"\nsource = "a.patch"\nfile = "/abs.patch"', "relative path"),
    ('type = "patch-remove"', "overlay type 'patch-remove' requires 'file'"),
    ('type = "patch-remove"\nfile = "[bad"', "invalid glob pattern `[bad`"),
    (
        'type = "file-prepend-lines"\nlines = ["x"]',
        "overlay type 'file-prepend-lines' requires 'file'",
    ),
    (
        'type = "file-prepend-lines"\nfile = "a"',
        "overlay type 'file-prepend-lines' requires 'lines'",
    ),
    (
        'type = "file-search-replace"\nfile = "a"',
        "overlay type 'file-search-replace' requires 'regex'",
    ),
    (
        'type = "file-search-replace"\nregex = "a"',
        "overlay type 'file-search-replace' requires 'file'",
    ),
    ('type = "file-add"\nfile = "a"', "overlay type 'file-add' requires 'source'"),
    ('type = "file-add"\nsource = "a"', "overlay type 'file-add' requires 'file'"),
    ('type = "file-remove"\nfile = "/etc/passwd"', "requires 'file' to be a relative path"),
    ('type = "file-rename"\nfile = "a"', "overlay type 'file-rename' requires 'replacement'"),
    ('type = "file-rename"\nfile = "a"\nreplacement = "d/b"', "file name only (not a path)"),
    ('type = "spec-frobnicate"', "unknown overlay type 'spec-frobnicate'"),
    ('tag = "T"', "overlay requires 'type'"),
    (
        'type = "file-add"\nfile = "a"\nsource = "a"\narchive = "p.tar"',
        "does not support 'archive'",
    ),
    ('type = "file-remove"\narchive = "p.zip"\nfile = "a"', "not a recognised archive name"),
    ('type = "file-remove"\narchive = "p.tar.gz"', "requires 'file' when 'archive' is set"),
    ('type = "file-remove"\narchive = "../p.tar.gz"\nfile = "a"', "unsafe 'archive'"),
    ('type = "spec-search-replace"\nregex = "a(?=b)"', "invalid perl operator"),
    ('type = "spec-search-replace"\nregex = "(a)\\\\1"', "invalid escape sequence"),
    ('type = "spec-search-replace"\nregex = "x\\\\C"', "invalid escape sequence: `\\C`"),
    ('type = "spec-search-replace"\nregex = "a{1001}"', "invalid repetition size"),
    ('type = "spec-search-replace"\nregex = "x"\nsectoin = "%build"', "unknown field 'sectoin'"),
    ('type = "spec-add-tag"\ntag = 3\nvalue = "v"', "must be a string, not number"),
    ('type = "spec-append-lines"\nlines = "one line"', "must be an array, not string"),
]


@pytest.mark.parametrize(("fields", "message"), OVERLAY_RULES, ids=[m for _, m in OVERLAY_RULES])
def test_overlay_rule(tmp_path, fields, message):
    problems = problems_for(tmp_path, overlay(fields))
    assert any(message in p for p in problems), problems
    (problem, *_) = [p for p in problems if message in p]
    # The overlay's line, or the offending field's own line.
    assert problem.startswith("comps/x/x.comp.toml:")
    assert "component 'x', overlay 1 ('the one')" in problem


METADATA_RULES = [
    ('upstream-status = "unknown"', "'metadata' requires 'category'"),
    ('category = "bogus"\nupstream-status = "unknown"', "unknown overlay category 'bogus'"),
    ('category = "azl-pruning"', "'metadata' requires 'upstream-status'"),
    ('category = "azl-pruning"\nupstream-status = "maybe"', "unknown overlay upstream-status"),
    (
        'category = "upstream-backport"\nupstream-status = "upstreamed"',
        "requires at least one entry in 'commits'",
    ),
    (
        'category = "upstream-backport"\nupstream-status = "inapplicable"\n'
        'commits = [{ url = "https://src.fedoraproject.org/rpms/x/c/abc" }]',
        "'upstream-status' 'inapplicable' is contradictory",
    ),
    (
        'category = "azl-pruning"\nupstream-status = "unknown"\nbugs = [{ url = "ftp://x/1" }]',
        "must be an absolute http(s) URL with a host",
    ),
    (
        'category = "azl-pruning"\nupstream-status = "unknown"\nbugs = [{ url = "https:///1" }]',
        "must be an absolute http(s) URL with a host",
    ),
    ('category = "azl-pruning"\nupstream-status = "unknown"\nbugs = [{}]', "needs a 'url'"),
    (
        'category = "azl-pruning"\nupstream-status = "unknown"\nowner = "me"',
        "unknown field 'owner'",
    ),
]


@pytest.mark.parametrize(("fields", "message"), METADATA_RULES, ids=[m for _, m in METADATA_RULES])
def test_metadata_rule_inline_and_in_overlay_files(tmp_path, fields, message):
    inline = overlay('type = "spec-set-tag"\ntag = "T"\nvalue = "v"') + (
        f"[components.x.overlays.metadata]\n{fields}\n"
    )
    assert any(message in p for p in problems_for(tmp_path / "inline", inline))
    file_toml = (
        f'[metadata]\n{fields}\n[[overlays]]\ntype = "spec-set-tag"\ntag = "T"\nvalue = "v"\n'
    )
    problems = problems_for(
        tmp_path / "file",
        '[components.x]\noverlay-files = ["o.overlay.toml"]\n',
        {"comps/x/o.overlay.toml": file_toml},
    )
    matching = [p for p in problems if message in p]
    assert matching and matching[0].startswith("comps/x/o.overlay.toml")
    assert "component 'x'" in matching[0]


def test_good_metadata_is_accepted(tmp_path):
    write_config_tree(
        tmp_path,
        {
            "comps/x/x.comp.toml": overlay(
                'type = "spec-set-tag"\ntag = "T"\nvalue = "v"\n'
                "[components.x.overlays.metadata]\n"
                'category = "upstream-backport"\nupstream-status = "upstreamable"\n'
                'commits = [{ url = "http://src.fedoraproject.org/rpms/x/c/abc" }]\n'
            )
        },
    )
    (item,) = load_config(tmp_path).components["x"].overlays
    assert item.overlay.metadata.commits[0].url == "http://src.fedoraproject.org/rpms/x/c/abc"


COMPONENT_RULES = [
    ("[components.x.build]\ncheck = { skip = true }", "check.skip_reason is required"),
    ("[components.x.build]\nfailure = { expected = true }", "failure.expected-reason is required"),
    ("[components.x.build]\nhints = { cheap = true }", "unknown field 'cheap'"),
    ('[components.x.build]\nwith = "x"', "must be an array, not string"),
    ("[components.x.build]\ndefines = { a = 1 }", "must be a string, not number"),
    ('[components.x]\nspec = { type = "cloud" }', "spec type 'cloud' is not"),
    ('[components.x]\nspec = { type = "local" }', "a local spec needs 'path'"),
    ('[components.x]\nspec = { type = "upstream", path = "x.spec" }', "'path' is only valid"),
    ('[components.x]\nspec = { upstream-commit = "abcdef12" }', "only valid for an upstream"),
    ('[components.x]\nspec = { type = "upstream", upstream-commit = "abc" }', "7 to 40 hex"),
    ('[components.x]\nspec = { type = "upstream", upstream-commit = "xyzxyzxyz" }', "7 to 40 hex"),
    ('[components.x.release]\ncalculation = "sometimes"', "release calculation 'sometimes'"),
    ('[components.x.render]\nskip-file-filter = "yes"', "must be a boolean, not string"),
    ('[components.x.publish]\nrpm-channel = "../x"', "publish channel '../x'"),
    ('[components.x]\noverlay-files = [""]', "'overlay-files' entries cannot be empty"),
    ('[components.x]\nmaintainer = "me"', "unknown field 'maintainer'"),
]


@pytest.mark.parametrize(("toml", "message"), COMPONENT_RULES, ids=[m for _, m in COMPONENT_RULES])
def test_component_rule(tmp_path, toml, message):
    problems = problems_for(tmp_path, toml)
    assert any(message in p and "component 'x'" in p for p in problems), problems


def source_file(fields: str) -> str:
    return f'[components.x]\n[[components.x.source-files]]\nfilename = "a.tar.gz"\n{fields}\n'


SOURCE_FILE_RULES = [
    ("", "needs an 'origin' with a 'type'"),
    ('origin = { type = "ftp" }', "unsupported origin type 'ftp'"),
    ('origin = { type = "download" }', "origin 'download' requires 'uri'"),
    ('origin = { type = "download", uri = "example.com/a" }', "missing a scheme"),
    ('origin = { type = "overlay", uri = "https://x/a" }', "only valid for origin 'download'"),
    ('origin = { type = "custom" }', "origin 'custom' requires 'script'"),
    ('origin = { type = "custom", script = "s.sh", inputs = ["s.sh"] }', "is the script"),
    ('origin = { type = "download", uri = "https://x/a", script = "s" }', "only valid for origin"),
    ('origin = { type = "overlay" }', "requires 'replace-upstream = true'"),
    (
        'origin = { type = "download", uri = "https://x/a" }\nreplace-upstream = true',
        "needs a 'replace-reason'",
    ),
    (
        'origin = { type = "download", uri = "https://x/a" }\nreplace-reason = "why"',
        "only valid with",
    ),
    ('origin = { type = "download", uri = "https://x/a" }\nhash = "ab"', "'hash-type' must be set"),
    (
        'origin = { type = "download", uri = "https://x/a" }\nhash-type = "MD5"',
        "unsupported hash type",
    ),
]


@pytest.mark.parametrize(
    ("fields", "message"), SOURCE_FILE_RULES, ids=[m for _, m in SOURCE_FILE_RULES]
)
def test_source_file_rule(tmp_path, fields, message):
    problems = problems_for(tmp_path, source_file(fields))
    assert any(message in p and "source-files entry 1 ('a.tar.gz')" in p for p in problems), (
        problems
    )


def test_source_file_names(tmp_path):
    download = (
        '[[components.x.source-files]]\nfilename = "a"\n'
        'origin = { type = "download", uri = "u:x" }\n'
    )
    toml = (
        "[components.x]\n"
        '[[components.x.source-files]]\nfilename = "../evil"\norigin = { type = "overlay" }\n'
        'replace-upstream = true\nreplace-reason = "r"\n' + download + download
    )
    problems = problems_for(tmp_path, toml)
    assert any("must be a simple file name without folders" in p for p in problems)
    assert any("duplicate filename" in p for p in problems)


def test_group_and_project_level_rules(tmp_path):
    write_config_tree(
        tmp_path,
        {
            "comps/g.comp.toml": (
                '[component-groups.g]\ncomponents = ["bare"]\n'
                '[component-groups.g.metadata]\ncategory = "nope"\nupstream-status = "unknown"\n'
                "[component-groups.g.default-component-config.build]\ncheck = { skip = true }\n"
            ),
            "azldev.toml": (
                'includes = ["distro/*.toml", "comps/components.toml", ""]\n'
                '[project]\ndefault-distro = { name = "azl", version = "1" }\nowner = "me"\n'
            ),
        },
    )
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    problems = [str(i) for i in caught.value.issues]
    assert any(
        "component group 'g'" in p and "unknown overlay category 'nope'" in p for p in problems
    )
    assert any(
        "component group 'g' default-component-config, build.check" in p
        and "skip_reason is required" in p
        for p in problems
    )
    assert any("'includes' entries cannot be empty" in p for p in problems)
    assert any("project.owner: unknown field 'owner'" in p for p in problems)


def test_unknown_top_level_section(tmp_path):
    problems = problems_for(tmp_path, "[componentz.x]\n")
    assert any("unknown field 'componentz'" in p for p in problems)


def test_unknown_top_level_fields_are_reported_at_their_line(tmp_path):
    text = 'note.author = "a"\nowner = "b"\n[components.x]\n\n[componentz.y]\n'
    write_config_tree(tmp_path, {"comps/x/x.comp.toml": text})
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    lines = {i.message.split("'")[1]: i.line for i in caught.value.issues}
    assert lines == {"note": 1, "owner": 2, "componentz": 5}


def test_permissive_tolerates_unknown_fields_only(tmp_path):
    path = tmp_path / "x.comp.toml"
    path.write_text(overlay('type = "spec-append-lines"\nlines = ["a"]\nsectoin = "%build"'))
    assert [o.type for o in load_overlays(path, permissive=True)] == ["spec-append-lines"]
    with pytest.raises(ConfigError):
        load_overlays(path)
    path.write_text(overlay('type = "spec-append-lines"\nsectoin = "%build"'))
    with pytest.raises(ConfigError, match="requires 'lines'"):
        load_overlays(path, permissive=True)


# --- hostile regexes ------------------------------------------------------------------


def test_regex_bomb_is_refused(tmp_path):
    """Nested repetition that would compile to an enormous program: a clear error."""
    problems = problems_for(
        tmp_path, overlay('type = "spec-search-replace"\nregex = "((a{100}){100}){100}"')
    )
    assert any("invalid repetition size" in p and "overlay 1 ('the one')" in p for p in problems)


def test_a_regex_too_costly_to_run_is_refused_naming_where(tmp_path):
    """Valid RE2, but a program so large that matching falls back to its slow path (on a
    spec of long lines this took minutes per overlay): refused at import, in one message
    naming the file, line, component and overlay."""
    hostile = "[a-z]{1000}[a-z]{1000}[a-z]{1000}[a-z]{1000}"
    problems = problems_for(tmp_path, overlay(f'type = "spec-search-replace"\nregex = "{hostile}"'))
    assert problems == [
        "comps/x/x.comp.toml:2, component 'x', overlay 1 ('the one'): "
        f"regex `{hostile}` is too costly to run: its RE2 program has 4,004 instructions, "
        "over the limit of 1,000 (large repetition counts such as `{1000}` make large "
        "programs; match less at once)"
    ]
    # The same pattern at a size the real config uses (at most ~100 instructions) is fine.
    write_config_tree(
        tmp_path / "ok",
        {"comps/x/x.comp.toml": overlay('type = "spec-search-replace"\nregex = "[a-z]{100}"')},
    )
    assert load_config(tmp_path / "ok").components["x"].overlays


def test_backtracking_regexes_are_refused_or_linear(tmp_path):
    """Patterns that make a backtracking engine explode.

    With backreferences or lookaround they are not RE2 at all (azldev refuses them);
    without, RE2 accepts them and matches in linear time -- they are valid azldev
    config, and harmless here because nothing falls back to Python's `re`.
    """
    problems = problems_for(
        tmp_path / "a", overlay('type = "spec-search-replace"\nregex = "^(a+)+\\\\1$"')
    )
    assert any("invalid escape sequence" in p for p in problems)
    write_config_tree(
        tmp_path / "b",
        {"comps/x/x.comp.toml": overlay('type = "spec-search-replace"\nregex = "^(a|aa)+$"')},
    )
    (item,) = load_config(tmp_path / "b").components["x"].overlays
    assert re2.compile(item.overlay.regex).search("a" * 50_000 + "b") is None


# --- the prepare-sources check ------------------------------------------------------------


def test_archive_overlays_need_a_matching_overlay_origin():
    archive = {"type": "file-remove", "archive": "p.tar.gz", "file": "vendor/**"}
    origin = {
        "filename": "p.tar.gz",
        "origin": {"type": "overlay"},
        "replace-upstream": True,
        "replace-reason": "r",
    }
    assert archive_consistency_problems([archive], [origin]) == []
    (missing,) = archive_consistency_problems([archive], [])
    assert "requires a matching 'source-files' entry" in missing
    assert archive_consistency_problems([archive], [], allow_no_hashes=True) == []
    (orphan,) = archive_consistency_problems([], [origin], allow_no_hashes=True)
    assert "no archive-scoped overlay modifies that archive" in orphan
    loose = {"type": "file-rename", "file": "x", "replacement": "p.tar.gz"}
    (both,) = archive_consistency_problems([archive, loose], [origin])
    assert "loose-file 'file-rename' overlay targets archive 'p.tar.gz'" in both
