"""Property-based tests for the spec parser/editor (hypothesis, kept quick)."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from deviations.core.spec import Spec, SpecEditError, edit

QUICK = settings(max_examples=150, deadline=None)

VOCABULARY = [
    "Name: foo",
    "Version: 1.0",
    "version:\t2",
    "BuildRequires: gcc",
    "Source0: a.tar.gz",
    "Source: b.tar.gz",
    "Patch0: a.patch",
    "Patch: b.patch",
    "%package devel",
    "%package -n other",
    "Summary: s",
    "%description",
    "%description devel",
    "%build",
    "make",
    "%install",
    "%files",
    "%files devel",
    "%if 0%{?x}",
    "%else",
    "%endif",
    "# %files",
    "",
    "\t%check",
    "%changelog",
    "- entry",
    "%patchlist",
    "c.patch",
    "caf\udce9 \udcff",
]


@st.composite
def spec_bytes(draw) -> bytes:
    lines = draw(st.lists(st.sampled_from(VOCABULARY), max_size=30))
    endings = draw(st.lists(st.sampled_from(["\n", "\r\n"]), min_size=len(lines)))
    text = "".join(line + end for line, end in zip(lines, endings, strict=False))
    if draw(st.booleans()):
        text += draw(st.sampled_from(["make", "%files", "x\r", ""]))
    return text.encode("utf-8", "surrogateescape")


@QUICK
@given(st.binary(max_size=400))
def test_any_bytes_round_trip(data: bytes):
    assert Spec.parse(data).to_bytes() == data


@QUICK
@given(spec_bytes())
def test_spec_like_text_round_trips(data: bytes):
    spec = Spec.parse(data)
    assert spec.to_bytes() == data
    sections = spec.sections
    assert sections[0].start == 0 and sections[-1].end == len(spec.lines)
    assert all(a.end == b.start for a, b in itertools.pairwise(sections))


@QUICK
@given(
    spec_bytes(),
    st.sampled_from(["Version", "Summary", "Release"]),
    st.sampled_from(["", "devel", "other"]),
)
def test_set_tag_twice_equals_once(data: bytes, tag: str, package: str):
    once = Spec.parse(data)
    try:
        edit.set_tag(once, package, tag, "9.9")
    except SpecEditError:
        return  # no such sub-package: refused both times
    twice = Spec.parse(once.to_bytes())
    edit.set_tag(twice, package, tag, "9.9")
    assert twice.to_bytes() == once.to_bytes()


@QUICK
@given(spec_bytes())
def test_edited_spec_is_written_with_lf_and_final_newline(data: bytes):
    spec = Spec.parse(data)
    edit.append_lines(spec, ["%global azl 1"])
    out = spec.to_bytes()
    assert out.endswith(b"%global azl 1\n")
    assert b"\r" not in out  # the vocabulary has no CR inside a line
    assert Spec.parse(out).lines == spec.lines


@QUICK
@given(spec_bytes(), st.sampled_from(["devel", "other"]))
def test_remove_subpackage_leaves_no_section_of_it(data: bytes, package: str):
    spec = Spec.parse(data)
    try:
        edit.remove_subpackage(spec, package)
    except SpecEditError:
        return
    again = Spec.parse(spec.to_bytes())
    assert all(s.package != package for s in again.sections if s.header is not None)
