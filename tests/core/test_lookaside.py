"""The lookaside client: `sources` files, URLs, and verified downloads over real HTTPS."""

import hashlib

import pytest

from deviations.core.lookaside import (
    ErrorKind,
    LookasideCache,
    LookasideError,
    LookasidePolicy,
    SourceEntry,
    check_template,
    lookaside_url,
    parse_sources,
)
from tests.lookaside_server import Route, certificate, http_server, https_server  # noqa: F401

FEDORA = "https://src.fedoraproject.org/repo/pkgs/$pkg/$filename/$hashtype/$hash/$filename"
DATA = b"a release tarball, or something standing in for one\n" * 100


def sha512(data: bytes) -> str:
    return hashlib.sha512(data).hexdigest()


def entry_for(data: bytes, name: str = "demo-1.0.tar.gz") -> SourceEntry:
    return SourceEntry(name, "SHA512", sha512(data))


def cache_for(tmp_path, certificate, **policy) -> LookasideCache:  # noqa: F811
    cert, _ = certificate
    values = {"ca_bundle": str(cert), "retries": 0, "backoff": 0.0, **policy}
    return LookasideCache(tmp_path / "lookaside", LookasidePolicy(**values))


def serve(server, data: bytes, entry: SourceEntry, package: str = "demo", **route) -> str:
    path = server.path_for(package, entry.filename, entry.hash_type, entry.hash)
    server.routes[path] = Route(data, **route)
    return path


def cached_files(cache: LookasideCache) -> list[str]:
    if not cache.root.exists():
        return []
    return sorted(p.name for p in cache.root.rglob("*") if p.is_file())


def fails(kind: str, call) -> LookasideError:
    with pytest.raises(LookasideError) as caught:
        call()
    assert caught.value.kind == kind, str(caught.value)
    return caught.value


# --- the sources file -------------------------------------------------------------------


def test_both_sources_formats():
    text = (
        "# a comment\n"
        f"SHA512 (curl-8.15.0.tar.xz) = {'A' * 128}\r\n"
        "\n"
        "7b74551e63f8ee6aab6fbc86676c0d37  zip30.tar.gz\n"
        f"sha256 (extra+1.0~rc1.tar.gz) = {'0' * 64}\n"
    )
    entries = parse_sources(text.encode())
    assert [(e.filename, e.hash_type, e.hash, e.line) for e in entries] == [
        ("curl-8.15.0.tar.xz", "SHA512", "a" * 128, 2),
        ("zip30.tar.gz", "MD5", "7b74551e63f8ee6aab6fbc86676c0d37", 4),
        ("extra+1.0~rc1.tar.gz", "SHA256", "0" * 64, 5),
    ]
    assert parse_sources(b"") == []


@pytest.mark.parametrize(
    ("line", "kind", "says"),
    [
        ("SHA512 curl.tar.xz = abc", ErrorKind.SOURCES_INVALID, "neither"),
        (f"SHA1 (a.tar.gz) = {'0' * 40}", ErrorKind.SOURCES_INVALID, "unsupported hash type"),
        (f"SHA512 (a.tar.gz) = {'0' * 64}", ErrorKind.SOURCES_INVALID, "128 hex digits"),
        ("0123  a.tar.gz", ErrorKind.SOURCES_INVALID, "32 hex digits"),
        (f"SHA512 (../../etc/passwd) = {'0' * 128}", ErrorKind.REFUSED, "path separator"),
        (f"SHA512 (..) = {'0' * 128}", ErrorKind.REFUSED, "names a folder"),
        (f"SHA512 (a..b.tar) = {'0' * 128}", ErrorKind.REFUSED, "'..'"),
        (f"SHA512 (a\\b.tar) = {'0' * 128}", ErrorKind.REFUSED, "path separator"),
        (f"SHA512 (a b.tar) = {'0' * 128}", ErrorKind.REFUSED, "whitespace"),
        (f"SHA512 (a\x1bb.tar) = {'0' * 128}", ErrorKind.REFUSED, "control characters"),
        (f"SHA512 ($hash.tar) = {'0' * 128}", ErrorKind.REFUSED, "placeholder"),
        (f"{'0' * 32}  a/b.tar", ErrorKind.REFUSED, "path separator"),
    ],
)
def test_bad_sources_lines_are_refused(line, kind, says):
    error = fails(kind, lambda: parse_sources(f"# header\n{line}\n"))
    assert "line 2" in str(error)
    assert says in str(error)


def test_duplicate_and_undecodable_sources():
    twice = f"SHA512 (a.tar) = {'0' * 128}\nSHA512 (a.tar) = {'1' * 128}\n"
    assert "already listed on line 1" in str(
        fails(ErrorKind.SOURCES_INVALID, lambda: parse_sources(twice))
    )
    fails(ErrorKind.SOURCES_INVALID, lambda: parse_sources(b"\xff\xfe (a) = 00\n"))


# --- URLs -------------------------------------------------------------------------------


def test_url_from_the_fedora_template():
    entry = SourceEntry("curl-8.15.0.tar.xz", "SHA512", "ab" * 64)
    assert lookaside_url(FEDORA, "curl", entry) == (
        "https://src.fedoraproject.org/repo/pkgs/curl/curl-8.15.0.tar.xz/sha512/"
        f"{'ab' * 64}/curl-8.15.0.tar.xz"
    )
    odd = SourceEntry("a#b%c?d+e.tar", "MD5", "0" * 32)
    url = lookaside_url("https://h.example/$pkg/$filename/$hashtype/$hash", "p", odd)
    assert url == f"https://h.example/p/a%23b%25c%3Fd+e.tar/md5/{'0' * 32}"
    assert check_template(FEDORA) == FEDORA


@pytest.mark.parametrize(
    ("template", "package", "name", "kind"),
    [
        ("http://h.example/$pkg/$filename", "curl", "a.tar", ErrorKind.REFUSED),
        ("ftp://h.example/$pkg/$filename", "curl", "a.tar", ErrorKind.REFUSED),
        ("ext::sh -c touch% /tmp/x", "curl", "a.tar", ErrorKind.REFUSED),
        ("https://user:pw@h.example/$filename", "curl", "a.tar", ErrorKind.REFUSED),
        ("https:///$filename", "curl", "a.tar", ErrorKind.REFUSED),
        ("file://host/srv/$filename", "curl", "a.tar", ErrorKind.REFUSED),
        ("file:///srv/../etc/$filename", "curl", "a.tar", ErrorKind.REFUSED),
        (FEDORA, "../curl", "a.tar", ErrorKind.REFUSED),
        (FEDORA, "-curl", "a.tar", ErrorKind.REFUSED),
        (FEDORA, "curl", "../a.tar", ErrorKind.REFUSED),
        (FEDORA, "curl", "a\nb.tar", ErrorKind.REFUSED),
        ("", "curl", "a.tar", ErrorKind.UNCONFIGURED),
    ],
)
def test_unsafe_urls_are_refused(template, package, name, kind):
    entry = SourceEntry(name, "MD5", "0" * 32)
    fails(kind, lambda: lookaside_url(template, package, entry))


# --- downloads over HTTPS -----------------------------------------------------------------


def test_download_verify_then_cache_hit_without_network(tmp_path, https_server, certificate):  # noqa: F811
    entry = entry_for(DATA)
    path = serve(https_server, DATA, entry)
    cache = cache_for(tmp_path, certificate)

    assert cache.read(https_server.template, "demo", entry) == DATA
    assert https_server.requests == [path]
    stored = cache.path_for(entry)
    assert stored == tmp_path / "lookaside" / "sha512" / entry.hash[:2] / entry.hash
    assert stored.read_bytes() == DATA

    https_server.stop()  # no server at all now: a hit must not need one
    again = cache_for(tmp_path, certificate)
    assert again.read(https_server.template, "demo", entry) == DATA
    assert again.fetch(https_server.template, "demo", entry) == stored
    assert https_server.requests == [path]


def test_not_found(tmp_path, https_server, certificate):  # noqa: F811
    entry = entry_for(DATA)
    cache = cache_for(tmp_path, certificate)
    error = fails(ErrorKind.NOT_FOUND, lambda: cache.read(https_server.template, "demo", entry))
    assert "demo-1.0.tar.gz" in str(error) and "HTTP 404" in str(error)
    assert cached_files(cache) == []


def test_hash_mismatch_is_never_cached(tmp_path, https_server, certificate):  # noqa: F811
    entry = entry_for(DATA)
    serve(https_server, DATA.replace(b"tarball", b"trojan!"), entry)
    cache = cache_for(tmp_path, certificate)
    error = fails(
        ErrorKind.HASH_MISMATCH, lambda: cache.fetch(https_server.template, "demo", entry)
    )
    assert entry.hash in str(error)
    assert cached_files(cache) == []


@pytest.mark.parametrize("length", [True, False], ids=["content-length", "streamed"])
def test_oversize(tmp_path, https_server, certificate, length):  # noqa: F811
    entry = entry_for(DATA)
    serve(https_server, DATA, entry, length=length)
    cache = cache_for(tmp_path, certificate, max_bytes=len(DATA) - 1)
    error = fails(ErrorKind.TOO_LARGE, lambda: cache.fetch(https_server.template, "demo", entry))
    assert f"{len(DATA) - 1:,} bytes" in str(error)
    assert cached_files(cache) == []
    assert cache_for(tmp_path, certificate, max_bytes=len(DATA)).read(
        https_server.template, "demo", entry
    )


def test_redirects_stay_on_https(tmp_path, https_server, certificate, http_server):  # noqa: F811
    entry = entry_for(DATA)
    first = https_server.path_for("demo", entry.filename, "sha512", entry.hash)
    cache = cache_for(tmp_path, certificate)

    https_server.routes[first] = Route(location="file:///etc/passwd")
    error = fails(ErrorKind.REFUSED, lambda: cache.fetch(https_server.template, "demo", entry))
    assert "redirects to a URL that is not allowed" in str(error) and "file" in str(error)

    http_server.routes["/plain"] = Route(DATA)
    https_server.routes[first] = Route(location=http_server.url("/plain"))
    error = fails(ErrorKind.REFUSED, lambda: cache.fetch(https_server.template, "demo", entry))
    assert "'http'" in str(error)
    assert http_server.requests == []  # never contacted

    https_server.routes["/mirror/demo.tar.gz"] = Route(DATA)
    https_server.routes[first] = Route(location="/mirror/demo.tar.gz", status=301)
    assert cache.read(https_server.template, "demo", entry) == DATA
    assert https_server.requests[-2:] == [first, "/mirror/demo.tar.gz"]


def test_plain_http_is_refused_before_any_request(tmp_path, http_server, certificate):  # noqa: F811
    entry = entry_for(DATA)
    serve(http_server, DATA, entry)
    cache = cache_for(tmp_path, certificate)
    error = fails(ErrorKind.REFUSED, lambda: cache.fetch(http_server.template, "demo", entry))
    assert "plain http is refused" in str(error)
    assert http_server.requests == []


def test_hostile_names_never_reach_the_server(tmp_path, https_server, certificate):  # noqa: F811
    cache = cache_for(tmp_path, certificate)
    template = https_server.template
    for package, name in [("demo", "../../x.tar"), ("../demo", "x.tar"), ("demo", "a/b.tar")]:
        entry = SourceEntry(name, "SHA512", sha512(DATA))
        fails(ErrorKind.REFUSED, lambda p=package, e=entry: cache.fetch(template, p, e))
    assert https_server.requests == []


def test_timeouts_are_retried_then_reported(tmp_path, https_server, certificate):  # noqa: F811
    entry = entry_for(DATA)
    path = serve(https_server, DATA, entry, delay=2.0)
    cache = cache_for(tmp_path, certificate, timeout=0.3, retries=1)
    error = fails(ErrorKind.TIMEOUT, lambda: cache.fetch(https_server.template, "demo", entry))
    assert "after 2 attempt(s)" in str(error)
    assert https_server.requests == [path, path]

    stalled = entry_for(DATA, "stalled.tar.gz")
    serve(https_server, DATA, stalled, stall=2.0)
    fails(
        ErrorKind.TIMEOUT,
        lambda: cache_for(tmp_path, certificate, timeout=0.3).fetch(
            https_server.template, "demo", stalled
        ),
    )
    assert cached_files(cache) == []


def test_server_trouble_is_retried(tmp_path, https_server, certificate):  # noqa: F811
    entry = entry_for(DATA)
    path = serve(https_server, DATA, entry, fail_first=2)
    fails(
        ErrorKind.FAILED,
        lambda: cache_for(tmp_path, certificate, retries=1).fetch(
            https_server.template, "demo", entry
        ),
    )
    assert https_server.requests == [path, path]
    cache = cache_for(tmp_path, certificate, retries=2)
    https_server.routes[path].fail_first = 2
    assert cache.read(https_server.template, "demo", entry) == DATA


def test_tls_is_verified(tmp_path, https_server):  # noqa: F811
    entry = entry_for(DATA)
    serve(https_server, DATA, entry)
    cache = LookasideCache(tmp_path / "lookaside", LookasidePolicy(retries=0))  # system CAs
    error = fails(ErrorKind.FAILED, lambda: cache.fetch(https_server.template, "demo", entry))
    assert "TLS" in str(error)


# --- file:// (offline fixtures, the demo) -----------------------------------------------


def test_file_urls_are_read_directly(tmp_path):
    entry = entry_for(DATA)
    folder = tmp_path / "lookaside-folder" / "demo" / entry.filename / "sha512" / entry.hash
    folder.mkdir(parents=True)
    (folder / entry.filename).write_bytes(DATA)
    root = (tmp_path / "lookaside-folder").as_uri()
    template = root + "/$pkg/$filename/$hashtype/$hash/$filename"
    cache = LookasideCache(tmp_path / "cache", LookasidePolicy(retries=0))
    assert cache.read(template, "demo", entry) == DATA
    assert cache.has(entry)

    missing = entry_for(b"other")
    fails(ErrorKind.NOT_FOUND, lambda: cache.fetch(template, "demo", missing))
    (folder / entry.filename).write_bytes(b"changed")
    fresh = LookasideCache(tmp_path / "cache2", LookasidePolicy(max_bytes=3))
    fails(ErrorKind.TOO_LARGE, lambda: fresh.fetch(template, "demo", entry))
    fails(
        ErrorKind.HASH_MISMATCH,
        lambda: LookasideCache(tmp_path / "cache3").fetch(template, "demo", entry),
    )


def test_a_damaged_cache_file_is_fetched_again(tmp_path, https_server, certificate):  # noqa: F811
    entry = entry_for(DATA)
    path = serve(https_server, DATA, entry)
    cache = cache_for(tmp_path, certificate)
    cache.fetch(https_server.template, "demo", entry)
    cache.path_for(entry).write_bytes(b"bit rot")
    assert cache.read(https_server.template, "demo", entry) == DATA
    assert https_server.requests == [path, path]
