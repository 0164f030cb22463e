"""Worker processes with a time budget: a runaway call is stopped, not waited for."""

from __future__ import annotations

import os
import threading
import time

import pytest

from deviations.core.workers import Timeout, WorkerDied, Workers


@pytest.fixture
def workers():
    with Workers(2) as pool:
        yield pool


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_call_returns_its_result_and_raises_its_exception(workers):
    assert workers.call(pow, 2, 10, timeout=30) == 1024
    with pytest.raises(ValueError, match="invalid literal"):
        workers.call(int, "x", timeout=30)
    # Both ran in the same worker, kept between calls.
    assert workers.started == 1
    assert workers.call(os.getpid, timeout=30) != os.getpid()


def test_a_runaway_call_is_killed_at_its_budget_and_its_worker_replaced(workers):
    pid = workers.call(os.getpid, timeout=30)
    started = time.monotonic()
    with pytest.raises(Timeout, match=r"still running after 0\.5 s; stopped"):
        workers.call(time.sleep, 60, timeout=0.5)
    assert time.monotonic() - started < 30  # not the 60 s the call wanted
    assert _gone(pid)  # killed and reaped
    again = workers.call(os.getpid, timeout=30)
    assert again != pid and workers.started == 2


def test_a_worker_that_dies_is_reported_and_replaced(workers):
    with pytest.raises(WorkerDied, match="exit status 3"):
        workers.call(os._exit, 3, timeout=30)
    assert workers.call(pow, 3, 2, timeout=30) == 9


def test_calls_from_several_threads_share_the_workers(workers):
    pids: list[int] = []

    def call() -> None:
        workers.call(time.sleep, 0.3, timeout=30)
        pids.append(workers.call(os.getpid, timeout=30))

    threads = [threading.Thread(target=call) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(pids) == 5 and len(set(pids)) <= 2 and workers.started == 2


def test_closing_stops_every_worker():
    pool = Workers(1)
    pid = pool.call(os.getpid, timeout=30)
    pool.close()
    assert _gone(pid)
    with pytest.raises(RuntimeError, match="closed"):
        pool.call(os.getpid, timeout=30)
