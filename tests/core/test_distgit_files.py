"""Spec and sidecar files read from git objects; Name/Version/Release read from spec text."""

import pytest

from deviations.core.distgit import (
    DistGitError,
    ErrorKind,
    MirrorCache,
    ObjectReader,
    read_files,
    read_nvr,
    read_spec,
)
from deviations.core.distgit import files as files_module
from tests.factories import UpstreamRepo, bare_git, spec_text


def mirror(tmp_path, repo):
    return MirrorCache(tmp_path / "cache").update(repo.url).path


def test_spec_and_every_sidecar_from_git_objects(tmp_path):
    repo = UpstreamRepo(tmp_path / "up", "chrony")
    files = {
        "chrony.spec": spec_text("chrony"),
        "chrony.conf": "pool 2.fedora.pool.ntp.org iburst\n",
        "sources": "SHA512 (chrony-4.6.tar.gz) = abc\n",
        "tests/smoke/runtest.sh": "#!/bin/sh\nexit 0\n",
        "binary.bin": b"\x00\xff\xfe\n",
    }
    sha = repo.commit("f43", files, "import", "2026-01-01T00:00:00Z")
    with ObjectReader(mirror(tmp_path, repo)) as reader:
        everything = read_files(reader, sha, "chrony")
        only_spec = read_spec(reader, sha, "chrony")
    expected = {k: v.encode() if isinstance(v, str) else v for k, v in files.items()}
    assert everything.files == expected
    assert everything.spec_path == "chrony.spec"
    assert only_spec.files == {"chrony.spec": expected["chrony.spec"]}
    # No checkout anywhere: the mirror is bare and has neither index nor worktree.
    path = mirror(tmp_path, repo)
    assert bare_git(path, "rev-parse", "--is-bare-repository").strip() == "true"
    assert not (tmp_path / "cache" / path / "index").exists()


def test_modes_and_symlinks_come_along(tmp_path):
    repo = UpstreamRepo(tmp_path / "up", "tools")
    sha = repo.commit(
        "f43",
        {
            "tools.spec": spec_text("tools"),
            "run.sh": ("100755", "#!/bin/sh\n"),
            "current.patch": ("120000", "fix-1.patch"),
            "escape": ("120000", "../../etc/passwd"),
            "fix-1.patch": "--- a\n+++ b\n",
        },
        "x",
        "2026-01-01T00:00:00Z",
    )
    with ObjectReader(mirror(tmp_path, repo)) as reader:
        found = read_files(reader, sha, "tools")
    assert found.modes == {"run.sh": 0o755}
    # Symlinks are data (their target text); the engine decides what may be followed.
    assert found.links == {"current.patch": "fix-1.patch", "escape": "../../etc/passwd"}
    assert set(found.files) == {"tools.spec", "run.sh", "fix-1.patch"}


def test_spec_missing_is_a_clear_error(tmp_path):
    repo = UpstreamRepo(tmp_path / "up", "nospec")
    sha = repo.commit("f43", {"README": "retired\n"}, "retire", "2026-01-01T00:00:00Z")
    with ObjectReader(mirror(tmp_path, repo)) as reader, pytest.raises(DistGitError) as caught:
        read_spec(reader, sha, "nospec")
    assert caught.value.kind == ErrorKind.SPEC_MISSING
    assert "nospec.spec" in str(caught.value)


def test_spec_named_after_the_package_wins(tmp_path):
    repo = UpstreamRepo(tmp_path / "up", "two")
    sha = repo.commit(
        "f43",
        {"two.spec": spec_text("two"), "other.spec": spec_text("other")},
        "x",
        "2026-01-01T00:00:00Z",
    )
    lone = UpstreamRepo(tmp_path / "up", "renamed")
    lone_sha = lone.commit("f43", {"legacy.spec": spec_text("legacy")}, "x", "2026-01-01T00:00:00Z")
    with ObjectReader(mirror(tmp_path, repo)) as reader:
        assert read_spec(reader, sha, "two").spec_path == "two.spec"
        with pytest.raises(DistGitError, match="several other specs"):
            read_spec(reader, sha, "three")
    with ObjectReader(mirror(tmp_path, lone)) as reader:
        assert read_spec(reader, lone_sha, "renamed").spec_path == "legacy.spec"


def test_huge_spec(tmp_path, monkeypatch):
    """A 6 MB spec is read and its version found; beyond the limit it is refused."""
    padding = "".join(f"# filler line {i} {'x' * 60}\n" for i in range(80_000))
    text = spec_text("huge", "3.2.1", body=padding)
    assert len(text) > 6_000_000
    repo = UpstreamRepo(tmp_path / "up", "huge")
    sha = repo.commit("f43", {"huge.spec": text, "small": "ok\n"}, "x", "2026-01-01T00:00:00Z")
    with ObjectReader(mirror(tmp_path, repo)) as reader:
        spec = read_spec(reader, sha, "huge")
        assert len(spec.spec) == len(text)
        assert read_nvr(spec.spec.decode()).version == "3.2.1"
        monkeypatch.setattr(files_module, "SPEC_MAX_BYTES", 1_000_000)
        with pytest.raises(DistGitError) as caught:
            read_files(reader, sha, "huge")
        assert caught.value.kind == ErrorKind.SPEC_TOO_LARGE
        # The pipe stays usable after a refused object.
        assert reader.blob(bare_git(repo.path, "rev-parse", f"{sha}:small").strip()) == b"ok\n"


# --- Name / Version / Release from spec text --------------------------------------


def test_simple_macros_are_resolved():
    nvr = read_nvr(
        "%global majmin 2.4\n%define patchlevel 7\n%global rel 3\n"
        "Name: foo\nEpoch: 1\nVersion: %{majmin}.%patchlevel\nRelease: %{rel}%{?dist}\n"
    )
    assert (nvr.name, nvr.epoch, nvr.version, nvr.release) == ("foo", "1", "2.4.7", "3")
    assert (nvr.version_raw, nvr.release_raw) == ("%{majmin}.%patchlevel", "%{rel}%{?dist}")
    assert nvr.resolved


def test_conditionals_and_builtins():
    nvr = read_nvr(
        "%global pre rc1\nName: bar\nVersion: 1.0%{?pre:~%{pre}}\n"
        "Release: %{!?snap:1}%{?snap:0.%{snap}}%{?dist}\nSource0: %{name}-%{version}.tar.gz\n"
    )
    assert (nvr.version, nvr.release) == ("1.0~rc1", "1")


def test_anything_else_is_shown_as_written_never_run():
    nvr = read_nvr(
        "Name: k\nVersion: %(echo 6.18)\nRelease: %{lua: print(1)}%{?dist}\n"
        "%global self %{self}x\nEpoch: %{self}\n"
    )
    assert nvr.version == "%(echo 6.18)"
    assert nvr.release == "%{lua: print(1)}"
    assert "%{self}" in (nvr.epoch or "")  # a self-reference stops, it does not loop
    assert not nvr.resolved


def test_exponential_macros_stay_bounded():
    text = "".join(f"%global m{i} %{{m{i + 1}}}%{{m{i + 1}}}\n" for i in range(30))
    nvr = read_nvr(text + "Name: b\nVersion: %{m0}\nRelease: 1\n")
    assert len(nvr.version or "") <= 4096


def test_rpmautospec_release_number():
    head = "## START: Set by rpmautospec\n%define autorelease(e:s:pb:n) %{?-p:0.}%{lua:\n"
    body = (
        "    release_number = 7;\n"
        '    base_release_number = tonumber(rpm.expand("%{?-b*}%{!?-b:1}"));\n}\n## END\n'
    )
    nvr = read_nvr(head + body + "Name: a\nVersion: 1\nRelease: %autorelease\n")
    assert nvr.release == "7"
    nvr = read_nvr(head + body + "Name: a\nVersion: 1\nRelease: %autorelease -b 3\n")
    assert nvr.release == "9"
    # A plain Fedora spec (not expanded by rpmautospec) keeps the macro as written.
    assert read_nvr("Name: a\nVersion: 1\nRelease: %autorelease\n").release == "%autorelease"
