"""One cell of an export file: quoting, formula neutralisation, times, JSON, references."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

# OWASP: cells a spreadsheet would run as a formula.  "'" is added so the rule reverses.
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NEUTRALISE = frozenset((*DANGEROUS_PREFIXES, "'"))
_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
# CPython's C encoder factory (None without the accelerator); typeshed does not declare it.
_make_encoder: Callable[..., Callable[[Any, int], list[str]]] | None = getattr(
    json.encoder, "c_make_encoder", None
)
if _make_encoder is not None:
    # Built once: JSONEncoder.encode() builds a C encoder on every call (as domain.audit).
    _c_encode = _make_encoder(
        None, _JSON.default, json.encoder.encode_basestring, None, ":", ",", True, False, True
    )

    def _compact(value: Any) -> str:
        return "".join(_c_encode(value, 0))

else:  # pragma: no cover - CPython always has the C accelerator

    def _compact(value: Any) -> str:
        return _JSON.encode(value)


class ExportError(ValueError):
    """An export that cannot run as asked: unknown dataset or invalid filters."""

    def __init__(self, message: str, errors: Mapping[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.errors = dict(errors or {})


# --- cells ---------------------------------------------------------------------------------


def neutralise(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula (see the module docstring)."""
    return "'" + text if text[:1] in _NEUTRALISE else text


def unneutralise(text: str) -> str:
    """The text `neutralise` was given."""
    return text[1:] if text[:1] == "'" else text


def _cell(text: str | None) -> str:
    """One field of the file: neutralised, then quoted as the csv module quotes (QUOTE_MINIMAL)."""
    if not text:
        return ""
    if text[0] in _NEUTRALISE:
        text = "'" + text
    if '"' in text:
        return '"' + text.replace('"', '""') + '"'
    if "," in text or "\n" in text or "\r" in text:
        return '"' + text + '"'
    return text


def iso(moment: dt.datetime | None) -> str:
    """ISO 8601 in UTC with a Z; microseconds only when there are any."""
    if moment is None:
        return ""
    if moment.utcoffset():
        moment = moment.astimezone(dt.UTC)
    text = (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T"
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    )
    if moment.microsecond:
        text += f".{moment.microsecond:06d}"
    return text + "Z"


@lru_cache(maxsize=4096)  # decision and note times repeat across many rows
def when(value: dt.datetime | str | None) -> str:
    """`iso()` of a datetime as the database driver returns it: an aware datetime
    (PostgreSQL) or Django's text form "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC (SQLite)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace(" ", "T", 1) + "Z"
    return iso(value)


def _json(value: Any) -> str:
    """Compact JSON with sorted keys, non-ASCII kept (the audit chain's canonical form)."""
    return "" if value is None else _compact(value)


def _json_cell(text: str | None) -> str:
    """A JSON column read as text (`_JsonText`), as a cell of its canonical form."""
    return "" if text is None else _cell(_json(json.loads(text)))


def _refs(metadata: Mapping[str, Any] | None, key: str) -> str:
    """The URLs of a metadata reference list (`commits`, `bugs`), one per line, titles kept."""
    found = (metadata or {}).get(key) or []
    if not isinstance(found, list):
        found = [found]
    out = []
    for ref in found:
        if isinstance(ref, Mapping):
            url, title = str(ref.get("url", "")), str(ref.get("title", "") or "")
            out.append(f"{url} ({title})" if title else url)
        else:
            out.append(str(ref))
    return "\n".join(out)
