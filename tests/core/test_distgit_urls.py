"""Which URLs and names the dist-git layer hands to git, and the walls behind that."""

from pathlib import Path

import pytest

from deviations.core.distgit import (
    DistGitError,
    ErrorKind,
    MirrorCache,
    check_branch_name,
    check_commit_id,
    check_package_name,
    check_url,
    expand_base_uri,
)
from deviations.core.distgit.gitcmd import GitCommandError, run_git
from tests.factories import UpstreamRepo, spec_text

ALLOWED = [
    "https://src.fedoraproject.org/rpms/bash.git",
    "https://src.fedoraproject.org:443/rpms/bash.git",
    "ssh://git@pkgs.fedoraproject.org/rpms/bash.git",
    "git://azl.src.kojiaks.internal/rpms/bash.git",
    "file:///srv/distgit/bash.git",
    "file://localhost/srv/distgit/bash.git",
]

REFUSED = [
    ("http://src.fedoraproject.org/rpms/bash.git", "scheme 'http'"),
    ("ext::sh -c touch% /tmp/pwned", "whitespace"),
    ("ext::sh%20-c%20id", "remote-helper"),
    ("fd::17", "remote-helper"),
    ("fd::0,1/bash", "remote-helper"),
    ("--upload-pack=touch /tmp/pwned", "starts with '-'"),
    ("-uupload", "starts with '-'"),
    ("git@pkgs.fedoraproject.org:rpms/bash.git", "scp-style"),
    ("/srv/distgit/bash.git", "not a URL"),
    ("ftp://mirror.example/bash.git", "scheme 'ftp'"),
    ("file://otherhost/srv/bash.git", "must not name a host"),
    ("file://relative/bash.git", "must not name a host"),
    ("file:///", "absolute path"),
    ("https://-oProxyCommand=evil/x.git", "host"),
    ("ssh://-oProxyCommand=touch%20x/x.git", "host"),
    ("https://example.org/a/../../etc.git", "'..'"),
    ("https://example.org/x.git?upload-pack=evil", "query"),
    ("https://user:secret@example.org/x.git", "passwords"),
    ("https://example.org/x\n.git", "control"),
    ("", "empty"),
]


@pytest.mark.parametrize("url", ALLOWED)
def test_allowed_urls(url):
    assert check_url(url) == url


@pytest.mark.parametrize(("url", "why"), REFUSED)
def test_refused_urls_name_the_reason(url, why):
    with pytest.raises(DistGitError) as caught:
        check_url(url)
    assert caught.value.kind == ErrorKind.UNSAFE_URL
    assert why in str(caught.value)


@pytest.mark.parametrize(
    "name", ["bash", "libsigc++20", "python3.12", "perl-Foo_Bar", "R-base", "0ad", "_x"]
)
def test_safe_package_names(name):
    assert check_package_name(name) == name
    assert expand_base_uri("https://src.fedoraproject.org/rpms/$pkg.git", name).endswith(
        f"/rpms/{name}.git"
    )


@pytest.mark.parametrize(
    "name", ["../etc", "a/b", "-rf", ".hidden", "a..b", "a b", "", "x\n", "$(id)", "a;b"]
)
def test_unsafe_package_names_are_refused(name):
    with pytest.raises(DistGitError) as caught:
        expand_base_uri("https://src.fedoraproject.org/rpms/$pkg.git", name)
    assert caught.value.kind == ErrorKind.BAD_NAME


def test_template_needs_pkg_and_is_checked_after_substitution():
    with pytest.raises(DistGitError, match="no \\$pkg"):
        expand_base_uri("https://src.fedoraproject.org/rpms/bash.git", "bash")
    with pytest.raises(DistGitError, match="scheme 'http'"):
        expand_base_uri("http://src.fedoraproject.org/rpms/$pkg.git", "bash")
    assert expand_base_uri("file:///srv/${pkg}.git", "zlib") == "file:///srv/zlib.git"


@pytest.mark.parametrize("branch", ["f43", "rawhide", "epel10.1", "private/foo-bar"])
def test_safe_branches(branch):
    assert check_branch_name(branch) == branch


@pytest.mark.parametrize(
    "branch", ["-f", "a..b", "a b", "a/", "a.lock", "x~1", "x^", "a:b", "@{-1}", "", "a//b", ".x"]
)
def test_unsafe_branches(branch):
    with pytest.raises(DistGitError):
        check_branch_name(branch)


def test_commit_ids():
    assert check_commit_id("ABCDEF12") == "abcdef12"
    for bad in ("abc", "xyz12345", "a" * 41, "HEAD", "--all", "abcd\n"):
        with pytest.raises(DistGitError):
            check_commit_id(bad)


def test_git_itself_refuses_ext_and_fd_even_if_asked_directly(tmp_path):
    """The second wall: GIT_ALLOW_PROTOCOL in every git process we start."""
    marker = tmp_path / "pwned"
    for url in (f"ext::sh -c touch% {marker}", "fd::5"):
        with pytest.raises(GitCommandError) as caught:
            run_git(["ls-remote", "--", url])
        assert "not allowed" in caught.value.stderr or "transport" in caught.value.stderr
    assert not marker.exists()


def test_http_transport_is_refused_by_git_too():
    with pytest.raises(GitCommandError) as caught:
        run_git(["ls-remote", "--", "http://127.0.0.1:9/x.git"])
    assert "not allowed" in caught.value.stderr


def test_cache_refuses_option_injection_and_makes_no_folder(tmp_path):
    cache = MirrorCache(tmp_path / "cache")
    marker = tmp_path / "pwned"
    for url in (f"--upload-pack=touch {marker}", f"ext::sh -c touch% {marker}"):
        with pytest.raises(DistGitError) as caught:
            cache.update(url)
        assert caught.value.kind == ErrorKind.UNSAFE_URL
    assert not marker.exists()
    assert not (tmp_path / "cache").exists()


def test_repository_path_starting_with_dash_is_data_not_an_option(tmp_path):
    """A file URL whose last segment looks like an option is still just a path."""
    repo = UpstreamRepo(tmp_path, "-uevil")
    repo.commit("f43", {"-uevil.spec": spec_text("x")}, "import", "2026-01-01T00:00:00Z")
    cache = MirrorCache(tmp_path / "cache")
    mirror = cache.update(repo.url)
    assert Path(mirror.path).is_dir()
    assert cache.remote_tip(repo.url, "f43") == repo.tip("f43")
