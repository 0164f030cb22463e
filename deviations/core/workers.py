"""Work on untrusted input in worker processes that can be stopped.

A thread cannot be stopped from outside; a process can.  `Workers` runs a function in
one of up to `size` worker processes and waits at most `timeout` seconds for its result:
when the time is up, that worker is killed (SIGKILL) and a fresh one takes its place the
next time one is needed, so a runaway computation costs its budget and nothing more.

Workers are started lazily (work that never needs one starts none) from a fork server
(multiprocessing's "forkserver": forked from a small single-threaded process, not from
the caller, whose threads and open database connections a fork would copy), and with
`preload` modules already imported, so a replacement is ready in milliseconds.  The
function and its arguments and result travel pickled over a pipe: the function must be
importable by name, and a worker imports nothing the function's module does not.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext, SpawnContext
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

T = TypeVar("T")

_STOP_SECONDS = 5.0  # how long a worker asked to stop may take before it is killed


class Timeout(Exception):
    """The function ran longer than its budget; its worker was killed."""


class WorkerDied(Exception):
    """The worker process ended without an answer (killed, out of memory, crashed)."""


class WorkerFailed(Exception):
    """The function raised an exception that could not travel back as itself."""


def _serve(conn: Connection) -> None:
    """A worker's loop: (function, args) in, ("ok", result) or ("raised", exception) out."""
    # Ctrl-C is for the parent, which stops its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        function, args = task
        try:
            answer: tuple[str, Any] = ("ok", function(*args))
        except Exception as exc:  # noqa: BLE001 - whatever it raises is the caller's answer
            answer = ("raised", exc)
        try:
            conn.send(answer)
        except Exception as exc:  # noqa: BLE001 - an unpicklable answer: say what it was
            text = f"{type(answer[1]).__name__}: {answer[1]}"
            conn.send(("raised", WorkerFailed(f"{text} (could not be returned: {exc})")))


class _Worker:
    def __init__(self, context: ForkServerContext | SpawnContext) -> None:
        self.conn, child = context.Pipe()
        self.process: BaseProcess = context.Process(
            target=_serve, args=(child,), daemon=True, name="azldrift-worker"
        )
        self.process.start()
        child.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.process.join(_STOP_SECONDS)
        self.kill()

    def kill(self) -> int | None:
        """Kill it (if it still runs); its exit status (negative: the signal that ended it)."""
        self.process.join(0.1)  # one that just died: its own status, not our SIGKILL
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        code = self.process.exitcode
        self.conn.close()
        self.process.close()
        return code


class Workers:
    """Up to `size` worker processes; `call()` is safe from many threads at once."""

    def __init__(
        self,
        size: int,
        *,
        preload: Sequence[str] = (),
        context: ForkServerContext | SpawnContext | None = None,
    ) -> None:
        self.size = max(1, size)
        if context is None:
            context = multiprocessing.get_context("forkserver")
            if preload:
                context.set_forkserver_preload(list(preload))
        self._context = context
        self._idle: list[_Worker] = []
        self._started = 0
        self._lock = threading.Lock()
        self._free = threading.Semaphore(self.size)
        self._closed = False

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def started(self) -> int:
        """How many worker processes were started so far (replacements included)."""
        return self._started

    def _take(self) -> _Worker:
        with self._lock:
            if self._closed:
                raise RuntimeError("the workers are closed")
            if self._idle:
                return self._idle.pop()
            self._started += 1
        return _Worker(self._context)

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            if not self._closed:
                self._idle.append(worker)
                return
        worker.stop()

    def call(self, function: Callable[..., T], *args: Any, timeout: float) -> T:
        """function(*args) in a worker; Timeout after `timeout` seconds of its work.

        The budget starts when the worker has the task: waiting for a free worker does
        not count.  An exception the function raises is raised here.
        """
        with self._free:
            worker = self._take()
            try:
                worker.conn.send((function, args))
                if not worker.conn.poll(timeout):
                    raise Timeout(f"still running after {timeout:g} s; stopped")
                status, value = worker.conn.recv()
            except Timeout:
                worker.kill()
                raise
            except (EOFError, OSError) as exc:
                code = worker.kill()
                how = f"exit status {code}" if code is None or code >= 0 else _signal_name(code)
                raise WorkerDied(f"the worker process ended without an answer ({how})") from exc
            except BaseException:
                worker.kill()  # interrupted while it works: it must not answer someone else
                raise
            self._give_back(worker)
        if status == "raised":
            raise value
        return value  # type: ignore[no-any-return]

    def close(self) -> None:
        """Stop every idle worker (a busy one is stopped when its call returns)."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()


def _signal_name(code: int) -> str:
    try:
        return f"signal {signal.Signals(-code).name}"
    except ValueError:
        return f"signal {-code}"


def cpu_count() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
