"""The spec parser/editor: byte-for-byte round trips and how azldev reads a spec."""

from __future__ import annotations

import tarfile

import pytest

from deviations.core.spec import Spec, SpecEditError, edit, package_from_header
from deviations.core.spec.parse import SectionType
from tests.support import shared_path


@pytest.mark.slow
def test_every_real_spec_round_trips_byte_for_byte():
    tarball = shared_path("data", "azurelinux-4.0", "specs.tar.xz")
    count = 0
    with tarfile.open(tarball) as archive:
        for member in archive:
            if not (member.isfile() and member.name.endswith(".spec")):
                continue
            data = archive.extractfile(member).read()
            spec = Spec.parse(data)
            assert spec.sections[0].name == ""  # structure is computed, not skipped
            assert spec.to_bytes() == data, member.name
            count += 1
    assert count > 7000


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\n",
        b"Name: x",  # no trailing newline
        b"Name: x\r\nVersion: 1\r\n",  # CRLF
        b"Name: x\r\nVersion: 1",  # CRLF, no final newline
        b"Name: x\r",  # lone CR at the very end
        b"Name: x\rVersion: 1\n",  # CR inside a line
        b"Name: \xff\xfe caf\xc3\xa9\n\x00\n",  # not UTF-8, NUL
        b"\tName:\tx\n\t%build\t\n\tmake\t",  # tabs
        b"a\n\n\n",
        b"\xe2\x82\n\xed\xa0\x80\n",  # truncated sequence, encoded surrogate
    ],
)
def test_round_trip_edge_cases(data: bytes):
    assert Spec.parse(data).to_bytes() == data


def test_crlf_spec_is_read_without_cr_and_written_with_lf_after_an_edit():
    spec = Spec.parse(b"Name: x\r\nVersion: 1\r\n\r\n%build\r\nmake\r\n")
    assert spec.lines == ["Name: x", "Version: 1", "", "%build", "make"]
    assert [s.name for s in spec.sections] == ["", "%build"]
    edit.update_tag(spec, "", "Version", "2")
    assert spec.to_bytes() == b"Name: x\nVersion: 2\n\n%build\nmake\n"


def test_edit_adds_final_newline():
    spec = Spec.parse(b"Name: x\n%build\nmake")
    edit.append_to_section(spec, "%build", "", ["make check"])
    assert spec.to_bytes() == b"Name: x\n%build\nmake\nmake check\n"


def test_non_utf8_bytes_survive_an_edit():
    spec = Spec.parse(b"Name: x\nSummary: caf\xe9\n%description\n\xff\n")
    edit.update_tag(spec, "", "Name", "y")
    assert spec.to_bytes() == b"Name: y\nSummary: caf\xe9\n%description\n\xff\n"
    assert spec.tags()[1].value == "caf\udce9"


def test_tab_indented_header_starts_a_section_and_comments_only_in_column_zero():
    spec = Spec.parse(b"Name: x\n\t%build\n# %install\n  # %check\nmake\n")
    assert [(s.name, s.start, s.end) for s in spec.sections] == [("", 0, 1), ("%build", 1, 5)]


def test_sections_packages_and_types():
    data = (
        b"Name: x\n%package devel\nSummary: d\n%package -n other\nSummary: o\n"
        b"%description -n other\nO\n%files devel\n%post -p /bin/sh devel\n"
        b"%triggerin -n lib -- glibc\n%Build\n%changelog\n%patchlist\na.patch\n"
    )
    spec = Spec.parse(data)
    got = [(s.name, s.type, s.package) for s in spec.sections]
    assert got == [
        ("", SectionType.PACKAGE, ""),
        ("%package", SectionType.PACKAGE, "devel"),
        ("%package", SectionType.PACKAGE, "other"),
        ("%description", SectionType.RAW, "other"),
        ("%files", SectionType.FILES, "devel"),
        ("%post", SectionType.SCRIPT, "devel"),
        ("%triggerin", SectionType.SCRIPT, "lib"),
        ("%Build", SectionType.SCRIPT, ""),
        ("%changelog", SectionType.CHANGELOG, ""),
        ("%patchlist", SectionType.SOURCE_LIST, ""),
    ]
    assert [(t.name, t.value, t.section.package) for t in spec.tags()] == [
        ("Name", "x", ""),
        ("Summary", "d", "devel"),
        ("Summary", "o", "other"),
    ]


@pytest.mark.parametrize(
    ("header", "package"),
    [
        ("%package", ""),
        ("%package -q", ""),
        ("%package foo", "foo"),
        ("%package -n foo", "foo"),
        ("%description -l fr foo", "foo"),
        ("%triggerin -- devel", ""),
        ("%triggerin devel -p /bin/sh -- foo", "devel"),
        ("%filetriggerin -P 100 -- /usr/lib", ""),
        ("%files -f list.txt devel", "devel"),
    ],
)
def test_package_from_header(header: str, package: str):
    assert package_from_header(header.split()) == package


def test_tag_needs_a_package_section():
    spec = Spec.parse(b"Name: x\n%description\nNote: not a tag\n%package -n y\nName: z\n")
    assert [(t.name, t.section.package) for t in spec.tags()] == [("Name", ""), ("Name", "y")]


def test_search_replace_turning_a_line_into_a_header_moves_following_lines():
    # azldev re-reads an edited line: a new header starts a section, so the lines after
    # it are no longer in %build and are not edited.
    spec = Spec.parse(b"%build\nmake\n#%check\nmake\n")
    edit.search_replace(
        spec,
        "%build",
        "",
        lambda line: (
            line.replace("#%check", "%check") if "#" in line else line.replace("make", "ninja")
        ),
        "x",
    )
    assert spec.to_bytes() == b"%build\nninja\n%check\nmake\n"


def test_remove_subpackage_keeps_boundary_conditionals():
    spec = Spec.parse(
        b"Name: x\n%if 0%{?with_devel}\n%package devel\nSummary: d\n%endif\n%build\nmake\n"
    )
    edit.remove_subpackage(spec, "devel")
    assert spec.to_bytes() == b"Name: x\n%if 0%{?with_devel}\n%endif\n%build\nmake\n"


def test_remove_section_refuses_unbalanced_conditionals():
    spec = Spec.parse(b"%files devel\n%if 1\n/a\n%files\n/b\n%endif\n")
    with pytest.raises(SpecEditError, match="spans"):
        edit.remove_section(spec, "%files", "devel")


def test_patch_numbers():
    assert edit.patch_number("Patch12") == 12
    assert edit.patch_number("PATCH+3") == 3
    assert edit.patch_number("Patch") is None
    assert edit.patch_number("Patch%{n}") is None
    assert edit.patch_number("Patch\u0661") is None  # only ASCII digits, like Go's Atoi
    assert edit.patch_number("Patch" + "9" * 30) is None  # out of int64 range
