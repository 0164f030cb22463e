"""Build the demo config's git history: a small repository whose last commit is demo/config/.

The files in `demo/config/` are the source of truth; the history is derived from them.
Each commit of HISTORY says which files it writes and how: as they are now (`FINAL`),
as a literal earlier text, as the current text with a few passages reading as they did
then (`earlier(...)`), or deleted (`None`).  Ten commits between January and April 2026
by four fictional authors: bare components first, then each component's
customizations, one commit that changes an existing overlay (chrony's package summary)
and one that removes one (python-requests' network-test workaround).  The tree after
the last commit must equal `demo/config/` exactly; the build refuses otherwise, and
says which files differ.

Fixed dates, authors and committers go through one `git fast-import`, so the commit ids
are the same on every machine and every run.  `manage.py demo` imports the repository
(so every deviation has provenance): a fresh demo database first at REVIEWED, the
commit the demo's colleague reviewed, then at the tip, which turns one approval stale
and removes one deviation.  The demo links its `reviewer` user to REVIEWER's e-mail,
so four eyes keeps them from approving what that author wrote.

    python demo/confighistory.py --out var/demo/config.git   # prints the path and the tip

Only the standard library and the git CLI are needed.
"""

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "config"
BRANCH = "main"
MARK = "azldrift demo config repository"


@dataclass(frozen=True)
class Author:
    name: str
    email: str


MIRA = Author("Mira Castell", "mira.castell@demo.azldrift.invalid")
JONAS = Author("Jonas Weber", "jonas.weber@demo.azldrift.invalid")
PRIYA = Author("Priya Nair", "priya.nair@demo.azldrift.invalid")
TOMAS = Author("Tomás Ortega", "tomas.ortega@demo.azldrift.invalid")
REVIEWER = TOMAS  # the identity the demo links to its `reviewer` user (four eyes)
REVIEWED = "bring-up"  # the commit the demo's colleague reviewed before the last two


class _Final:
    def __repr__(self) -> str:
        return "FINAL"


FINAL = _Final()  # the file as it is in demo/config/


@dataclass(frozen=True)
class Earlier:
    """The current file with some passages as they read then: (now, then) pairs."""

    passages: tuple[tuple[str, str], ...]


def earlier(*passages: tuple[str, str]) -> Earlier:
    return Earlier(tuple(passages))


Content = _Final | Earlier | str | None  # None: the commit deletes the file


@dataclass(frozen=True)
class Commit:
    label: str
    date: str  # ISO 8601 with the author's UTC offset
    author: Author
    subject: str
    files: dict[str, Content]
    body: str = ""

    @property
    def message(self) -> str:
        return f"{self.subject}\n\n{self.body}\n" if self.body else f"{self.subject}\n"


def _bare(name: str) -> str:
    return f"[components.{name}]\n"


def _comp(name: str) -> str:
    return f"base/comps/{name}/{name}.comp.toml"


_WORKAROUND = 'metadata = { category = "azl-temp-workaround", upstream-status = "unknown" }\n'
_BARE = ("bash", "chrony", "curl", "dejavu-fonts", "gnupg2", "jq", "nano", "openssh")
_BARE += ("python-requests", "zstd")

HISTORY: list[Commit] = [
    Commit(
        "initial",
        "2026-01-12T09:14:00+01:00",
        MIRA,
        "feat: demo config with the distros, the project and bare components",
        {
            "README.md": FINAL,
            "azldev.toml": FINAL,
            "distro/distro.toml": FINAL,
            "distro/azurelinux.distro.toml": FINAL,
            "distro/fedora.distro.toml": FINAL,
            "base/project.toml": FINAL,
            "base/comps/components.toml": earlier(
                (
                    'includes = ["**/*.comp.toml", "component-check-disablement.toml"]',
                    'includes = ["**/*.comp.toml"]',
                )
            ),
            **{_comp(name): _bare(name) for name in _BARE},
        },
        body="Every component builds from Fedora 43 as of the snapshot, unchanged;\n"
        "the customizations follow, one component at a time.",
    ),
    Commit(
        "curl",
        "2026-01-20T14:02:00+01:00",
        JONAS,
        "feat(curl): build without brotli; drop the CA bundle recommendation",
        {_comp("curl"): FINAL},
    ),
    Commit(
        "chrony",
        "2026-01-27T10:30:00+05:30",
        PRIYA,
        "feat(chrony): use the Azure time service instead of the Fedora NTP pool",
        {
            _comp("chrony"): earlier(
                (
                    'value = "An NTP client/server, configured for the Azure time service"',
                    'value = "An NTP client/server for Azure VMs"',
                )
            )
        },
    ),
    Commit(
        "openssh",
        "2026-02-03T16:45:00-05:00",
        TOMAS,
        "feat(openssh): Azure Linux login banner and hardened sshd drop-in",
        {
            _comp("openssh"): FINAL,
            "base/comps/openssh/files/50-azurelinux.conf": FINAL,
            "base/comps/openssh/patches/openssh-azl-banner.patch": FINAL,
        },
    ),
    Commit(
        "own-packages",
        "2026-02-10T11:20:00+01:00",
        MIRA,
        "feat: azurelinux-rpm-config and azurelinux-release, Azure Linux's own packages",
        {
            _comp("azurelinux-rpm-config"): FINAL,
            _comp("azurelinux-release"): FINAL,
            "base/comps/azurelinux-release/azurelinux-release.spec": FINAL,
        },
        body="The RPM macros are Fedora's redhat-rpm-config under a new name; the release\n"
        "package has no Fedora counterpart, so its spec lives here.",
    ),
    Commit(
        "gnupg2",
        "2026-02-17T09:05:00-05:00",
        TOMAS,
        "feat(gnupg2): keep the classic keyring instead of keyboxd",
        {_comp("gnupg2"): FINAL},
    ),
    Commit(
        "nano",
        "2026-02-24T13:40:00+05:30",
        PRIYA,
        "feat(nano): backport the resize crash fix; Azure Linux defaults as overlay files",
        {
            _comp("nano"): FINAL,
            "base/comps/nano/overlays/0001-fix-crash-on-resize.overlay.toml": FINAL,
            "base/comps/nano/overlays/0002-azl-defaults.overlay.toml": FINAL,
            "base/comps/nano/overlays/patches/nano-fix-crash-on-resize.patch": FINAL,
        },
    ),
    Commit(
        REVIEWED,
        "2026-03-03T08:55:00+01:00",
        JONAS,
        "build: bring-up exceptions for the first image build",
        {
            "base/comps/components.toml": FINAL,
            "base/comps/component-check-disablement.toml": FINAL,
            _comp("bash"): FINAL,
            _comp("jq"): FINAL,
            _comp("dejavu-fonts"): FINAL,
            _comp("zstd"): FINAL,
            _comp("yara"): FINAL,
            _comp("python-requests"): earlier(
                (
                    f'value = "python3-pytest"\n{_WORKAROUND}',
                    f'value = "python3-pytest"\n{_WORKAROUND}'
                    "\n"
                    "# The build root has no network: leave out the tests that need it.\n"
                    "[[components.python-requests.overlays]]\n"
                    'description = "Skip the tests that need network access"\n'
                    'type = "spec-search-replace"\n'
                    'section = "%check"\n'
                    "regex = '^%pytest -v$'\n"
                    "replacement = '%pytest -v -m \"not network\"'\n"
                    f"{_WORKAROUND}",
                )
            ),
        },
        body="- %check skipped for less and make (a group) and for jq\n"
        "- python-requests is expected to fail until urllib3 2.5 is imported\n"
        "- bash follows Rawhide; jq is pinned to the 1.8.1 security fixes\n"
        "- zstd builds from the re-rolled tarball; dejavu-fonts renders unfiltered",
    ),
    Commit(
        "chrony-summary",
        "2026-03-19T15:10:00+01:00",
        MIRA,
        "fix(chrony): name the Azure time service in the package summary",
        {_comp("chrony"): FINAL},
        body="Not every Azure Linux machine is a VM; the summary now says what changed.",
    ),
    Commit(
        "python-requests-network",
        "2026-04-08T11:25:00+02:00",
        JONAS,
        "fix(python-requests): drop the network-test workaround",
        {_comp("python-requests"): FINAL},
        body="Since 2.32.5 the test suite uses a local mock server, so every test runs\n"
        "in the build root again.",
    ),
]


class HistoryError(ValueError):
    """HISTORY does not lead to demo/config/ (what to fix is in the message)."""


def final_files(config: Path = CONFIG) -> dict[str, bytes]:
    """Every file of the config tree, by POSIX path relative to it."""
    return {
        path.relative_to(config).as_posix(): path.read_bytes()
        for path in sorted(config.rglob("*"))
        if path.is_file()
    }


def _content(commit: Commit, path: str, spec: Content, final: dict[str, bytes]) -> bytes | None:
    if spec is None:
        return None
    if isinstance(spec, str):
        return spec.encode()
    if path not in final:
        raise HistoryError(f"commit {commit.label!r} writes {path}, which is not in demo/config")
    if isinstance(spec, _Final):
        return final[path]
    text = final[path].decode()
    for now, then in spec.passages:
        if text.count(now) != 1:
            raise HistoryError(
                f"commit {commit.label!r}: {path} must contain this passage exactly once "
                f"(found {text.count(now)} times; was the file edited?):\n{now}"
            )
        text = text.replace(now, then)
    return text.encode()


def trees(history: list[Commit] = HISTORY, config: Path = CONFIG) -> list[dict[str, bytes]]:
    """The tree after each commit; the last one is checked against demo/config/."""
    final = final_files(config)
    tree: dict[str, bytes] = {}
    out = []
    for commit in history:
        for path, spec in commit.files.items():
            data = _content(commit, path, spec, final)
            if data is None:
                tree.pop(path, None)
            else:
                tree[path] = data
        out.append(dict(tree))
    if tree != final:
        missing = sorted(final.keys() - tree.keys())
        extra = sorted(tree.keys() - final.keys())
        differ = sorted(p for p in final.keys() & tree.keys() if final[p] != tree[p])
        raise HistoryError(
            "the demo config history does not end at demo/config/: "
            + "; ".join(
                f"{what}: {', '.join(paths)}"
                for what, paths in (
                    ("not written by any commit", missing),
                    ("not in demo/config", extra),
                    ("different in the last commit", differ),
                )
                if paths
            )
            + " (add or change a commit in demo/confighistory.py: HISTORY)"
        )
    return out


def _stamp(commit: Commit) -> bytes:
    when = dt.datetime.fromisoformat(commit.date)
    offset = when.utcoffset() or dt.timedelta()
    minutes = int(offset.total_seconds()) // 60
    zone = f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    who = f"{commit.author.name} <{commit.author.email}>"
    return f"{who} {int(when.timestamp())} {zone}".encode()


def stream(history: list[Commit] = HISTORY, config: Path = CONFIG) -> bytes:
    """The `git fast-import` input: each commit writes the files it changes."""
    out = [b"feature done\n"]
    previous: dict[str, bytes] = {}
    for mark, (commit, tree) in enumerate(
        zip(history, trees(history, config), strict=True), start=1
    ):
        stamp, message = _stamp(commit), commit.message.encode()
        out.append(b"commit refs/heads/%s\nmark :%d\n" % (BRANCH.encode(), mark))
        out.append(b"author %s\ncommitter %s\n" % (stamp, stamp))
        out.append(b"data %d\n%s" % (len(message), message))
        if mark > 1:
            out.append(b"from :%d\n" % (mark - 1))
        for path in sorted(previous.keys() - tree.keys()):
            out.append(b"D %s\n" % path.encode())
        for path in sorted(tree):
            if previous.get(path) != tree[path]:
                data = tree[path]
                out.append(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data))
        out.append(b"\n")
        previous = tree
    out.append(b"done\n")
    return b"".join(out)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"})
    return env


def _git(git_dir: Path, *args: str, data: bytes | None = None) -> str:
    done = subprocess.run(
        ["git", f"--git-dir={git_dir}", *args],
        input=data,
        capture_output=True,
        check=True,
        env=_env(),
    )
    return done.stdout.decode()


def _tip(git_dir: Path) -> str:
    try:
        return _git(git_dir, "rev-parse", "--verify", "--quiet", f"refs/heads/{BRANCH}").strip()
    except subprocess.CalledProcessError:
        return ""


def build(out: str | os.PathLike[str], config: Path = CONFIG) -> dict:
    """Build the bare repository at `out`; returns its manifest.

    An existing repository at `out` with the same tip is left as it is (a running
    server may be reading it); otherwise it is replaced.
    """
    target = Path(out).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        repo = tmp / "repo.git"
        subprocess.run(
            ["git", "-c", "init.templateDir=", "init", "--quiet", "--bare", str(repo)],
            check=True,
            env=_env(),
        )
        (repo / "HEAD").write_text(f"ref: refs/heads/{BRANCH}\n")
        (repo / "description").write_text(f"{MARK}\n")
        marks = tmp / "marks"
        _git(repo, "fast-import", "--quiet", f"--export-marks={marks}", data=stream(config=config))
        shas = dict(line.split() for line in marks.read_text().splitlines())
        tip = shas[f":{len(HISTORY)}"]
        if _tip(target) != tip:
            shutil.rmtree(target, ignore_errors=True)
            repo.rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    commits = {c.label: shas[f":{n}"] for n, c in enumerate(HISTORY, start=1)}
    return {
        "path": str(target),
        "branch": BRANCH,
        "head": tip,
        "commits": commits,
        "reviewed": commits[REVIEWED],
        "reviewer": {"name": REVIEWER.name, "email": REVIEWER.email},
        "authors": sorted({c.author.email for c in HISTORY}),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="path of the bare repository to write")
    args = parser.parse_args(argv)
    manifest = build(args.out)
    print(manifest["path"], manifest["head"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
