"""Fedora's lookaside cache: the `sources` file, each file's URL, verified downloads.

Dist-git keeps the spec and small sidecar files in git; release tarballs live in the
*lookaside cache*, named in the repository's `sources` file by file name and hash::

    SHA512 (curl-8.15.0.tar.xz) = 8a1c...        (the current format)
    7b74551e63f8ee6aab6fbc86676c0d37  zip30.tar.gz (the old one: MD5)

The URL of a file comes from the distro's `lookaside-base-uri` template, with `$pkg`,
`$filename`, `$hashtype` (lower case) and `$hash` replaced, as azldev does.  Everything
in a `sources` file comes from outside, so:

- file names must be plain names (no `/`, `\\`, `..`, whitespace, control characters,
  nor a `$` placeholder), package names are checked like the dist-git ones, hashes are
  hex of the right length for a known algorithm; substituted values are path-escaped;
- only `https://` URLs are downloaded (with `requests`: TLS verified, timeouts, bounded
  retries with back-off for network trouble, no automatic redirects: each hop is
  checked and must stay on https), plus `file://` read straight from disk for offline
  fixtures and the demo; `http://` and every other scheme are refused;
- a download streams into a temporary file, at most `max_bytes`, within a deadline;
  the hash is verified before the file is accepted, then the file is kept under
  `<cache>/<hashtype>/<hash[:2]>/<hash>`, so a later request for the same content needs
  no network at all.

Every failure is a `LookasideError` with a stable `kind` (see `ErrorKind`) and a
sentence naming the file and the URL.  Pure Python: no Django.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import threading
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

import requests
import urllib3

from deviations.core.distgit.remotes import check_package_name
from deviations.core.https import (
    BodyDeadline,
    BodyTooLarge,
    RedirectError,
    capped,
    declared_length,
    follow_redirects,
)
from deviations.core.urlcheck import UrlRefused, checked_parts
from deviations.vocabulary import LookasideIssue

from .distgit.errors import DistGitError
from .errors import KindedError

if TYPE_CHECKING:
    from _hashlib import HASH  # what hashlib.new() returns; hashlib does not name it

SOURCES_FILE = "sources"
MAX_NAME_BYTES = 255
CHUNK = 1 << 16

# Algorithm (as written in `sources`, upper case) -> hex digits of its digest.
HASH_LENGTHS: dict[str, int] = {"MD5": 32, "SHA256": 64, "SHA512": 128}
PLACEHOLDERS = ("$pkg", "$filename", "$hashtype", "$hash")

_MODERN = re.compile(r"([A-Za-z0-9]+)\s+\(([^)]+)\)\s+=\s+([A-Fa-f0-9]+)")
_LEGACY = re.compile(r"([A-Fa-f0-9]+)\s+(\S+)")
_TRANSIENT_STATUS = (408, 429, 500, 502, 503, 504)


# Stable identifiers of lookaside failures (recorded per component by the sync): the
# vocabulary's (deviations.vocabulary.sync_issues), under the name this module knows it by.
ErrorKind = LookasideIssue


class LookasideError(KindedError):
    """A problem fetching one file from the lookaside cache."""


@dataclass(frozen=True)
class SourceEntry:
    """One line of a `sources` file."""

    filename: str
    hash_type: str  # upper case: "SHA512", "SHA256", "MD5"
    hash: str  # lower-case hex
    line: int = 0  # 1-based, in the `sources` file

    def new_hasher(self) -> HASH:
        return hashlib.new(self.hash_type.lower(), usedforsecurity=False)


@dataclass(frozen=True)
class LookasidePolicy:
    """Limits for downloads (the sync builds one from the settings)."""

    timeout: float = 60.0  # seconds to connect, and between two reads
    deadline: float = 1800.0  # seconds for one whole file
    retries: int = 2  # extra attempts after network trouble or a 5xx/429
    backoff: float = 2.0  # seconds before the first retry; doubles each time
    max_bytes: int = 1 << 30
    max_redirects: int = 5
    ca_bundle: str | None = None  # CA certificates to trust (default: the system's/certifi's)


# --- names and the `sources` file ----------------------------------------------------


def _shown(value: str) -> str:
    return repr(value if len(value) <= 120 else value[:120] + "...")


def filename_problem(name: str) -> str | None:
    """Why `name` is not a safe plain file name (None when it is)."""
    if not name:
        return "it is empty"
    if name in (".", ".."):
        return "it names a folder"
    if "/" in name or "\\" in name:
        return "it contains a path separator"
    if ".." in name:
        return "it contains '..'"
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        return "it contains control characters"
    if any(ch.isspace() for ch in name):
        return "it contains whitespace"
    if any(p in name for p in PLACEHOLDERS):
        return "it contains a $ placeholder of the URL template"
    if len(name.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
        return f"it is longer than {MAX_NAME_BYTES} bytes"
    return None


def check_filename(name: str) -> str:
    problem = filename_problem(name)
    if problem:
        raise LookasideError(ErrorKind.REFUSED, f"file name {_shown(name)} refused: {problem}")
    return name


def _entry(hash_type: str, name: str, digest: str, line: int) -> SourceEntry:
    hash_type = hash_type.upper()
    where = f"`sources` line {line}"
    expected = HASH_LENGTHS.get(hash_type)
    if expected is None:
        raise LookasideError(
            ErrorKind.SOURCES_INVALID,
            f"{where}: unsupported hash type {hash_type!r} (only {', '.join(HASH_LENGTHS)})",
        )
    if len(digest) != expected:
        raise LookasideError(
            ErrorKind.SOURCES_INVALID,
            f"{where}: a {hash_type} hash has {expected} hex digits, not {len(digest)}",
        )
    problem = filename_problem(name)
    if problem:
        raise LookasideError(
            ErrorKind.REFUSED, f"{where}: file name {_shown(name)} refused: {problem}"
        )
    return SourceEntry(name, hash_type, digest.lower(), line)


def parse_sources(data: bytes | str) -> list[SourceEntry]:
    """Every entry of a `sources` file (blank lines and `#` comments skipped).

    Both formats, as azldev reads them; a line in neither, an unknown algorithm, a hash
    of the wrong length, an unsafe file name or a name listed twice is an error.
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LookasideError(
                ErrorKind.SOURCES_INVALID, f"`sources` is not UTF-8 text ({exc.reason})"
            ) from None
    entries: list[SourceEntry] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(data.split("\n"), start=1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        if found := _MODERN.fullmatch(text):
            entry = _entry(found.group(1), found.group(2), found.group(3), number)
        elif found := _LEGACY.fullmatch(text):
            entry = _entry("MD5", found.group(2), found.group(1), number)
        else:
            raise LookasideError(
                ErrorKind.SOURCES_INVALID,
                f"`sources` line {number} {_shown(text)} is neither 'HASHTYPE (name) = hash' "
                "nor 'hash  name'",
            )
        if entry.filename in seen:
            raise LookasideError(
                ErrorKind.SOURCES_INVALID,
                f"`sources` line {number}: {entry.filename!r} is already listed on line "
                f"{seen[entry.filename]}",
            )
        seen[entry.filename] = number
        entries.append(entry)
    return entries


# --- URLs -------------------------------------------------------------------------------


def _refuse(url: str, why: str) -> LookasideError:
    return LookasideError(ErrorKind.REFUSED, f"lookaside URL {_shown(url)} refused: {why}")


def check_url(url: str, *, schemes: tuple[str, ...] = ("https", "file")) -> str:
    """The URL unchanged if it may be fetched, else LookasideError (kind refused)."""
    try:
        parts = checked_parts(
            url, schemes, not_a_url="not an absolute URL (https://host/... or file:///path)"
        )
    except UrlRefused as why:
        raise _refuse(str(url), str(why)) from None
    if parts.scheme.lower() == "file":
        if parts.query:
            raise _refuse(url, "file URLs take no query")
        return url
    if parts.username or parts.password:
        raise _refuse(url, "credentials in URLs are not accepted")
    return url


def _escape(value: str) -> str:
    # As Go's url.PathEscape (what azldev uses): `/`, `?`, `#`, `%`, ... are escaped.
    return quote(value, safe="$&+:=@")


def lookaside_url(template: str, package: str, entry: SourceEntry) -> str:
    """The URL of one file: the template's placeholders replaced, every value checked."""
    if not template:
        raise LookasideError(
            ErrorKind.UNCONFIGURED,
            f"cannot fetch {entry.filename}: the distro has no lookaside-base-uri",
        )
    try:
        check_package_name(package)
    except DistGitError as exc:
        raise LookasideError(ErrorKind.REFUSED, str(exc)) from None
    check_filename(entry.filename)
    hash_type = entry.hash_type.lower()
    if entry.hash_type.upper() not in HASH_LENGTHS or not re.fullmatch(r"[0-9a-f]+", entry.hash):
        raise LookasideError(
            ErrorKind.REFUSED, f"{entry.filename}: hash {entry.hash_type} {entry.hash!r} refused"
        )
    url = template.replace("$pkg", _escape(package))
    url = url.replace("$filename", _escape(entry.filename))
    url = url.replace("$hashtype", _escape(hash_type))  # before $hash, its prefix
    url = url.replace("$hash", _escape(entry.hash))
    return check_url(url)


def check_template(template: str) -> str:
    """A lookaside-base-uri that makes valid URLs (checked with a made-up entry)."""
    lookaside_url(template, "example", SourceEntry("example-1.0.tar.gz", "SHA512", "0" * 128))
    return template


# --- downloads and the cache ------------------------------------------------------------


class _Retry(Exception):
    """Network trouble worth another attempt."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class LookasideCache:
    """Verified lookaside files by hash, in a folder (normally CACHE_DIR/lookaside)."""

    def __init__(self, root: str | os.PathLike[str], policy: LookasidePolicy | None = None) -> None:
        self.root = Path(root)
        self.policy = policy or LookasidePolicy()
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def path_for(self, entry: SourceEntry) -> Path:
        return self.root / entry.hash_type.lower() / entry.hash[:2] / entry.hash

    def has(self, entry: SourceEntry) -> bool:
        return self.path_for(entry).is_file()

    @contextlib.contextmanager
    def _locked(self, key: str) -> Iterator[None]:
        # Two components (or pin and tip) asking for the same file download it once.
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            yield

    def fetch(self, template: str, package: str, entry: SourceEntry) -> Path:
        """The verified file in the cache (downloaded first unless already there)."""
        url = lookaside_url(template, package, entry)
        path = self.path_for(entry)
        with self._locked(str(path)):
            if path.is_file():
                return path  # verified when it was stored: no network
            self._download(url, entry, path)
        return path

    def read(self, template: str, package: str, entry: SourceEntry) -> bytes:
        """The file's bytes, re-checked against the hash (a damaged cache file is replaced)."""
        for attempt in range(2):
            path = self.fetch(template, package, entry)
            data = path.read_bytes()
            hasher = entry.new_hasher()
            hasher.update(data)
            if hasher.hexdigest() == entry.hash:
                return data
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            if attempt:
                break
        raise LookasideError(  # pragma: no cover - a download is verified before it is kept
            ErrorKind.HASH_MISMATCH, f"{entry.filename}: the cached copy does not match its hash"
        )

    # --- one download ------------------------------------------------------------------

    def _download(self, url: str, entry: SourceEntry, path: Path) -> None:
        tmp_dir = self.root / ".tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in finally
            dir=tmp_dir, prefix=f"{entry.hash[:16]}.", delete=False
        )
        tmp = Path(handle.name)
        try:
            digest = self._fetch_into(url, entry, handle)
            handle.close()
            if digest != entry.hash:
                raise LookasideError(
                    ErrorKind.HASH_MISMATCH,
                    f"{entry.filename} from {url} does not match `sources`: "
                    f"{entry.hash_type} is {digest}, expected {entry.hash}",
                )
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.replace(path)
        finally:
            handle.close()
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def _fetch_into(self, url: str, entry: SourceEntry, out: IO[bytes]) -> str:
        if urlsplit(url).scheme.lower() == "file":
            return self._read_local(url, entry, out)
        delay = self.policy.backoff
        for attempt in range(self.policy.retries + 1):
            out.seek(0)
            out.truncate()
            try:
                return self._get(url, entry, out)
            except _Retry as exc:
                if attempt >= self.policy.retries:
                    tries = self.policy.retries + 1
                    raise LookasideError(
                        exc.kind, f"{entry.filename}: {exc} (after {tries} attempt(s))"
                    ) from None
            time.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def _copy(self, chunks: Iterator[bytes], entry: SourceEntry, out: IO[bytes], url: str) -> str:
        hasher = entry.new_hasher()
        deadline = time.monotonic() + self.policy.deadline
        try:
            for chunk in capped(chunks, self.policy.max_bytes, deadline):
                hasher.update(chunk)
                out.write(chunk)
        except BodyTooLarge:
            raise LookasideError(
                ErrorKind.TOO_LARGE,
                f"{entry.filename} from {url} is larger than the "
                f"{self.policy.max_bytes:,} bytes allowed",
            ) from None
        except BodyDeadline:
            raise LookasideError(
                ErrorKind.TIMEOUT,
                f"{entry.filename} from {url}: not complete after {self.policy.deadline:g} s",
            ) from None
        return hasher.hexdigest()

    def _read_local(self, url: str, entry: SourceEntry, out: IO[bytes]) -> str:
        path = Path(unquote(urlsplit(url).path))
        try:
            with open(path, "rb") as source:
                size = os.fstat(source.fileno()).st_size
                if size > self.policy.max_bytes:
                    raise LookasideError(
                        ErrorKind.TOO_LARGE,
                        f"{entry.filename} at {url} is {size:,} bytes, more than the "
                        f"{self.policy.max_bytes:,} bytes allowed",
                    )
                return self._copy(iter(lambda: source.read(CHUNK), b""), entry, out, url)
        except FileNotFoundError:
            raise LookasideError(
                ErrorKind.NOT_FOUND, f"{entry.filename} is not in the lookaside cache ({url})"
            ) from None
        except OSError as exc:  # a folder, no permission, ...
            raise LookasideError(
                ErrorKind.FAILED, f"{entry.filename}: cannot read {url}: {exc}"
            ) from None

    def _open(self, url: str, entry: SourceEntry) -> tuple[str, requests.Response]:
        """GET with redirects followed by hand: every hop must be a valid https URL."""
        session = requests.Session()
        headers = {
            "User-Agent": "azldrift-lookaside/1",
            "Accept-Encoding": "identity",  # the bytes as stored, never decoded for us
        }

        def get(current: str) -> requests.Response:
            try:
                return session.get(
                    current,
                    stream=True,
                    allow_redirects=False,
                    timeout=(self.policy.timeout, self.policy.timeout),
                    verify=self.policy.ca_bundle or True,
                    headers=headers,
                )
            except requests.exceptions.SSLError as exc:
                raise LookasideError(
                    ErrorKind.FAILED, f"{entry.filename}: TLS failed for {current}: {exc}"
                ) from None
            except requests.exceptions.Timeout:
                raise _Retry(ErrorKind.TIMEOUT, f"{current} did not answer in time") from None
            except requests.exceptions.RequestException as exc:
                raise _Retry(ErrorKind.FAILED, f"{current} failed: {exc}") from None

        try:
            return follow_redirects(
                get,
                url,
                check=lambda target: check_url(target, schemes=("https",)),
                max_redirects=self.policy.max_redirects,
            )
        except RedirectError as exc:
            kind = ErrorKind.REFUSED if exc.kind == "refused" else ErrorKind.FAILED
            raise LookasideError(kind, f"{entry.filename}: {exc}") from None

    def _get(self, url: str, entry: SourceEntry, out: IO[bytes]) -> str:
        current, response = self._open(url, entry)
        with response:
            status = response.status_code
            if status in (404, 410):
                raise LookasideError(
                    ErrorKind.NOT_FOUND,
                    f"{entry.filename} is not in the lookaside cache ({current}: HTTP {status})",
                )
            if status in _TRANSIENT_STATUS:
                raise _Retry(ErrorKind.FAILED, f"{current} answered HTTP {status}")
            if status != 200:
                raise LookasideError(
                    ErrorKind.FAILED, f"{entry.filename}: {current} answered HTTP {status}"
                )
            length = declared_length(response)
            if length is not None and length > self.policy.max_bytes:
                raise LookasideError(
                    ErrorKind.TOO_LARGE,
                    f"{entry.filename} from {current} is {length:,} bytes, more than the "
                    f"{self.policy.max_bytes:,} bytes allowed",
                )
            try:
                chunks = response.raw.stream(CHUNK, decode_content=False)
                return self._copy(chunks, entry, out, current)
            except (urllib3.exceptions.TimeoutError, TimeoutError):
                raise _Retry(ErrorKind.TIMEOUT, f"{current} stopped sending") from None
            except (urllib3.exceptions.HTTPError, requests.RequestException, OSError) as exc:
                raise _Retry(ErrorKind.FAILED, f"reading {current} failed: {exc}") from None
