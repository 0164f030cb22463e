"""What a reader chooses about how pages show things: the diff layout, the page size.

Views and template tags both read these, so they live beside both.
"""

from __future__ import annotations

from typing import Any

# Diffs unified (the default) or side by side ("split"), kept in this cookie
# (views/preferences.py sets it; templatetags/azl_diff.py reads it).
LAYOUT_COOKIE = "azl_diff"
SPLIT = "split"

# The page sizes a reader may pick (`?per_page=`); anything else is the list's own size.
PAGE_SIZES = (25, 50, 100, 200)


def diff_layout(request: Any) -> str:
    """`split` when the reader chose side-by-side diffs, else "" (unified)."""
    cookies = getattr(request, "COOKIES", {})
    return SPLIT if cookies.get(LAYOUT_COOKIE) == SPLIT else ""
