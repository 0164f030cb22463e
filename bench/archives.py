#!/usr/bin/env python
"""Archive bomb benchmark: peak memory and time of the overlay engine on a hostile tarball.

    .venv/bin/python bench/archives.py [--mib 1000]

Builds the archive of the report (a 4.5 MB tar.gz holding one member of 1,000 MiB of
zeros, plus a README) and runs one archive overlay on it (`file-remove` of the README)
through the engine as the sync's render worker does, each case in a fresh child process
whose peak RSS (`ru_maxrss`) is printed:

- refused: the default limits (the ratio check refuses it from the member's header);
- let through: the ratio check off, so the zeros stream through the engine (extracted to
  a spill file, repacked through the compressor) -- what memory a large legitimate
  archive costs;
- floor: decompressing the archive into nothing (`gzip` streaming, 1 MiB reads), the
  least any reading of it costs.

Target: peak RSS at most 300 MB for the bomb.  Needs nothing from ../shared.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHILD = """
import gzip, json, resource, sys, time
sys.path.insert(0, sys.argv[1])
path, case = sys.argv[2], sys.argv[3]
data = open(path, "rb").read()
started = time.perf_counter()
if case == "floor":
    with gzip.GzipFile(fileobj=open(path, "rb")) as stream:
        while stream.read(1 << 20):
            pass
    verdict = "-"
else:
    from deviations.core.overlays import RenderOptions, SourceTree, render
    from deviations.core.types import Overlay
    ratio = float("inf") if case == "through" else 100.0
    tree = SourceTree({"bomb.spec": b"Name: bomb\\n", "bomb-1.0.tar.gz": data}, "bomb.spec")
    overlay = Overlay(type="file-remove", archive="bomb-1.0.tar.gz", file="README")
    result = render(tree, [overlay], options=RenderOptions(max_archive_ratio=ratio))
    verdict = result.outcomes[0].verdict + ": " + result.outcomes[0].message[:160]
elapsed = time.perf_counter() - started
print(json.dumps({"seconds": elapsed, "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "verdict": verdict}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=1000, help="MiB of zeros in the member")
    args = parser.parse_args()
    from tests.core.test_overlay_archive_limits import zeros_bomb

    print(f"cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bomb-1.0.tar.gz"
        path.write_bytes(zeros_bomb(args.mib << 20))
        print(f"archive: {path.stat().st_size:,} bytes holding {args.mib:,} MiB of zeros")
        for case, label in (
            ("refused", "refused (default limits)"),
            ("through", "let through (no ratio check)"),
            ("floor", "floor: gzip stream to nothing"),
        ):
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(ROOT), str(path), case],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            found = json.loads(out)
            print(
                f"  {label:<32}{found['seconds']:7.2f} s   peak RSS "
                f"{found['peak_kb'] / 1024:7.1f} MB   {found['verdict']}"
            )
    print("target: peak RSS <= 300 MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
