#!/usr/bin/env python
"""Screenshots of the main pages for the README, taken by the browser tests.

    .venv/bin/python bench/screenshots.py [--out docs/screenshots]

Runs the browser journeys and page walk (tests/browser) on the synced demo data with
AZLDRIFT_SCREENSHOTS set, so each test saves full-page PNGs of what it checked.
Needs Chromium at /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    env = {**os.environ, "AZLDRIFT_SCREENSHOTS": str(args.out.resolve())}
    env.pop("DATABASE_URL", None)  # the demo data set on the default SQLite test database
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/browser"],
        cwd=ROOT,
        env=env,
        check=False,
    )
    for png in sorted(args.out.glob("*.png")):
        print(png.relative_to(ROOT) if png.is_relative_to(ROOT) else png)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
