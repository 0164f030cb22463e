"""Benchmark the spec parser and the overlay engine on the real Azure Linux 4.0 data.

    .venv/bin/python bench/overlays.py [--shared ../shared]

Prints:
1. parse + serialize of every spec in specs.tar.xz (target: under 10 s on 2 cores), with
   the time to read the tarball itself shown apart;
2. rendering all real overlays of the Azure Linux config onto their components' specs and
   sidecars from the tarball (target: under 1 s; those specs already carry the edits, so
   the verdicts only show the engine ran), with and without diffs;
3. our unified diff of the same before/after pairs beside `diff -u` as a baseline.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deviations.core.config import load_overlays
from deviations.core.diff import file_diff
from deviations.core.overlays import RenderOptions, SourceTree, render
from deviations.core.spec import Spec


def read_tarball(path: Path) -> dict[str, dict[str, tuple[bytes, int]]]:
    """specs/<name>/<file> -> {name: {file: (bytes, mode)}}."""
    components: dict[str, dict[str, tuple[bytes, int]]] = {}
    with tarfile.open(path) as archive:
        for member in archive:
            if not member.isfile():
                continue
            parts = member.name.split("/", 2)
            if len(parts) != 3:
                continue
            data = archive.extractfile(member).read()
            components.setdefault(parts[1], {})[parts[2]] = (data, member.mode & 0o777)
    return components


def bench_parse(components) -> None:
    specs = [
        data
        for name, files in components.items()
        for file, (data, _) in files.items()
        if file.endswith(".spec") and "/" not in file
    ]
    size = sum(map(len, specs))
    start = time.perf_counter()
    sections = 0
    for data in specs:
        spec = Spec.parse(data)
        sections += len(spec.sections)
        assert spec.to_bytes() == data
    elapsed = time.perf_counter() - start
    print(
        f"parse + serialize: {len(specs)} specs, {size / 1e6:.1f} MB, {sections} sections"
        f" in {elapsed:.2f} s ({size / 1e6 / elapsed:.0f} MB/s; target < 10 s)"
    )


def load_real_overlays(config: Path):
    found = {}
    for toml in sorted((config / "base" / "comps").rglob("*.comp.toml")):
        overlays = load_overlays(toml, root=config)
        if overlays:
            name = toml.name.removesuffix(".comp.toml")
            found[name] = overlays
    return found


def bench_render(components, overlays_by_component, config: Path):
    trees = {}
    for name in overlays_by_component:
        files = components.get(name, {})
        tree = SourceTree(spec_name=f"{name}.spec")
        for file, (data, mode) in files.items():
            tree.write(file, data, mode)
        trees[name] = tree
    total = sum(len(o) for o in overlays_by_component.values())
    results = {}
    for diffs in (False, True):
        options = RenderOptions(config_root=str(config), diffs=diffs)
        start = time.perf_counter()
        for name, overlays in overlays_by_component.items():
            results[name] = render(trees[name], overlays, options=options)
        elapsed = time.perf_counter() - start
        label = "with per-overlay and overall diffs" if diffs else "without diffs"
        print(
            f"render: {total} overlays on {len(trees)} components in {elapsed:.3f} s"
            f" ({label}; target < 1 s)"
        )
    verdicts = Counter(o.verdict for r in results.values() for o in r.outcomes)
    print(f"  verdicts (specs already carry the edits): {dict(verdicts)}")
    return results


def bench_diff(results) -> None:
    pairs = []
    for result in results.values():
        before, after = result.tree_before.files, result.tree_after.files
        for path in sorted(set(before) | set(after)):
            if before.get(path) != after.get(path) and path in before and path in after:
                pairs.append((path, before[path], after[path]))
    start = time.perf_counter()
    for path, old, new in pairs:
        file_diff(path, old, new)
    ours = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as folder:
        written = []
        for index, (_, old, new) in enumerate(pairs):
            a, b = Path(folder, f"{index}.a"), Path(folder, f"{index}.b")
            a.write_bytes(old)
            b.write_bytes(new)
            written.append((a, b))
        start = time.perf_counter()
        for a, b in written:
            subprocess.run(["diff", "-u", str(a), str(b)], capture_output=True, check=False)
        baseline = time.perf_counter() - start
    size = sum(len(o) + len(n) for _, o, n in pairs) / 1e6
    print(
        f"diff: {len(pairs)} changed file pairs ({size:.1f} MB): ours {ours:.3f} s,"
        f" `diff -u` {baseline:.3f} s (one process per pair, as a baseline)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(
        os.environ.get("AZLDRIFT_SHARED", Path(__file__).resolve().parents[2] / "shared")
    )
    parser.add_argument("--shared", type=Path, default=default)
    args = parser.parse_args()
    data = args.shared / "data" / "azurelinux-4.0"
    start = time.perf_counter()
    components = read_tarball(data / "specs.tar.xz")
    print(
        f"read specs.tar.xz (xz + tar, not part of the target): {time.perf_counter() - start:.2f} s"
    )
    bench_parse(components)
    config = data / "config"
    start = time.perf_counter()
    overlays = load_real_overlays(config)
    count = sum(len(o) for o in overlays.values())
    took = time.perf_counter() - start
    print(f"loaded {count} overlays of {len(overlays)} components: {took:.2f} s")
    results = bench_render(components, overlays, config)
    bench_diff(results)


if __name__ == "__main__":
    main()
