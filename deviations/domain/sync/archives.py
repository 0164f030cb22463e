"""Archive overlays in the sync: the archives they edit, fetched from the lookaside cache,
what of them goes into a component's fingerprint, and the config's post-overlay hashes
checked against the archives as the engine repacked them."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

from deviations.core.distgit import CommitFiles, ObjectReader
from deviations.core.distgit.files import FILE_MAX_BYTES
from deviations.core.distgit.reader import TooLarge
from deviations.core.lookaside import SOURCES_FILE, LookasideCache, LookasideError, parse_sources
from deviations.domain.sync.jobs import ComponentJob
from deviations.vocabulary import LookasideIssue


def _sources_at(reader: ObjectReader, commit: str) -> bytes | None:
    found = reader.resolve(f"{commit}:{SOURCES_FILE}")
    if found is None or found[1] != "blob":
        return None
    try:
        return reader.blob(found[0], FILE_MAX_BYTES)
    except TooLarge:
        return None  # read_files refuses the commit's files anyway (file-too-large)


def archive_inputs(job: ComponentJob, reader: ObjectReader, pin: str, tip: str) -> dict[str, Any]:
    """Fingerprint inputs of archive overlays: their archives' `sources` entries at pin and
    tip, and the config's post-overlay hashes ({} for a component without archive overlays,
    whose fingerprint stays what it was)."""
    if not job.archives:
        return {}
    wanted = set(job.archives)
    found: list[list[Any]] = []  # [commit, entries or the error's kind]
    for commit in dict.fromkeys((pin, tip)):
        data = _sources_at(reader, commit)
        try:
            entries = parse_sources(data) if data is not None else []
        except LookasideError as exc:
            found.append([commit, exc.kind])
            continue
        found.append(
            [
                commit,
                sorted([e.filename, e.hash_type, e.hash] for e in entries if e.filename in wanted),
            ]
        )
    post = [[p.deviation_id, p.version_id, p.fingerprint] for p in job.post_overlay]
    return {"archives": found, "post_overlay": post}


def with_archives(
    job: ComponentJob, lookaside: LookasideCache | None, files: CommitFiles, where: str
) -> CommitFiles:
    """The commit's files plus the archives the archive overlays edit, from the lookaside.

    Only archives named by an archive overlay, listed in the commit's `sources` file and not
    committed to git are fetched; an archive that is nowhere is left out, and the overlays
    on it fail in the engine ("not found"), which is the truth about that commit.
    """
    wanted = [n for n in job.archives if n not in files.files and n not in files.links]
    raw = files.files.get(SOURCES_FILE)
    if not wanted or raw is None:
        return files
    try:
        entries = {e.filename: e for e in parse_sources(raw)}
        added = dict(files.files)
        for name in wanted:
            entry = entries.get(name)
            if entry is None:
                continue
            if lookaside is None:
                raise LookasideError(LookasideIssue.UNCONFIGURED, "no lookaside cache configured")
            added[name] = lookaside.read(job.lookaside_uri, job.package, entry)
    except LookasideError as exc:
        raise LookasideError(exc.kind, f"archive overlays at {where}: {exc}") from None
    return dataclasses.replace(files, files=added)


def stale_post_overlay_hashes(job: ComponentJob, repacked: dict[str, bytes]) -> list[str]:
    """The config's post-overlay hashes that the archives repacked at the pin do not have."""
    out = []
    for ref in job.post_overlay:
        data = repacked.get(ref.filename)
        if data is None or not ref.hash:
            continue  # not repacked (its overlays failed), or a hash still to be recorded
        try:
            computed = hashlib.new(ref.hash_type.lower(), data).hexdigest()
        except ValueError:
            computed = ""
        if computed != ref.hash:
            out.append(
                f"config's post-overlay hash is stale: {ref.filename} after the archive "
                f"overlays has {ref.hash_type} {computed or '(unsupported hash type)'}, the "
                f"source-files entry says {ref.hash}"
            )
    return out
