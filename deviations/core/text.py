"""Text from outside (commit authors and subjects) made safe to store and to show.

A git commit may carry any byte in its author or message, NUL included (git itself
refuses to write one, `git hash-object --literally` does not).  PostgreSQL cannot
store NUL in text, and a control character shows as nothing or as garbage in a page
or a CSV.  So such text is kept with each control character written as an escape
(`\\x00`, `\\x01`, `\\x1b`), readable everywhere; a tab stays a tab.  A backslash is
kept as it is, so `\\x01` written literally and an escaped U+0001 read the same: what
is recorded is for people to read, not to turn back into bytes.
"""

from __future__ import annotations

import unicodedata

_ESCAPES = {
    code: f"\\x{code:02x}"
    for code in range(0xA0)
    if unicodedata.category(chr(code)) == "Cc" and chr(code) != "\t"
}


def escape_controls(text: str) -> str:
    """`text` with every control character but tab written as a `\\xNN` escape."""
    return text.translate(_ESCAPES)
