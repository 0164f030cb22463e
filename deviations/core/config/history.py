"""Provenance from git: the commit that introduced each deviation and the last that changed it.

The config is read straight from git objects (no checkout).  `walk()` replays the
first-parent history of a revision, oldest first, and recomputes the deviations of
every commit that touched the config, matching them to the previous commit's with the
same rules the importer uses (identity.py).  A deviation's `introduced` commit is the
one that brought in its current run; `changed` the last one where its content or its
justification (description, metadata, comment, reason) changed.  A deviation that
leaves the config and later comes back (matched by its key, as the importer matches
it) starts a new run where it came back: its earlier runs are kept as `Life` records
(introduced, last changed, removed by), so "present from A to B, removed by C, back in
D" stays visible and D's author, not A's, is the one who brought it in now.

It stays fast because nothing is done twice:

- one `git log --raw` lists every commit's changed paths with their blob ids, so the
  tree of each commit is kept up to date incrementally;
- commits that change no TOML file and no file the config reads are skipped;
- files are parsed, validated and hashed once per blob id (a cache that only keeps
  the blobs of the current tree, so memory stays at about one tree);
- a component's deviations are reused while the blobs they depend on (its own file,
  its groups' files, the distro and project files, the files it references) are
  unchanged.

History follows the first parent: a change merged from a side branch is attributed
to the merge commit.  A commit whose config does not load is skipped (its state is
the previous commit's); only the target commit must be valid, and its problems are
reported in full.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from deviations.vocabulary import CommitRead, DeviationKind

from ..distgit.gitcmd import run_git
from ..distgit.reader import MODE_GITLINK, MODE_SYMLINK, ObjectReader, TooLarge
from ..text import escape_controls
from .errors import ConfigError, ConfigIssue
from .extract import Deviation, Extractor, FileHashes
from .identity import Known, assign_keys
from .loader import LoadedFiles, ParseCache, load_files
from .project import Config, config_reader, load_config
from .renames import Vocabulary, vocabulary_at
from .resolve import ResolvedComponent, Resolver
from .source import FileTooLarge, Limits, SourceError, TreeSource

_BASE_SECTIONS = ("distros", "project", "default-component-config")
# How the replay read a commit (ReplayedCommit.read).
READ_LOADED, READ_SKIPPED, READ_INVALID = CommitRead.LOADED, CommitRead.SKIPPED, CommitRead.INVALID
_NONE: list[
    Deviation
] = []  # "no deviations" for a component that left the config (one shared object)


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    author_name: str
    author_email: str
    authored_at: dt.datetime
    committed_at: dt.datetime
    subject: str
    # The message after the subject (read from the object; not part of a checkpoint).
    body: str = field(default="", compare=False)


@dataclass(frozen=True)
class Step:
    """A deviation entering, changing or leaving the config at one commit of the replay."""

    position: int  # the commit's index on the first-parent line (0: the root commit)
    component: str
    key: str  # the key the replay gives it (tracked across the whole history)
    deviation: Deviation | None  # as it reads from this commit on; None: it left here
    introduced: CommitInfo | None = None  # its provenance from this commit on
    changed: CommitInfo | None = None


@dataclass
class ReplayedCommit:
    position: int
    info: CommitInfo
    paths: list[str]  # the files it changed
    # LOADED; SKIPPED (no config file changed) or INVALID (its config did not load):
    # then its state is the last loaded one's.
    read: CommitRead


@dataclass
class Timeline:
    """What a replay saw, commit by commit: the record through time (see `walk`).

    After a resume from a checkpoint at `resumed_at` (a position; -1 for a full walk)
    only what came after it is here.  `components` holds, per loaded commit, the
    component names that entered and left; the first loaded commit after the start
    lists every component (`first_full`), since the replay did not know the set before.
    """

    resumed_at: int = -1
    commits: list[ReplayedCommit] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    components: list[tuple[int, set[str], set[str]]] = field(default_factory=list)
    first_full: bool = True


@dataclass(frozen=True)
class Life:
    """An earlier run of a deviation in the config, which ended when it was removed."""

    introduced: CommitInfo
    changed: CommitInfo  # the last commit that changed it during that run
    removed: CommitInfo  # the commit where it left the config


@dataclass(frozen=True)
class Provenance:
    """Where the current run of a deviation comes from, and its earlier runs (oldest first)."""

    introduced: CommitInfo
    changed: CommitInfo
    earlier: tuple[Life, ...] = ()


@dataclass
class History:
    """The config at a commit, and the provenance of each of its deviations."""

    config: Config
    commit: CommitInfo
    # Aligned with config.deviations[name]: the provenance of each deviation, and the
    # key the replay tracked it by (Timeline steps name it so).
    provenance: dict[str, list[Provenance]]
    keys: dict[str, list[str]]
    stats: WalkStats


class WalkStats(TypedDict):
    """What a walk did (recorded with the import run)."""

    commits: int
    commits_loaded: int
    commits_invalid: int
    blobs_read: int
    resumed_from: str  # the checkpoint's commit, "" for a full walk
    seconds: float


@dataclass
class _Tracked:
    key: str
    deviation: Deviation
    ordinal: int
    introduced: CommitInfo
    changed: CommitInfo
    removed: bool = False
    removed_by: CommitInfo | None = None  # while removed: the commit that removed it
    lives: list[Life] = field(default_factory=list)  # earlier runs, oldest first


@dataclass
class _ComponentState:
    deviations: list[Deviation]  # as last computed (identity used to skip unchanged)
    tracked: list[_Tracked]


@dataclass
class _Memo:
    deviations: list[Deviation]
    sources: tuple[_FileId, ...]  # files read, with the blob ids seen
    names_upstream: bool = False


_FileId = tuple[str, str | None]  # a file's path and blob id
_GroupKey = tuple[str, str, str | None]  # a group's name and the file declaring it
# What a component's deviations depend on: its name, the file declaring it (when it has
# settings of its own), its groups and the files with the base sections.
_MemoKey = tuple[str, _FileId | None, tuple[_GroupKey, ...], tuple[_FileId, ...]]


Change = tuple[str, str, str]  # (path, new mode, new blob id)


def _parse_changes(data: bytes) -> list[tuple[str, list[Change]]]:
    """`git log --raw -z --format=%H` -> [(commit id, [(path, new mode, new blob)])].

    The output is NUL-separated: each commit's id, then for each changed file its
    `:old-mode new-mode old-blob new-blob status` field followed by its path.  A path
    always follows such a field, so no path (whatever it holds) is taken for a commit.
    """
    out: list[tuple[str, list[Change]]] = []
    fields = data.split(b"\0")
    i = 0
    while i < len(fields):
        field = fields[i].lstrip(b"\n")
        i += 1
        if field.startswith(b":"):
            parts = field[1:].split()
            path = fields[i].decode("utf-8", "surrogateescape")
            out[-1][1].append((path, parts[1].decode(), parts[3].decode()))
            i += 1
        elif field:
            out.append((field.decode(), []))
    return out


def _person(line: bytes, encoding: str) -> tuple[str, str, dt.datetime]:
    """A commit's `author`/`committer` value: name, e-mail and time, as git splits it."""
    begin = line.find(b"<")
    end = line.find(b">", begin + 1)
    if begin < 0 or end < 0:
        raise ValueError(f"malformed identity {line!r}")
    name = line[:begin].strip()
    email = line[begin + 1 : end]
    stamp, _, zone = line[line.rfind(b">") + 1 :].strip().partition(b" ")
    sign = -1 if zone.startswith(b"-") else 1
    digits = zone.lstrip(b"+-").rjust(4, b"0")
    offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4]))
    when = dt.datetime.fromtimestamp(int(stamp), dt.timezone(sign * offset))
    return _text(name, encoding), _text(email, encoding), when


def _text(raw: bytes, encoding: str, *, keep_lines: bool = False) -> str:
    """Commit text as a person reads it: decoded, control characters escaped (line
    breaks kept in a message body)."""
    try:
        decoded = raw.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        decoded = raw.decode("utf-8", "replace")
    if keep_lines:
        return "\n".join(escape_controls(line) for line in decoded.split("\n"))
    return escape_controls(decoded)


def parse_commit_info(sha: str, data: bytes) -> CommitInfo:
    """A raw commit object's author, dates and subject (what `git log` shows as %an,
    %ae, %aI, %cI and %s), read from the object itself: its fields are delimited by
    the object's own structure, so nothing an author writes can shift them."""
    header, _, message = data.partition(b"\n\n")
    fields: dict[bytes, bytes] = {}
    for line in header.split(b"\n"):
        key, _, value = line.partition(b" ")
        if key and not line.startswith(b" "):  # continuation lines (signatures) skipped
            fields.setdefault(key, value)
    encoding = fields.get(b"encoding", b"utf-8").decode("ascii", "replace")
    name, email, authored = _person(fields[b"author"], encoding)
    _, _, committed = _person(fields[b"committer"], encoding)
    # git's subject: the first paragraph (after blank lines), lines joined by a space.
    lines = message.split(b"\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    subject: list[bytes] = []
    for line in lines:
        if not line.strip():
            break
        subject.append(line.rstrip())
    body = b"\n".join(lines[len(subject) :]).strip()
    return CommitInfo(
        sha,
        name,
        email,
        authored,
        committed,
        _text(b" ".join(subject), encoding),
        _text(body, encoding, keep_lines=True),
    )


def commit_log(git_dir: str, rev: str) -> list[tuple[CommitInfo, list[Change]]]:
    """The first-parent history of `rev`, oldest first, with each commit's changed files.

    `git log` gives the ids and changed files, NUL-delimited; each commit's author,
    dates and subject come from the commit object (`cat-file --batch`), never from a
    formatted line that an author's name or subject could break.
    """
    result = run_git(
        [
            "log",
            "--first-parent",
            "--reverse",
            "--raw",
            "--root",
            "--no-renames",
            "--no-abbrev",
            "--diff-merges=first-parent",
            "-z",
            "--format=%H",
            rev,
            "--",
        ],
        git_dir=git_dir,
    )
    changes = _parse_changes(result.stdout)
    out = []
    with ObjectReader(git_dir) as reader:
        for sha, changed in changes:
            raw = reader.raw(sha, "commit")
            if raw is None:
                raise ConfigError([ConfigIssue("", f"commit {sha} cannot be read")])
            out.append((parse_commit_info(sha, raw), changed))
    return out


def resolve_commit(git_dir: str, rev: str) -> str:
    if rev.startswith("-") or "\n" in rev:
        raise ConfigError([ConfigIssue("", f"{rev!r} is not a valid revision")])
    with ObjectReader(git_dir) as reader:
        commit = reader.commit(rev)
    if commit is None:
        raise ConfigError([ConfigIssue("", f"revision {rev!r} is not in the repository")])
    return commit.sha


class _Walker:
    def __init__(self, reader: ObjectReader, limits: Limits) -> None:
        self.reader = reader
        self.limits = limits
        self.cache = ParseCache()
        self.hashes: FileHashes = {}
        self.memo: dict[_MemoKey, _Memo] = {}
        self.blobs_read = 0

    def fetch(self, path: str, blob: str, limit: int) -> bytes:
        try:
            data = self.reader.blob(blob, max_size=limit)
        except TooLarge as exc:
            raise FileTooLarge(path, exc.size, limit) from None
        except Exception as exc:  # noqa: BLE001 - reported as the file's problem
            raise SourceError(f"{path}: {exc}") from None
        self.blobs_read += 1
        return data

    def source(self, entries: dict[str, str], label: str) -> TreeSource:
        return TreeSource(entries, self.fetch, label)

    def forget_other_blobs(self, entries: dict[str, str]) -> None:
        """Keep caches at about one tree: drop what the current tree does not have."""
        _drop_other_blobs(self.cache.files, entries)
        _drop_other_blobs(self.cache.checked, entries)
        _drop_other_blobs(self.hashes, entries)

    def deviations(
        self, entries: dict[str, str], label: str, vocabulary: Vocabulary
    ) -> dict[str, list[Deviation]] | None:
        """Every component's deviations at a tree; None when the config there does not load."""
        source = self.source(entries, label)
        # Old commits are read as the azldev of their time would: unknown fields, rules
        # added since (per-component snapshots) and names renamed since (`vocabulary`,
        # mapped to today's) are tolerated.
        loaded = load_files(
            source,
            limits=self.limits,
            cache=self.cache,
            permissive=True,
            lenient=True,
            vocabulary=vocabulary,
        )
        if loaded.issues:
            return None
        resolver = Resolver(
            loaded, limits=self.limits, cache=self.cache, permissive=True, vocabulary=vocabulary
        )
        if resolver.issues:
            return None
        extractor = Extractor(resolver, config_reader(source, self.limits), self.hashes)
        base = tuple(
            (f.path, f.identity) for f in loaded.files if any(s in f.data for s in _BASE_SECTIONS)
        )
        group_keys: dict[str, _GroupKey] = {}
        memo: dict[_MemoKey, _Memo] = {}
        out: dict[str, list[Deviation]] = {}
        by_component = loaded.groups_by_component
        plain: list[Deviation] | None = None  # what a bare component without groups has
        for name, declared in loaded.components.items():
            groups = by_component.get(name)
            if plain is not None and not groups and not declared.raw:
                out[name] = plain
                continue
            group_key: tuple[_GroupKey, ...] = ()
            if groups:
                group_key = tuple(
                    group_keys.get(g) or group_keys.setdefault(g, _group_key(loaded, g))
                    for g in sorted(groups)
                )
            own = (declared.file.path, declared.file.identity) if declared.raw else None
            key = (name, own, group_key, base)
            found = self.memo.get(key)
            if found is not None and all(entries.get(p) == b for p, b in found.sources):
                memo[key] = found
                out[name] = found.deviations
                if not groups and not declared.raw and plain is None:
                    plain = found.deviations if not found.names_upstream else None
                continue
            resolved = resolver.resolve(name)
            if resolved is None:
                return None
            before = len(extractor.touched)
            devs = extractor.extract(resolved)
            if extractor.issues:
                return None
            touched = extractor.touched[before:]
            if (resolved.effective.config.get("overlay-files") or []) == []:
                sources = [(p, entries.get(p)) for p in touched]
                sources += [(i.file.path, i.file.identity) for i in resolved.overlays]
                memo[key] = _Memo(devs, tuple(sources), _names_upstream(resolved))
            out[name] = devs
            if not groups and not declared.raw and not _names_upstream(resolved):
                plain = devs
        self.memo = memo
        return out


def _drop_other_blobs[K: tuple[str, str | None, *tuple[object, ...]], V](
    cache: dict[K, V], entries: dict[str, str]
) -> None:
    """Drop a cache's entries keyed (path, blob, ...) for a blob the tree does not have."""
    for key in [key for key in cache if entries.get(key[0]) != key[1]]:
        del cache[key]


def _names_upstream(resolved: ResolvedComponent) -> bool:
    """Whether the inherited config names the upstream package (then it is per component)."""
    return bool((resolved.effective.config.get("spec") or {}).get("upstream-name"))


def _group_key(loaded: LoadedFiles, name: str) -> _GroupKey:
    group = loaded.groups[name]
    return (name, group.file.path, group.file.identity)


def walk(
    git_dir: str,
    rev: str = "HEAD",
    *,
    limits: Limits | None = None,
    progress: Callable[[int, int], None] | None = None,
    checkpoints: Path | None = None,
    timeline: Timeline | None = None,
    resume_allowed: Callable[[str, int], bool] | None = None,
) -> History:
    """Load the config at `rev` and the provenance of every deviation (see module doc).

    With `checkpoints` (a folder), the state at `rev` is saved there, and a later walk
    of a descendant starts from the newest saved ancestor on its first-parent line
    instead of the root commit -- one that `resume_allowed(sha, position)` accepts,
    when given (the importer accepts only commits whose timeline it has recorded).
    With `timeline`, every commit replayed and every deviation entering, changing or
    leaving the config is recorded there (`Timeline`).
    """
    limits = limits or Limits()
    started = time.perf_counter()
    target = resolve_commit(git_dir, rev)
    log = commit_log(git_dir, target)
    entries: dict[str, str] = {}
    states: dict[str, _ComponentState] = {}
    previous: dict[str, list[Deviation]] = {}
    read_paths: set[str] = set()
    loaded_commits = skipped_invalid = 0
    last_info: CommitInfo | None = None
    resume_at, resumed = -1, ""
    if checkpoints is not None:
        for index in range(len(log) - 1, -1, -1):
            if resume_allowed is not None and not resume_allowed(log[index][0].sha, index):
                continue
            saved = _load_checkpoint(_checkpoint_path(checkpoints, git_dir, log[index][0].sha))
            if saved is not None:
                states, read_paths = saved
                resume_at, resumed = index, log[index][0].sha
                break
    steps = timeline.steps if timeline is not None else None
    if timeline is not None:
        timeline.resumed_at = resume_at
    names: set[str] | None = None  # the components at the last loaded commit (timeline)
    with ObjectReader(git_dir) as reader:
        walker = _Walker(reader, limits)
        for number, (info, changes) in enumerate(log, start=1):
            relevant = False
            for path, mode, blob in changes:
                if blob.strip("0") == "" or mode in (MODE_SYMLINK, MODE_GITLINK):
                    entries.pop(path, None)
                else:
                    entries[path] = blob
                relevant = relevant or path.endswith(".toml") or path in read_paths
            last_info = info
            position = number - 1
            replayed: ReplayedCommit | None = None
            if timeline is not None and position > resume_at:
                replayed = ReplayedCommit(position, info, [p for p, _, _ in changes], READ_SKIPPED)
                timeline.commits.append(replayed)
            if info.sha == target:
                break
            if not relevant or position <= resume_at:
                continue
            walker.forget_other_blobs(entries)
            current = walker.deviations(
                dict(entries), f"{git_dir}@{info.sha[:12]}", vocabulary_at(info.committed_at)
            )
            if progress is not None:
                progress(number, len(log))
            if current is None:
                skipped_invalid += 1
                if replayed is not None:
                    replayed.read = READ_INVALID
                continue
            loaded_commits += 1
            read_paths = {p for p, _ in walker.hashes}
            # Unchanged components keep the very same list object (memo), so only the
            # others need a look.
            changed = [n for n, d in current.items() if previous.get(n) is not d]
            changed.extend(previous.keys() - current.keys())
            _advance(states, current, info, changed, position, steps)
            previous = current
            if replayed is not None and timeline is not None:
                replayed.read = READ_LOADED
                names = _members(timeline, position, names, current.keys())
        if last_info is None or last_info.sha != target:
            raise ConfigError([ConfigIssue("", f"commit {target} has no history to walk")])
        # The target itself: loaded in full (every check, fresh positions), so what the
        # importer records is exactly what a plain load of that commit gives.
        walker.forget_other_blobs(entries)
        config = load_config(
            walker.source(dict(entries), f"{git_dir}@{target[:12]}"),
            limits=limits,
            cache=walker.cache,
            hashes=walker.hashes,
        )
        position = len(log) - 1
        _advance(
            states,
            config.deviations,
            last_info,
            config.deviations.keys() | states.keys(),
            position,
            steps,
        )
        loaded_commits += 1
        if timeline is not None and timeline.commits and timeline.commits[-1].position == position:
            timeline.commits[-1].read = READ_LOADED
            _members(timeline, position, names, config.components.keys())
    _read_later(config, git_dir)
    if checkpoints is not None:
        read_paths = {p for p, _ in walker.hashes}
        _save_checkpoint(_checkpoint_path(checkpoints, git_dir, target), states, read_paths)
    provenance = {
        name: [_provenance_of(states[name], d) for d in devs]
        for name, devs in config.deviations.items()
    }
    keys = {
        name: [_tracked_of(states[name], d).key for d in devs]
        for name, devs in config.deviations.items()
        if devs
    }
    return History(
        config,
        last_info,
        provenance,
        keys,
        {
            "commits": len(log),
            "commits_loaded": loaded_commits,
            "commits_invalid": skipped_invalid,
            "blobs_read": walker.blobs_read,
            "resumed_from": resumed,
            "seconds": round(time.perf_counter() - started, 3),
        },
    )


# --- checkpoints -----------------------------------------------------------------------
# Bump when what a walk records could change (deviation extraction, matching, format).
CHECKPOINT_VERSION = 2


def _checkpoint_path(folder: Path, git_dir: str, sha: str) -> Path:
    repo = hashlib.sha256(os.path.realpath(git_dir).encode()).hexdigest()[:16]
    return folder / f"{repo}-{sha}-v{CHECKPOINT_VERSION}.json"


def _commit_json(info: CommitInfo) -> dict[str, Any]:
    return {
        "sha": info.sha,
        "author_name": info.author_name,
        "author_email": info.author_email,
        "authored_at": info.authored_at.isoformat(),
        "committed_at": info.committed_at.isoformat(),
        "subject": info.subject,
    }


def _save_checkpoint(path: Path, states: dict[str, _ComponentState], read: set[str]) -> None:
    """The tracked deviations at a commit, as JSON (written atomically; plain data only)."""
    commits: dict[str, dict[str, Any]] = {}
    out: dict[str, list[dict[str, Any]]] = {}
    for name, state in states.items():
        rows = []
        for t in state.tracked:
            seen = [t.introduced, t.changed, *([t.removed_by] if t.removed_by else [])]
            seen += [c for life in t.lives for c in (life.introduced, life.changed, life.removed)]
            for commit in seen:
                commits.setdefault(commit.sha, _commit_json(commit))
            rows.append(
                {
                    "key": t.key,
                    "ordinal": t.ordinal,
                    "removed": t.removed,
                    "introduced": t.introduced.sha,
                    "changed": t.changed.sha,
                    "removed_by": t.removed_by.sha if t.removed_by else None,
                    "lives": [
                        [life.introduced.sha, life.changed.sha, life.removed.sha]
                        for life in t.lives
                    ],
                    "deviation": dataclasses.asdict(t.deviation),
                }
            )
        out[name] = rows
    data = {"version": CHECKPOINT_VERSION, "read": sorted(read), "commits": commits, "states": out}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data))
    tmp.replace(path)


def _load_checkpoint(path: Path) -> tuple[dict[str, _ComponentState], set[str]] | None:
    """A saved state, or None when there is none (or it cannot be used)."""
    try:
        data = json.loads(path.read_text())
        if data.get("version") != CHECKPOINT_VERSION:
            return None
        commits = {
            sha: CommitInfo(
                c["sha"],
                c["author_name"],
                c["author_email"],
                dt.datetime.fromisoformat(c["authored_at"]),
                dt.datetime.fromisoformat(c["committed_at"]),
                c["subject"],
            )
            for sha, c in data["commits"].items()
        }
        states = {}
        for name, rows in data["states"].items():
            tracked = [
                _Tracked(
                    r["key"],
                    Deviation(**r["deviation"]),
                    r["ordinal"],
                    commits[r["introduced"]],
                    commits[r["changed"]],
                    r["removed"],
                    commits[r["removed_by"]] if r["removed_by"] else None,
                    [Life(*(commits[sha] for sha in life)) for life in r["lives"]],
                )
                for r in rows
            ]
            live = [t.deviation for t in tracked if not t.removed]
            states[name] = _ComponentState(live, tracked)
        return states, set(data["read"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _tracked_of(state: _ComponentState, deviation: Deviation) -> _Tracked:
    for tracked in state.tracked:
        if tracked.deviation is deviation:
            return tracked
    raise AssertionError("every current deviation is tracked")  # pragma: no cover


def _provenance_of(state: _ComponentState, deviation: Deviation) -> Provenance:
    tracked = _tracked_of(state, deviation)
    return Provenance(tracked.introduced, tracked.changed, tuple(tracked.lives))


def _members(
    timeline: Timeline, position: int, before: set[str] | None, now: Iterable[str]
) -> set[str]:
    """Record the components that entered and left at a loaded commit; the set now."""
    names = set(now)
    if before is None:  # the first loaded commit of this walk: every component
        timeline.components.append((position, names, set()))
    elif names != before:
        timeline.components.append((position, names - before, before - names))
    return names


def _advance(
    states: dict[str, _ComponentState],
    current: dict[str, list[Deviation]],
    info: CommitInfo,
    names: Iterable[str],
    position: int = 0,
    steps: list[Step] | None = None,
) -> None:
    """Carry the named components' tracked deviations over to the commit `info`
    (recording each one that entered, changed or left in `steps`, when given)."""
    for name in names:
        devs = current.get(name, _NONE)
        state = states.get(name)
        if state is not None and state.deviations is devs:
            continue
        if state is None:
            if not devs:
                continue
            state = states[name] = _ComponentState([], [])
        if _same(state.deviations, devs):
            # Same deviations (e.g. a file moved lines): keep the records, new objects.
            live = [t for t in state.tracked if not t.removed]
            for tracked, deviation in zip(live, devs, strict=True):
                tracked.deviation = deviation
            state.deviations = devs
            continue
        known = [
            Known(
                t.key,
                t.deviation.kind,
                t.deviation.fingerprint,
                t.deviation.overlay_type,
                t.deviation.description,
                t.ordinal,
                t.removed,
            )
            for t in state.tracked
        ]
        keys = assign_keys(known, devs)
        by_key = {t.key: t for t in state.tracked}
        ordinal = 0
        seen: set[str] = set()
        tracked_now: list[_Tracked] = []
        for key, deviation in zip(keys, devs, strict=True):
            seen.add(key)
            this_ordinal = ordinal if deviation.kind == DeviationKind.OVERLAY else -1
            ordinal += deviation.kind == DeviationKind.OVERLAY
            old = by_key.get(key)
            if old is None:
                tracked_now.append(_Tracked(key, deviation, this_ordinal, info, info))
                if steps is not None:
                    steps.append(Step(position, name, key, deviation, info, info))
                continue
            stepped = True
            if old.removed:
                # Back after it left: a new run starts here; the one that ended is kept.
                removed_by = old.removed_by or info
                old.lives.append(Life(old.introduced, old.changed, removed_by))
                old.introduced = old.changed = info
                old.removed_by = None
            elif (
                old.deviation.fingerprint != deviation.fingerprint
                or old.deviation.justification() != deviation.justification()
            ):
                old.changed = info
            else:
                stepped = False
            old.deviation, old.ordinal, old.removed = deviation, this_ordinal, False
            tracked_now.append(old)
            if stepped and steps is not None:
                steps.append(Step(position, name, key, deviation, old.introduced, old.changed))
        for tracked in state.tracked:
            if tracked.key not in seen:
                if not tracked.removed:
                    tracked.removed, tracked.removed_by = True, info
                    if steps is not None:
                        steps.append(Step(position, name, tracked.key, None))
                tracked_now.append(tracked)
        state.tracked = tracked_now
        state.deviations = devs


def _same(old: list[Deviation], new: list[Deviation]) -> bool:
    if len(old) != len(new):
        return False
    return all(
        a.kind == b.kind
        and a.slot == b.slot
        and a.fingerprint == b.fingerprint
        and a.justification() == b.justification()
        for a, b in zip(old, new, strict=True)
    )


def config_at(git_dir: str, rev: str = "HEAD", *, limits: Limits | None = None) -> Config:
    """The config at one commit, read from git objects, without walking history."""
    limits = limits or Limits()
    target = resolve_commit(git_dir, rev)
    result = run_git(["ls-tree", "-r", "-z", "--full-tree", target], git_dir=git_dir)
    entries: dict[str, str] = {}
    for line in result.stdout.split(b"\0"):
        if not line:
            continue
        meta, _, path = line.partition(b"\t")
        mode, kind, blob = meta.decode().split()
        if kind == "blob" and mode not in (MODE_SYMLINK, MODE_GITLINK):
            entries[path.decode("utf-8", "surrogateescape")] = blob
    with ObjectReader(git_dir) as reader:
        walker = _Walker(reader, limits)
        config = load_config(walker.source(entries, f"{git_dir}@{target[:12]}"), limits=limits)
    _read_later(config, git_dir)
    return config


def _read_later(config: Config, git_dir: str) -> None:
    """After the walk's reader is closed, the config reads its files (overlay sources) anew."""

    def fetch(path: str, blob: str, limit: int) -> bytes:
        with ObjectReader(git_dir) as reader:
            return _Walker(reader, Limits()).fetch(path, blob, limit)

    source = config.source
    assert isinstance(source, TreeSource)  # configs from a walk are read from git trees
    source.fetch = fetch
