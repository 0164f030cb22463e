"""The one rule for the names azldrift puts into URLs, file names and git arguments.

A component's name is its dist-git package name unless it says `upstream-name`, and it
becomes part of page URLs, mirror folders and lookaside paths; a group's name is shown
and linked beside it.  So component names, group names and package names all follow
the rule the sync has always applied to package names: the import refuses a name that
breaks it, and the sync refuses it again before git sees it.
"""

from __future__ import annotations

import re

MAX_NAME_LENGTH = 200
NAME_RULE = (
    "letters, digits and ._+- only, starting with a letter, a digit or '_'; "
    f"no '..'; at most {MAX_NAME_LENGTH} characters"
)
_NAME = re.compile(rf"[A-Za-z0-9_][A-Za-z0-9._+-]{{0,{MAX_NAME_LENGTH - 1}}}")


def is_safe_name(name: str) -> bool:
    """Whether `name` follows NAME_RULE (so it is safe in a URL, a path and a git argument)."""
    return isinstance(name, str) and _NAME.fullmatch(name) is not None and ".." not in name
