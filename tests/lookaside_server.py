"""A real HTTPS server for tests of our HTTP clients: `http.server` in a thread behind `ssl`.

The certificate is a throwaway self-signed one made by the `openssl` CLI for 127.0.0.1;
tests hand it to requests as the CA bundle (`LookasidePolicy.ca_bundle`, the
`LOOKASIDE_CA_BUNDLE` or `UPSTREAM_CA_BUNDLE` setting).  Routes say what a fixed path
answers: bytes (200), a status, a redirect, a stall before or during the body.
Handlers answer whole protocols (`tests/upstream_services.py` speaks Bugzilla, Pagure,
GitHub, GitLab and Anitya through them): a handler gets the path and the request's
headers and returns a `Reply`, or None to pass.  Every request is logged with its
headers.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """(cert.pem, key.pem) for 127.0.0.1 and localhost, valid for a day."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command line tool to make a test certificate")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    location: str = ""  # a redirect's target
    delay: float = 0.0  # seconds before answering at all
    stall: float = 0.0  # seconds after half of the body
    length: bool = True  # send Content-Length (else the body runs until close)
    fail_first: int = 0  # answer 503 this many times first


@dataclass
class Reply:
    """A handler's answer: status, body and headers, sent after `delay` seconds."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    length: bool = True  # send Content-Length (else the body runs until close)


ProtocolHandler = Callable[[str, dict[str, str]], Reply | None]


class LookasideServer:
    """Serves `routes` over HTTPS (or plain HTTP with tls=False) until stopped."""

    def __init__(self, cert: Path | None = None, key: Path | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.handlers: list[ProtocolHandler] = []
        self.requests: list[str] = []
        self.request_headers: list[dict[str, str]] = []
        self.cert = cert
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                server.requests.append(self.path)
                headers = {k.lower(): v for k, v in self.headers.items()}
                server.request_headers.append(headers)
                for handler in server.handlers:
                    reply = handler(self.path, headers)
                    if reply is not None:
                        self._reply(reply)
                        return
                route = server.routes.get(self.path)
                if route is None:
                    self._send(404, b"not found\n")
                    return
                if route.delay:
                    time.sleep(route.delay)
                if route.fail_first:
                    route.fail_first -= 1
                    self._send(503, b"busy\n")
                    return
                if route.location:
                    self.send_response(route.status if route.status != 200 else 302)
                    self.send_header("Location", route.location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self._send(route.status, route.body, route.length, route.stall)

            def _reply(self, reply: Reply) -> None:
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    if reply.status == 304:
                        self.end_headers()
                        return
                    if reply.length:
                        self.send_header("Content-Length", str(len(reply.body)))
                    else:
                        self.send_header("Connection", "close")
                        self.close_connection = True
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                    self.close_connection = True

            def _send(self, status, body, length=True, stall=0.0) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/octet-stream")
                if length:
                    self.send_header("Content-Length", str(len(body)))
                else:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                half = len(body) // 2
                try:
                    self.wfile.write(body[:half])
                    self.wfile.flush()
                    if stall:
                        time.sleep(stall)
                    self.wfile.write(body[half:])
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if cert is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.scheme = "https" if cert is not None else "http"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/") -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    @property
    def template(self) -> str:
        """A Fedora-shaped lookaside-base-uri on this server."""
        return self.url("/repo/pkgs/$pkg/$filename/$hashtype/$hash/$filename")

    def path_for(self, package: str, filename: str, hash_type: str, digest: str) -> str:
        return f"/repo/pkgs/{package}/{filename}/{hash_type.lower()}/{digest}/{filename}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture(scope="session")
def certificate(tmp_path_factory):
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def https_server(certificate):
    server = LookasideServer(*certificate)
    yield server
    server.stop()


@pytest.fixture
def http_server():
    server = LookasideServer()
    yield server
    server.stop()
