"""One sync at a time, dead runs taken over, killed workers resumed, workers sharing a run."""

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from deviations.domain.sync import SyncAlreadyRunning, SyncRequest, start_sync
from deviations.domain.sync import runs as runs_module
from deviations.models import ComponentSync, SyncRun
from tests import factories
from tests.support import subprocess_env, wait_until

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def active_run(**fields) -> SyncRun:
    now = timezone.now()
    values = {
        "status": SyncRun.Status.RUNNING,
        "created_at": now,
        "started_at": now,
        "heartbeat_at": now,
        "total": 10,
        "done": 3,
    }
    values.update(fields)
    return SyncRun.objects.create(**values)


def test_a_second_sync_is_refused_while_one_runs(upstream):
    upstream.standard("x")
    factories.make_component("x")
    running = active_run(options={"owner": {"host": "elsewhere", "pid": 1, "inline": True}})
    with pytest.raises(SyncAlreadyRunning) as caught:
        start_sync(SyncRequest(base_uri=upstream.template))
    message = str(caught.value)
    assert f"sync #{running.pk} is already running" in message
    assert "3/10 components done" in message
    assert "only one sync runs at a time" in message
    assert SyncRun.objects.count() == 1
    assert not ComponentSync.objects.exists()


def test_the_database_constraint_is_the_lock():
    from django.db import IntegrityError, transaction

    active_run()
    with pytest.raises(IntegrityError), transaction.atomic():
        active_run(status=SyncRun.Status.QUEUED)


def test_a_run_without_heartbeat_is_abandoned_and_taken_over(upstream, settings):
    upstream.standard("x")
    factories.make_component("x")
    settings.SYNC_STALE_SECONDS = 60
    dead = active_run(heartbeat_at=timezone.now() - dt.timedelta(minutes=5))
    run = start_sync(SyncRequest(base_uri=upstream.template))
    dead.refresh_from_db()
    assert dead.status == SyncRun.Status.ABANDONED
    assert "no heartbeat since" in dead.message and dead.finished_at
    assert run.status == SyncRun.Status.SUCCEEDED


def test_a_run_whose_process_exited_is_abandoned_at_once(upstream):
    upstream.standard("x")
    factories.make_component("x")
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead = active_run(
        options={"owner": {"host": socket.gethostname(), "pid": child.pid, "inline": True}}
    )
    start_sync(SyncRequest(base_uri=upstream.template))
    dead.refresh_from_db()
    assert dead.status == SyncRun.Status.ABANDONED
    assert "its process has exited" in dead.message


def test_nothing_to_sync_still_records_a_finished_run():
    run = start_sync(SyncRequest())
    assert (run.status, run.total, run.done) == ("succeeded", 0, 0)
    assert not runs_module.abandon_dead_runs()


# --- other processes ---------------------------------------------------------------------


class SilentGitServer:
    """Accepts git:// connections and never answers: a fetch that hangs."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


def test_a_killed_worker_leaves_whole_components_and_the_next_sync_resumes(upstream, tmp_path):
    names = [f"pkg{i}" for i in range(6)]
    for name in names:
        repo = upstream.standard(name, drift=1)
        factories.make_component(name, dist_git_url=repo.url)
    server = SilentGitServer()
    hang = factories.make_component(
        "zz-hang", dist_git_url=f"git://127.0.0.1:{server.port}/zz-hang.git"
    )
    env = subprocess_env(tmp_path, AZLDRIFT_SYNC_GIT_TIMEOUT="600")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "sync", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        wait_until(lambda: SyncRun.objects.filter(done=6).exists() or worker.poll() is not None)
        assert worker.poll() is None, worker.stderr.read().decode()
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its git process, mid-fetch
        worker.wait()
    finally:
        server.close()
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    killed = SyncRun.objects.get()
    assert (killed.status, killed.done, killed.total) == ("running", 6, 7)
    synced = ComponentSync.objects.select_related("component")
    assert sorted(s.component.name for s in synced) == names  # nothing of zz-hang
    assert all(s.input_fingerprint and s.tip_commit and s.commits_behind == 1 for s in synced)

    fixed = upstream.standard("zz-hang")
    hang.dist_git_url = fixed.url
    hang.save()
    resumed = start_sync(SyncRequest())
    killed.refresh_from_db()
    assert killed.status == "abandoned"
    assert (resumed.status, resumed.skipped, resumed.changed) == ("succeeded", 6, 1)
    assert ComponentSync.objects.count() == 7


def test_two_worker_processes_share_one_sync(upstream, tmp_path, settings):
    if connection.vendor != "postgresql":
        pytest.skip("database task workers are exercised on PostgreSQL (CI)")
    env = subprocess_env(tmp_path, TASKS_BACKEND="database")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.CACHE_DIR = tmp_path / "cache"
    for i in range(6):
        upstream.standard(f"w{i}", drift=i % 3)
        factories.make_component(f"w{i}")
    from django_tasks_db.models import DBTaskResult

    run = start_sync(SyncRequest(base_uri=upstream.template, batch_size=3))
    assert run.status == "queued"
    assert DBTaskResult.objects.count() == 2
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--batch",
                "--max-tasks",
                "1",
                "--no-startup-delay",
                "--interval",
                "0.1",
                "--worker-id",
                f"worker-{i}",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for i in range(2)
    ]
    for worker in workers:
        out, _ = worker.communicate(timeout=180)
        assert worker.returncode == 0, out.decode()
    run.refresh_from_db()
    assert (run.status, run.done, run.changed, run.errors) == ("succeeded", 6, 6, 0)
    assert ComponentSync.objects.count() == 6
    results = DBTaskResult.objects.order_by("enqueued_at")
    assert [r.status for r in results] == ["SUCCESSFUL", "SUCCESSFUL"]
    assert sorted(w for r in results for w in r.worker_ids) == ["worker-0", "worker-1"]
