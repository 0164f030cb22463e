"""The base of the errors a sync records per component."""

from __future__ import annotations


class KindedError(Exception):
    """An error with a machine-readable `kind` (a stable string the sync stores) and the
    sentence a person reads as `str(error)`."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message

    def __str__(self) -> str:
        return self.message
