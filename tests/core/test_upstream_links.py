"""Upstream references: found in metadata and text, recognised, canonical, once each."""

import pytest

from deviations.core.upstream.links import LinkKind, Service, Source, in_text, recognise, references


@pytest.mark.parametrize(
    ("url", "service", "kind", "canonical", "project", "number", "sha"),
    [
        (
            "https://bugzilla.redhat.com/show_bug.cgi?id=2400123",
            Service.BUGZILLA,
            LinkKind.BUG,
            "https://bugzilla.redhat.com/show_bug.cgi?id=2400123",
            "",
            2400123,
            "",
        ),
        (
            "http://bugzilla.redhat.com/2400123",
            Service.BUGZILLA,
            LinkKind.BUG,
            "https://bugzilla.redhat.com/show_bug.cgi?id=2400123",
            "",
            2400123,
            "",
        ),
        (
            "https://src.fedoraproject.org/rpms/python3.14/pull-request/76",
            Service.PAGURE,
            LinkKind.PULL_REQUEST,
            "https://src.fedoraproject.org/rpms/python3.14/pull-request/76",
            "rpms/python3.14",
            76,
            "",
        ),
        (
            "https://src.fedoraproject.org/rpms/golang/c/E0FAAABDB215?branch=f43",
            Service.PAGURE,
            LinkKind.COMMIT,
            "https://src.fedoraproject.org/rpms/golang/c/e0faaabdb215",
            "rpms/golang",
            None,
            "e0faaabdb215",
        ),
        (
            "https://github.com/SSSD/sssd/pull/8397/files",
            Service.GITHUB,
            LinkKind.PULL_REQUEST,
            "https://github.com/SSSD/sssd/pull/8397",
            "SSSD/sssd",
            8397,
            "",
        ),
        (
            "https://github.com/golang/go/issues/77504#issuecomment-1",
            Service.GITHUB,
            LinkKind.ISSUE,
            "https://github.com/golang/go/issues/77504",
            "golang/go",
            77504,
            "",
        ),
        (
            "https://github.com/openstack/cliff/commit/391261c849c994ca2d3f42926497e633047ed8c7",
            Service.GITHUB,
            LinkKind.COMMIT,
            "https://github.com/openstack/cliff/commit/391261c849c994ca2d3f42926497e633047ed8c7",
            "openstack/cliff",
            None,
            "391261c849c994ca2d3f42926497e633047ed8c7",
        ),
        (
            "https://gitlab.com/group/sub/project/-/merge_requests/12",
            Service.GITLAB,
            LinkKind.MERGE_REQUEST,
            "https://gitlab.com/group/sub/project/-/merge_requests/12",
            "group/sub/project",
            12,
            "",
        ),
        (
            "https://gitlab.gnome.org/GNOME/glib/-/commit/abcdef1234",
            Service.GITLAB,
            LinkKind.COMMIT,
            "https://gitlab.gnome.org/GNOME/glib/-/commit/abcdef1234",
            "GNOME/glib",
            None,
            "abcdef1234",
        ),
    ],
)
def test_recognised(url, service, kind, canonical, project, number, sha):
    link = recognise(url)
    assert (link.service, link.kind, link.url) == (service, kind, canonical)
    assert (link.project, link.number, link.sha) == (project, number, sha)
    assert link.checked


@pytest.mark.parametrize(
    "url",
    [
        "https://src.fedoraproject.org/rpms/firefox/blob/f43/f/firefox.spec",
        "https://github.com/microsoft/azurelinux",
        "https://bugzilla.redhat.com/show_bug.cgi?id=abc",
        "https://www.apache.org/licenses/LICENSE-2.0",
        "https://github.com:8443/o/r/pull/1",
        "not a url",
    ],
)
def test_plain_links_are_kept_not_checked(url):
    link = recognise(url)
    assert link.kind == LinkKind.LINK
    assert not link.checked
    assert link.url == url


def test_text_urls_rhbz_and_trailing_punctuation():
    text = (
        "# Upstream PR: https://github.com/SSSD/sssd/pull/8397.\n"
        "Fix (see https://src.fedoraproject.org/rpms/atlas/c/f253f3a2d6c1) (rhbz#2433875), "
        "also RHBZ #12."
    )
    assert in_text(text) == [
        (
            "https://github.com/SSSD/sssd/pull/8397",
            "# Upstream PR: https://github.com/SSSD/sssd/pull/8397.",
        ),
        ("https://src.fedoraproject.org/rpms/atlas/c/f253f3a2d6c1", text.splitlines()[1]),
        ("https://bugzilla.redhat.com/show_bug.cgi?id=2433875", text.splitlines()[1]),
        ("https://bugzilla.redhat.com/show_bug.cgi?id=12", text.splitlines()[1]),
    ]


def test_references_in_order_each_once():
    found = references(
        metadata={
            "category": "upstream-backport",
            "commits": [{"url": "https://src.fedoraproject.org/rpms/zstd/c/0cf33832a1f5"}],
            "bugs": [{"url": "https://bugzilla.redhat.com/show_bug.cgi?id=2400123"}, "junk"],
        },
        description="Same bug: rhbz#2400123",
        comment="# Ref: https://example.org/notes\n# again https://example.org/notes",
        reason="",
    )
    assert [(r.link.url, r.source) for r in found] == [
        ("https://src.fedoraproject.org/rpms/zstd/c/0cf33832a1f5", Source.COMMITS),
        ("https://bugzilla.redhat.com/show_bug.cgi?id=2400123", Source.BUGS),
        ("junk", Source.BUGS),
        ("https://example.org/notes", Source.COMMENT),
    ]
    assert found[3].context == "# Ref: https://example.org/notes"
