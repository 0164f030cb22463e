"""Text from outside (commit authors and subjects, tags of upstream specs) made safe to
store and to show.

A git commit may carry any byte in its author or message, NUL included (git itself
refuses to write one, `git hash-object --literally` does not), and a spec that is not
UTF-8 is read with its odd bytes as surrogate escapes.  PostgreSQL cannot store NUL in
text, no database can encode a lone surrogate, and a control character shows as
nothing or as garbage in a page or a CSV.  So such text is kept with each control
character and odd byte written as an escape (`\\x00`, `\\x01`, `\\x1b`, `\\xff`),
readable everywhere; a tab stays a tab.  A backslash is kept as it is, so `\\x01`
written literally and an escaped U+0001 read the same: what is recorded is for people
to read, not to turn back into bytes.
"""

from __future__ import annotations

import unicodedata

_ESCAPES = {
    code: f"\\x{code:02x}"
    for code in range(0xA0)
    if unicodedata.category(chr(code)) == "Cc" and chr(code) != "\t"
}
# Bytes that were not UTF-8, as `decode("utf-8", "surrogateescape")` keeps them (no
# database can encode a lone surrogate): written as the byte they stand for.
_ESCAPES.update({0xDC00 + byte: f"\\x{byte:02x}" for byte in range(0x80, 0x100)})


def escape_controls(text: str) -> str:
    """`text` with every control character but tab, and every byte that was not UTF-8
    (a surrogate escape), written as a `\\xNN` escape."""
    return text.translate(_ESCAPES)
