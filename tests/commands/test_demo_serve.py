"""`manage.py demo` (what bin/run runs) ends by serving the UI on 127.0.0.1:$PORT."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_demo_imports_syncs_and_serves_the_ui(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "AZLDRIFT_CACHE_DIR": str(tmp_path / "cache"),
        "PORT": str(port),
        "DEBUG": "0",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], env=env, check=True, cwd=ROOT)
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [*manage, "demo", "--work-dir", str(tmp_path / "work")],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, f"demo exited early:\n{log.read_text()}"
            try:
                if requests.get(f"{base}/health/", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, f"never served:\n{log.read_text()}"
            time.sleep(0.5)
        assert f"azldrift is serving on {base}/" in log.read_text()

        session = requests.Session()
        login = session.get(f"{base}/login/", timeout=10)
        assert login.status_code == 200
        # Static files come from WhiteNoise, with hashed (cache-forever) names.
        css = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', login.text)
        assert css, "the stylesheet is not served under a hashed name"
        sheet = session.get(base + css.group(1), timeout=10)
        assert sheet.status_code == 200 and "text/css" in sheet.headers["Content-Type"]
        token = session.cookies["csrftoken"]
        home = session.post(
            f"{base}/login/",
            data={"username": "admin", "password": "admin-demo", "csrfmiddlewaretoken": token},
            headers={"Referer": f"{base}/login/"},
            timeout=10,
        )
        assert home.status_code == 200 and "<h1>Overview</h1>" in home.text
        components = session.get(f"{base}/components/?q=curl", timeout=10)
        assert ">curl</a>" in components.text
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
