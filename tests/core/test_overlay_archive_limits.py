"""Source archives within limits: bombs refused, members streamed to disk, memory flat."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from deviations.core.overlays import RenderOptions, SourceTree, render
from deviations.core.overlays.archives import Limits, extract
from deviations.core.overlays.tree import OnDisk
from deviations.core.types import Overlay

ROOT = Path(__file__).resolve().parents[2]
MiB = 1 << 20


def zeros_bomb(size: int, level: int = 1) -> bytes:
    """A tar.gz of a README and `size` bytes of zeros, made without holding them.

    gzip allows one stream of several members, so the zeros are one compressed MiB
    repeated; at level 1 that is the 4.5 MB archive of 1,000 MiB seen in the wild.
    """
    head = io.BytesIO()
    readme = b"a bomb\n"
    for name, length in (("bomb-1.0/README", len(readme)), ("bomb-1.0/zeros", size)):
        info = tarfile.TarInfo(name)
        info.size, info.mode = length, 0o644
        head.write(info.tobuf(tarfile.GNU_FORMAT))
        if name.endswith("README"):
            head.write(readme + b"\0" * (-len(readme) % 512))
    tail = size + (-size % 512) + 1024  # the member's padding and the end-of-archive blocks
    chunk = gzip.compress(b"\0" * MiB, level, mtime=0)
    parts = [gzip.compress(head.getvalue(), level, mtime=0), chunk * (tail // MiB)]
    parts.append(gzip.compress(b"\0" * (tail % MiB), level, mtime=0))
    return b"".join(parts)


def archive(members: dict[str, bytes], *, fmt: int = tarfile.GNU_FORMAT) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=fmt) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(buffer.getvalue(), mtime=0)


REMOVE_README = Overlay(type="file-remove", archive="bomb-1.0.tar.gz", file="README")


def render_archive(data: bytes, options: RenderOptions | None = None):
    tree = SourceTree({"bomb.spec": b"Name: bomb\n", "bomb-1.0.tar.gz": data}, "bomb.spec")
    return render(tree, [REMOVE_README], options=options)


def test_a_compression_bomb_is_refused_from_its_header():
    data = zeros_bomb(1000 * MiB)
    assert 4 * 10**6 < len(data) < 5 * 10**6  # the 4.5 MB archive of the report
    (outcome,) = render_archive(data).outcomes
    assert outcome.verdict == "failed"
    # The size is the header's: refused before a byte of the zeros was produced.
    assert outcome.message == (
        "overlay 1 [file-remove] failed: archive `bomb-1.0.tar.gz`: expands to more than "
        f"100 times its {len(data):,} compressed bytes (over {1000 * MiB + 7:,} bytes): a "
        "compression bomb, refused"
    )


def test_an_archive_over_the_size_limit_is_refused():
    data = archive({"pkg-1/big.bin": os.urandom(2 * MiB), "pkg-1/README": b"x"})
    options = RenderOptions(max_archive_bytes=MiB)
    tree = SourceTree({"pkg.spec": b"Name: pkg\n", "pkg.tar.gz": data}, "pkg.spec")
    (outcome,) = render(
        tree, [Overlay(type="file-remove", archive="pkg.tar.gz", file="README")], options=options
    ).outcomes
    assert outcome.verdict == "failed"
    assert "`pkg.tar.gz`: expands to more than 1,048,576 bytes" in outcome.message


def test_the_uncompressed_stream_is_counted_not_only_the_headers_sizes():
    """Thousands of empty files: no content by their headers, 1.5 MB of tar headers."""
    data = archive({f"pkg-1/f{i}": b"" for i in range(3000)})
    with pytest.raises(Exception, match="expands to more than 1,048,576 bytes"):
        extract(data, "pkg.tar.gz", Limits(max_bytes=MiB))
    assert len(extract(data, "pkg.tar.gz").files) == 3000


def test_a_giant_long_name_is_refused_before_tarfile_reads_it_whole():
    name = "pkg-1/" + "n" * (2 * MiB)
    data = archive({name: b"x", "pkg-1/README": b"y"})
    with pytest.raises(Exception, match="more than 1,048,576 bytes of tar headers"):
        extract(data, "pkg.tar.gz")


def test_large_members_stream_to_disk_and_come_back_the_same():
    big = os.urandom(3 * MiB)
    data = archive({"pkg-1/big.bin": big, "pkg-1/small.txt": b"small\n"})
    with extract(data, "pkg.tar.gz") as content:
        kept = content.files["pkg-1/big.bin"]
        assert isinstance(kept, OnDisk) and kept.read() == big
        assert content.files["pkg-1/small.txt"] == b"small\n"
        spill = Path(kept.path)
        assert spill.is_file()
    assert not spill.exists()  # gone with the extracted archive

    tree = SourceTree({"pkg.spec": b"Name: pkg\n", "pkg.tar.gz": data}, "pkg.spec")
    result = render(tree, [Overlay(type="file-remove", archive="pkg.tar.gz", file="small.txt")])
    assert result.ok
    with tarfile.open(fileobj=io.BytesIO(result.tree_after.read("pkg.tar.gz"))) as tar:
        assert tar.getnames() == ["pkg-1", "pkg-1/big.bin"]
        assert tar.extractfile("pkg-1/big.bin").read() == big


RSS_PROBE = """
import json, resource, sys
sys.path.insert(0, sys.argv[1])
from tests.core.test_overlay_archive_limits import REMOVE_README, render_archive, zeros_bomb
from deviations.core.overlays import RenderOptions
data = zeros_bomb(int(sys.argv[2]), level=9)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
options = RenderOptions(max_archive_ratio=float("inf"))
result = render_archive(data, options)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"before_kb": before, "peak_kb": peak,
                  "verdicts": [o.verdict for o in result.outcomes],
                  "diff": result.outcomes[0].diff,
                  "repacked": len(result.tree_after.read("bomb-1.0.tar.gz"))}))
"""


@pytest.mark.slow
def test_memory_stays_flat_when_a_bomb_is_let_through():
    """With the ratio check off, 300 MiB of zeros stream through the engine (extract,
    edit, repack) while the process grows by far less than that (it held it all:
    ~1 GB)."""
    out = subprocess.run(
        [sys.executable, "-c", RSS_PROBE, str(ROOT), str(300 * MiB)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stdout
    found = json.loads(out)
    assert found["verdicts"] == ["applied"]
    assert found["diff"] == (
        "--- a/bomb-1.0.tar.gz/README\n+++ /dev/null\n@@ -1 +0,0 @@\n-a bomb\n"
    )
    assert found["repacked"] < 2 * MiB  # the zeros compress again
    growth_mb = (found["peak_kb"] - found["before_kb"]) / 1024
    assert growth_mb < 100, growth_mb
