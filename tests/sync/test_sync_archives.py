"""Archive overlays in the sync: source archives from the lookaside cache over real HTTPS."""

import gzip
import hashlib
import io
import tarfile

import pytest

from deviations.core.distgit import ObjectReader
from deviations.core.overlays import SourceTree
from deviations.core.overlays import render as engine_render
from deviations.core.types import Overlay
from deviations.domain.sync import SyncError, SyncRequest, start_sync
from deviations.domain.sync.archives import archive_inputs
from deviations.domain.sync.jobs import plan
from deviations.domain.sync.process import fingerprint
from deviations.models import (
    ComponentSync,
    Deviation,
    DeviationKind,
    OverlayResult,
    SyncRunIssue,
)
from tests import factories
from tests.core.test_overlay_archive_limits import zeros_bomb
from tests.factories import spec_text
from tests.lookaside_server import Route, certificate, https_server  # noqa: F401
from tests.support import row_counts

pytestmark = pytest.mark.django_db(transaction=True)

ARCHIVE = "demo-1.0.tar.gz"
README = b"demo 1.0\n\nRun `make check` for the tests.\n"
MAKEFILE = b"check:\n\t./run-tests tests/data/sample.bin tests/data/ok.txt\n"
SAMPLE = b"\x7fELF\x00\x01 a stand-in for a fixture a scanner flags\x00\xff"
FILES = {
    "README": README,
    "tests/Makefile": MAKEFILE,
    "tests/data/sample.bin": SAMPLE,
    "tests/data/ok.txt": b"fine\n",
}
REMOVE = {
    "type": "file-remove",
    "archive": ARCHIVE,
    "file": "tests/data/sample.bin",
    "description": "Drop the test fixture the signing pipeline flags",
}
UNLIST = {
    "type": "file-search-replace",
    "archive": ARCHIVE,
    "file": "tests/Makefile",
    "regex": r"tests/data/sample\.bin ",
    "replacement": "",
}
SUMMARY = {"type": "spec-set-tag", "tag": "Summary", "value": "Azure demo"}


def tarball(files: dict[str, bytes], top: str = "demo-1.0") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for path, data in sorted(files.items()):
            info = tarfile.TarInfo(f"{top}/{path}")
            info.size, info.mtime, info.mode = len(data), 1_700_000_000, 0o644
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(buffer.getvalue(), mtime=0)


def sources_line(name: str, data: bytes) -> str:
    return f"SHA512 ({name}) = {hashlib.sha512(data).hexdigest()}\n"


def repacked(data: bytes, overlays: list[dict]) -> bytes:
    """What the engine makes of the archive (the sync must record exactly this)."""
    tree = SourceTree({"demo.spec": b"", ARCHIVE: data}, "demo.spec")
    result = engine_render(tree, [Overlay(**o) for o in overlays])
    return result.tree_after.files[ARCHIVE]


@pytest.fixture
def lookaside(settings, https_server, certificate):  # noqa: F811
    settings.LOOKASIDE_CA_BUNDLE = str(certificate[0])
    settings.LOOKASIDE_RETRIES = 0

    def serve(package: str, name: str, data: bytes, **route) -> str:
        path = https_server.path_for(package, name, "sha512", hashlib.sha512(data).hexdigest())
        https_server.routes[path] = Route(data, **route)
        return path

    https_server.serve = serve
    return https_server


def demo_repo(upstream, pin_data: bytes, tip_data: bytes | None = None):
    repo = upstream.repo("demo")
    files = {"demo.spec": spec_text("demo", "1.0"), "sources": sources_line(ARCHIVE, pin_data)}
    repo.commit("f43", files, "Initial import", "2025-11-01T12:00:00Z")
    if tip_data is not None:  # after the snapshot: upstream re-rolled the tarball
        repo.commit("f43", {"sources": sources_line(ARCHIVE, tip_data)}, "Re-roll", "2026-04-01")
    return repo


def post_overlay_hash(component, digest: str, n: int = 9):
    content = {
        "filename": ARCHIVE,
        "hash": digest,
        "hash-type": "SHA512",
        "origin": {"type": "overlay"},
        "replace-upstream": True,
    }
    return factories.make_deviation(
        component,
        key=f"source-file:{ARCHIVE}",
        content=content,
        kind=DeviationKind.SOURCE_FILE,
        position=n,
    )


def test_archive_overlays_get_real_verdicts_at_pin_and_tip(upstream, lookaside):
    pin_data = tarball(FILES)
    # Upstream dropped the fixture itself in the re-rolled tarball: nothing left to remove.
    tip_files = {k: v for k, v in FILES.items() if k != "tests/data/sample.bin"}
    tip_data = tarball(tip_files)
    demo_repo(upstream, pin_data, tip_data)
    pin_path = lookaside.serve("demo", ARCHIVE, pin_data)
    tip_path = lookaside.serve("demo", ARCHIVE, tip_data)
    demo = factories.make_component("demo", lookaside_base_uri=lookaside.template)
    remove = factories.add_overlay(demo, 1, REMOVE)
    unlist = factories.add_overlay(demo, 2, UNLIST)
    factories.add_overlay(demo, 3, SUMMARY)
    # A component without archive overlays downloads nothing, even with a `sources` file.
    other = upstream.standard("other")
    other_data = b"not to be fetched"
    other.commit(
        "f43", {"sources": sources_line("other-1.0.tar.gz", other_data)}, "s", "2026-01-20"
    )
    other_path = lookaside.serve("other", "other-1.0.tar.gz", other_data)
    factories.make_component("other", lookaside_base_uri=lookaside.template)

    run = start_sync(SyncRequest(base_uri=upstream.template))

    assert run.status == "succeeded" and run.errors == 0, list(run.issues.values())
    assert sorted(lookaside.requests) == sorted([pin_path, tip_path])
    assert other_path not in lookaside.requests
    remove.refresh_from_db()
    unlist.refresh_from_db()
    assert (remove.verdict_at_pin, remove.verdict_at_tip) == ("applied", "failed")
    assert (unlist.verdict_at_pin, unlist.verdict_at_tip) == ("applied", "applied")

    at_pin = OverlayResult.objects.get(deviation=remove, target="pin")
    # The archive's own diff: the members that changed, inside the archive.
    assert at_pin.diff == f"Binary files a/{ARCHIVE}/tests/data/sample.bin and /dev/null differ\n"
    expected = repacked(pin_data, [REMOVE, UNLIST])
    assert at_pin.archive_sha256 == hashlib.sha256(expected).hexdigest()
    with tarfile.open(fileobj=io.BytesIO(expected)) as tar:
        assert "demo-1.0/tests/data/sample.bin" not in tar.getnames()
        assert tar.extractfile("demo-1.0/tests/Makefile").read() == (
            b"check:\n\t./run-tests tests/data/ok.txt\n"
        )
    unlist_pin = OverlayResult.objects.get(deviation=unlist, target="pin")
    assert unlist_pin.diff.startswith(f"--- a/{ARCHIVE}/tests/Makefile\n+++ b/{ARCHIVE}/")
    assert "-\t./run-tests tests/data/sample.bin tests/data/ok.txt" in unlist_pin.diff
    assert unlist_pin.archive_sha256 == at_pin.archive_sha256

    at_tip = OverlayResult.objects.get(deviation=remove, target="tip")
    assert at_tip.verdict == "failed" and "tests/data/sample.bin" in at_tip.message
    assert at_tip.archive_sha256 == ""
    unlist_tip = OverlayResult.objects.get(deviation=unlist, target="tip")
    assert unlist_tip.archive_sha256 == hashlib.sha256(repacked(tip_data, [UNLIST])).hexdigest()

    state = ComponentSync.objects.get(component=demo)
    assert (state.render_ok, state.failing_at_pin, state.failing_at_tip) == (True, 0, 1)
    assert f"Binary files a/{ARCHIVE} and b/{ARCHIVE} differ\n" in state.rendered_diff
    assert f"a/{ARCHIVE}/tests/data/sample.bin" in state.rendered_diff
    assert "+Summary: Azure demo" in state.rendered_diff

    # Nothing changed: the re-sync asks nobody for anything and writes only its run.
    before, asked = row_counts(), list(lookaside.requests)
    again = start_sync(SyncRequest(base_uri=upstream.template))
    assert (again.changed, again.skipped) == (0, 2)
    assert lookaside.requests == asked
    after = row_counts()
    assert {k: after[k] - before[k] for k in after} == {
        **dict.fromkeys(after, 0),
        "SyncRun": 1,
    }


def test_the_cache_serves_pin_and_tip_and_later_runs(upstream, lookaside, settings):
    data = tarball(FILES)
    repo = demo_repo(upstream, data)
    repo.commit(
        "f43", {"demo.spec": spec_text("demo", "1.0", "2%{?dist}")}, "Rebuild", "2026-04-01"
    )
    path = lookaside.serve("demo", ARCHIVE, data)
    demo = factories.make_component("demo")  # no template of its own: the run's override
    remove = factories.add_overlay(demo, 1, REMOVE)

    run = start_sync(SyncRequest(base_uri=upstream.template, lookaside_base_uri=lookaside.template))
    assert run.options["lookaside_base_uri"] == lookaside.template
    remove.refresh_from_db()
    assert (remove.verdict_at_pin, remove.verdict_at_tip) == ("applied", "applied")
    assert lookaside.requests == [path]  # pin and tip share the archive: one download
    cached = settings.CACHE_DIR / "lookaside" / "sha512"
    assert [p.read_bytes() for p in cached.rglob("*") if p.is_file()] == [data]

    # The engine's output is what changes now (a re-render is forced): no new download.
    ComponentSync.objects.update(input_fingerprint="")
    lookaside.stop()
    run = start_sync(SyncRequest(base_uri=upstream.template, lookaside_base_uri=lookaside.template))
    assert run.errors == 0 and run.changed == 1
    assert lookaside.requests == [path]

    with pytest.raises(SyncError, match="--lookaside-base-uri"):
        start_sync(SyncRequest(lookaside_base_uri="http://lookaside.example/$filename"))


def test_stale_post_overlay_hash_is_reported(upstream, lookaside):
    data = tarball(FILES)
    demo_repo(upstream, data)
    lookaside.serve("demo", ARCHIVE, data)
    demo = factories.make_component("demo", lookaside_base_uri=lookaside.template)
    factories.add_overlay(demo, 1, REMOVE)
    stale = post_overlay_hash(demo, "ab" * 64)

    run = start_sync(SyncRequest(base_uri=upstream.template))

    issues = list(run.issues.values_list("kind", "message"))
    assert len(issues) == 1 and issues[0][0] == "post-overlay-hash-stale"
    good = hashlib.sha512(repacked(data, [REMOVE])).hexdigest()
    assert issues[0][1].startswith(f"config's post-overlay hash is stale: {ARCHIVE}")
    assert f"SHA512 {good}" in issues[0][1] and "ab" * 64 in issues[0][1]
    state = ComponentSync.objects.get()
    assert state.error_kind == "post-overlay-hash-stale" and good in state.error
    assert Deviation.objects.get(key="overlay-1").verdict_at_pin == "applied"

    # Unchanged: skipped, and the run still lists the problem.
    again = start_sync(SyncRequest(base_uri=upstream.template))
    assert again.skipped == 1
    assert list(again.issues.values_list("kind", flat=True)) == ["post-overlay-hash-stale"]

    # The config records the right hash (a new version of that entry): the next sync clears it.
    factories.add_version(stale, {**stale.current_version.content, "hash": good.upper()})
    fixed = start_sync(SyncRequest(base_uri=upstream.template))
    assert fixed.errors == 0 and not fixed.issues.exists()
    state.refresh_from_db()
    assert (state.error_kind, state.error) == ("", "")


@pytest.mark.parametrize("problem", ["missing", "tampered"])
def test_a_lookaside_failure_is_an_issue_of_that_component(upstream, lookaside, settings, problem):
    data = tarball(FILES)
    demo_repo(upstream, data)
    if problem == "tampered":
        lookaside.serve("demo", ARCHIVE, data)
        path = next(iter(lookaside.routes))
        lookaside.routes[path] = Route(data[:-1] + bytes([data[-1] ^ 1]))
    demo = factories.make_component("demo", lookaside_base_uri=lookaside.template)
    remove = factories.add_overlay(demo, 1, REMOVE)
    upstream.standard("fine")
    factories.make_component("fine")

    run = start_sync(SyncRequest(base_uri=upstream.template))

    assert run.status == "succeeded" and run.done == 2
    kind = {"missing": "lookaside-not-found", "tampered": "lookaside-hash-mismatch"}[problem]
    issue = SyncRunIssue.objects.get(run=run)
    assert (issue.component_name, issue.kind) == ("demo", kind)
    assert issue.message.startswith(f"archive overlays at the pinned commit: {ARCHIVE}")
    state = ComponentSync.objects.get(component=demo)
    assert state.pinned_commit and state.error_kind == kind and not state.render_ok
    remove.refresh_from_db()
    assert remove.verdict_at_pin == ""  # no verdict made up from a missing archive
    assert ComponentSync.objects.get(component__name="fine").error_kind == ""
    assert not (settings.CACHE_DIR / "lookaside" / "sha512").exists()

    # Fixed upstream: the next sync retries and renders.
    lookaside.serve("demo", ARCHIVE, data)
    fixed = start_sync(SyncRequest(base_uri=upstream.template))
    assert fixed.errors == 0
    remove.refresh_from_db()
    assert remove.verdict_at_pin == "applied"


def test_an_archive_bomb_fails_its_overlays_and_the_sync_goes_on(upstream, lookaside, settings):
    """The 4.5 MB tar.gz of 1,000 MiB of zeros that took a sync to 4.1 GB: refused from
    its header in the render worker; the component's issue says why."""
    bomb = zeros_bomb(1000 << 20)
    repo = demo_repo(upstream, bomb)
    lookaside.serve("demo", ARCHIVE, bomb)
    demo = factories.make_component("demo", lookaside_base_uri=lookaside.template)
    remove = factories.add_overlay(demo, 1, REMOVE)
    upstream.standard("fine")
    factories.make_component("fine")

    run = start_sync(SyncRequest(base_uri=upstream.template))

    assert run.status == "succeeded" and run.done == 2
    issue = SyncRunIssue.objects.get(run=run)
    assert (issue.component_name, issue.kind) == ("demo", "overlay-failed")
    assert f"archive `{ARCHIVE}`: expands to more than 100 times its" in issue.message
    assert "a compression bomb, refused" in issue.message
    remove.refresh_from_db()
    assert remove.verdict_at_pin == "failed"
    assert ComponentSync.objects.get(component__name="fine").error_kind == ""

    # The limits are settings: a normal archive over a (tiny) size limit is refused too.
    settings.ARCHIVE_MAX_BYTES = 4096
    data = tarball(FILES)
    repo.commit("f43", {"sources": sources_line(ARCHIVE, data)}, "New tarball", "2026-01-20")
    lookaside.serve("demo", ARCHIVE, data)
    again = start_sync(SyncRequest(base_uri=upstream.template))
    issue = SyncRunIssue.objects.get(run=again)
    assert "expands to more than 4,096 bytes (the limit for a source archive)" in issue.message


def test_fingerprint_covers_the_archives_sources_entries(upstream):
    one, two = tarball(FILES), tarball({"README": README})
    repo = demo_repo(upstream, one, two)
    tip = repo.tip("f43")
    demo = factories.make_component("demo")
    factories.add_overlay(demo, 1, REMOVE)
    plain = factories.make_component("plain")
    factories.add_overlay(plain, 1, SUMMARY)
    jobs = {job.name: job for job in plan([demo.pk, plain.pk])}
    with ObjectReader(str(repo.path)) as reader:
        pin = reader.commit(tip).parents[0]
        inputs = archive_inputs(jobs["demo"], reader, pin, tip)
        assert archive_inputs(jobs["plain"], reader, pin, tip) == {}
    assert inputs["archives"] == [
        [pin, [[ARCHIVE, "SHA512", hashlib.sha512(one).hexdigest()]]],
        [tip, [[ARCHIVE, "SHA512", hashlib.sha512(two).hexdigest()]]],
    ]
    with_hashes = fingerprint(jobs["demo"], pin, tip, **inputs)
    assert with_hashes != fingerprint(jobs["demo"], pin, tip)
    changed = {**inputs, "archives": [inputs["archives"][0], inputs["archives"][0]]}
    assert fingerprint(jobs["demo"], pin, tip, **changed) != with_hashes
