"""The TOML parser every part of azldrift reads azldev's config with.

azldev reads its config with go-toml v2.4, which implements TOML 1.1: inline tables may
span lines (with trailing commas and comments), basic strings know `\\e` and `\\xHH`,
and times may omit their seconds.  Python's `tomllib` reads TOML 1.0 only and refuses
all of that, so the config is parsed with tomli (2.5 reads TOML 1.1) -- here, once, so
no reader of the config can pick the other parser by accident.
"""

from __future__ import annotations

from typing import Any

import tomli

TOMLDecodeError = tomli.TOMLDecodeError

__all__ = ["TOMLDecodeError", "loads"]


def loads(text: str) -> dict[str, Any]:
    """Parse a TOML 1.1 document (raises TOMLDecodeError with `lineno` and `msg`)."""
    return tomli.loads(text)
