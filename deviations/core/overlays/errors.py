"""Why an overlay failed."""

from __future__ import annotations


class OverlayFailure(Exception):
    """An overlay that azldev would refuse; the message says why (without the overlay name)."""
