"""bench/load.py: a real run in quick mode, and how it judges locust's figures.

The run is the whole thing at small size (SQLite in a temporary folder, the real config's
tip, 40 fixture repositories, 5 users for 15 s against gunicorn, a db_worker syncing);
it needs ../shared and skips without it.  The figures of the full run are in the README
("Proof under load").
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys

import pytest

from tests.support import ROOT, shared_path

SCRIPT = ROOT / "bench" / "load.py"
ROW = re.compile(
    r"^(?P<name>\S.*?)\s+(?P<requests>\d+)\s+(?P<errors>\d+)\s+(?P<p50>\d+)\s+(?P<p95>\d+)"
    r"\s+(?P<p99>\d+)\s+(?P<max>\d+)\s+(?P<ratio>[\d.]+)x$"
)


def load_module():
    spec = importlib.util.spec_from_file_location("bench_load", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_a_quick_run_prints_every_figure_and_passes(tmp_path):
    shared_path("bin", "make-distgit-fixture")
    shared_path("data", "azurelinux-4.0", "config")
    work = tmp_path / "work"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--database-url", "sqlite", "--work", str(work)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert re.search(r"^requests: [1-9]\d* \([\d.]+/s\)   errors: 0$", out, re.M), out
    header = next(line for line in out.splitlines() if line.startswith("page "))
    assert header.split() == [
        "page", "requests", "errors", "p50", "ms", "p95", "ms", "p99", "ms", "max", "ms",
        "p50/floor",
    ]  # fmt: skip
    rows = {m["name"]: m for m in map(ROW.match, out.splitlines()) if m}
    assert next(iter(rows)) == "login page (floor)"  # the floor first, its ratio 1.0
    assert rows["login page (floor)"]["ratio"] == "1.0"
    # Every kind of user worked: logged in, decided with a real POST, exported CSV.
    assert int(rows["log in (POST)"]["requests"]) == 5
    assert any(name.startswith("decide: ") for name in rows), out
    assert any(name.startswith("export ") for name in rows), out
    for row in rows.values():
        assert row["errors"] == "0"
        # locust keeps percentiles to two significant digits (max is exact).
        assert int(row["p50"]) <= int(row["p95"]) <= int(row["p99"]) <= int(row["max"]) * 1.05 + 1
    assert re.search(r"^  sync run #1: succeeded, 40 components", out, re.M), out
    assert "failed logins recorded by django-axes: 0" in out
    assert re.search(r"^audit trail intact: \d+ events", out, re.M), out
    assert out.rstrip().endswith("load: OK")


STATS = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,"
    "75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n"
    "GET,login page (floor),10,0,5,5,4,9,100,1,0,5,5,5,5,6,8,9,9,9,9,9\n"
    "GET,overview,20,{failed},40,45,30,90,100,2,0,40,41,42,43,50,80,90,90,90,90,90\n"
    ",Aggregated,30,{failed},30,30,4,90,100,3,0,30,30,30,30,40,80,90,90,90,90,90\n"
)


def test_failed_requests_fail_the_run_and_are_shown(tmp_path, capsys):
    module = load_module()
    prefix = tmp_path / "locust"
    (tmp_path / "locust_stats.csv").write_text(STATS.format(failed=2))
    (tmp_path / "locust_failures.csv").write_text(
        "Method,Name,Error,Occurrences,First Seen,Last Seen\n"
        "GET,overview,CatchResponseError('/: 500'),2,1,2\n"
    )
    assert module.summarize(prefix, 10.0) == ["2 requests failed"]
    out = capsys.readouterr().out
    assert "requests: 30 (3.0/s)   errors: 2" in out
    assert "failed 2x overview: CatchResponseError('/: 500')" in out
    floor, overview = (line for line in out.splitlines() if ROW.match(line))
    assert floor.startswith("login page (floor)") and floor.endswith("1.0x")
    assert overview.split()[1:] == ["20", "2", "40", "80", "90", "90", "8.0x"]

    (tmp_path / "locust_stats.csv").write_text(STATS.format(failed=0))
    (tmp_path / "locust_failures.csv").write_text("Method,Name,Error,Occurrences\n")
    assert module.summarize(prefix, 10.0) == []
