"""The sync's rendering hands each overlay's outcome on typed: a `VerdictAt` with a `Verdict`
(made in a render worker process and carried back as it is)."""

from __future__ import annotations

from deviations.core.config.resolve import to_overlay
from deviations.core.distgit import CommitFiles
from deviations.core.workers import Workers
from deviations.domain.sync import render
from deviations.domain.sync.jobs import ComponentJob, OverlayInput
from deviations.domain.sync.process import effect_hash
from deviations.vocabulary import Verdict

SPEC = b"Name: hello\nVersion: 1\nRelease: 1\nSummary: Hello\nLicense: MIT\n\n%description\nHi\n"


def _overlay(n: int, content: dict) -> OverlayInput:
    return OverlayInput(n, n, f"overlay-{n}", to_overlay(content, "comps"), "f" * 64, "", "", "")


def test_each_overlay_has_a_typed_verdict_at_the_commit():
    job = ComponentJob(
        1,
        "hello",
        "hello",
        "",
        "f43",
        None,
        "",
        overlays=(
            _overlay(1, {"type": "spec-set-tag", "tag": "Summary", "value": "Azure hello"}),
            _overlay(2, {"type": "spec-set-tag", "tag": "Summary", "value": "Azure hello"}),
            _overlay(3, {"type": "spec-remove-tag", "tag": "Nowhere"}),
        ),
    )
    renderer = render.Renderer(timeout=60, workers=Workers(1))
    try:
        (rendered,) = renderer.render(
            [CommitFiles("c0ffee", "hello.spec", {"hello.spec": SPEC})], job, {}
        )
    finally:
        renderer.close()
    assert [type(v) for v in rendered.verdicts] == [render.VerdictAt] * 3
    assert [v.verdict for v in rendered.verdicts] == [Verdict.APPLIED, Verdict.NOOP, Verdict.FAILED]
    assert all(isinstance(v.verdict, Verdict) for v in rendered.verdicts)
    applied = rendered.verdicts[0]
    assert "+Summary: Azure hello" in applied.diff and applied.archive_sha256 == ""
    # The approval binds to the verdict's value and the diff, as before the types.
    assert effect_hash(applied) == effect_hash(render.VerdictAt("applied", diff=applied.diff))
