"""Property-based tests of overlay invariants (hypothesis, kept quick)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from deviations.core.overlays import SourceTree, render
from deviations.core.overlays.regex import compile_regex, replace_all_text
from deviations.core.overlays.specops import candidate_lines
from deviations.core.spec import Spec, SpecEditError, edit
from deviations.core.types import Overlay
from tests.core.test_spec_properties import spec_bytes

QUICK = settings(max_examples=120, deadline=None)

REGEXES = [
    "make",
    "^make$",
    "(?m)^%",
    "x*",
    "$",
    "^",
    r"\bgcc\b",
    r"Source\d*:",
    "a|b",
    r"(?i)NAME",
    r"\s+$",
    r"caf.",
    r"\Apatch",
    r"e\z",
    r"(?-m:^N)",
]

overlays = st.one_of(
    st.builds(
        Overlay,
        type=st.sampled_from(
            [
                "spec-set-tag",
                "spec-update-tag",
                "spec-add-tag",
                "spec-insert-tag",
                "spec-remove-tag",
            ]
        ),
        tag=st.sampled_from(["Version", "Source9", "BuildRequires", "Patch"]),
        value=st.sampled_from(["", "gcc", "1.0"]),
        package=st.sampled_from(["", "devel", "other", "nope"]),
    ),
    st.builds(
        Overlay,
        type=st.sampled_from(["spec-prepend-lines", "spec-append-lines", "spec-remove-section"]),
        section=st.sampled_from(["", "%build", "%files", "%description", "%check"]),
        package=st.sampled_from(["", "devel"]),
        lines=st.just(("added",)),
    ),
    st.builds(
        Overlay,
        type=st.just("spec-search-replace"),
        regex=st.sampled_from(REGEXES),
        replacement=st.sampled_from(["", "$1", "X"]),
        section=st.sampled_from(["", "%build"]),
    ),
    st.builds(
        Overlay, type=st.just("spec-remove-subpackage"), package=st.sampled_from(["devel", "other"])
    ),
    st.builds(Overlay, type=st.just("patch-remove"), file=st.sampled_from(["*.patch", "a.patch"])),
    st.builds(Overlay, type=st.just("file-remove"), file=st.sampled_from(["*.patch", "x"])),
)


def _tree(data: bytes) -> SourceTree:
    tree = SourceTree(spec_name="t.spec")
    tree.write("t.spec", data)
    tree.write("a.patch", b"p")
    return tree


@QUICK
@given(spec_bytes(), st.lists(overlays, max_size=4))
def test_failed_overlay_leaves_tree_unchanged(data: bytes, chosen: list[Overlay]):
    tree = _tree(data)
    snapshot = tree.copy()
    before = tree.copy()
    for overlay in chosen:
        result = render(before, [overlay])
        outcome = result.outcomes[0]
        if outcome.verdict == "failed":
            assert result.tree_after.same_as(before)
            assert not result.ok
        else:
            assert result.ok
            assert (outcome.verdict == "no-op") == result.tree_after.same_as(before)
        before = result.tree_after
    assert tree.same_as(snapshot)  # render never touches its input


@QUICK
@given(spec_bytes(), st.lists(overlays, max_size=5))
def test_render_of_a_list_equals_rendering_one_by_one(data: bytes, chosen: list[Overlay]):
    together = render(_tree(data), chosen)
    current = _tree(data)
    for overlay in chosen:
        current = render(current, [overlay]).tree_after
    assert together.tree_after.same_as(current)
    assert together.ok == all(o.verdict != "failed" for o in together.outcomes)


@QUICK
@given(spec_bytes(), st.sampled_from(["Version", "Summary"]), st.sampled_from(["", "devel"]))
def test_spec_set_tag_twice_equals_once(data: bytes, tag: str, package: str):
    overlay = Overlay(type="spec-set-tag", tag=tag, value="2.0", package=package)
    once = render(_tree(data), [overlay])
    twice = render(_tree(data), [overlay, overlay])
    assert twice.tree_after.same_as(once.tree_after)
    if once.ok:
        assert twice.outcomes[1].verdict == "no-op"


@QUICK
@given(spec_bytes(), st.sampled_from(REGEXES), st.sampled_from(["", "%build", "%files"]))
def test_whole_text_prefilter_never_changes_the_result(data: bytes, pattern: str, section: str):
    regex = compile_regex(pattern)

    def run(use_filter: bool) -> bytes | None:
        spec = Spec.parse(data)
        candidates = candidate_lines(pattern, spec.lines) if use_filter else None
        try:
            edit.search_replace(
                spec,
                section,
                "",
                lambda line: replace_all_text(regex, line, "Z"),
                pattern,
                candidates,
            )
        except SpecEditError:
            return None
        return spec.to_bytes()

    assert run(True) == run(False)
