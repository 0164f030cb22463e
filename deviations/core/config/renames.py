"""Names azldev accepted once and has renamed since, and how old commits are read.

The history walk reads each old commit "as the azldev of its time would".  azldev has
renamed two metadata categories; a commit written before a rename uses the old name,
which today's validation refuses, so the walk would skip that commit and credit its
overlays to whoever later renamed the category.  Instead, a commit is read with the
names azldev still accepted when it was committed, each mapped to today's name (so a
rename alone is not a change of the deviation's justification).

| old category | today's | renamed on azldev's main | first release refusing it |
|---|---|---|---|
| `backport-dist-git` | `upstream-backport` | 2026-07-07 (feeec45) | v0.2.0, 2026-07-16 |
| `azl-dep-missing-workaround` | `azl-temp-workaround` | 2026-07-09 (f231760) | v0.2.0, 2026-07-16 |

A commit made before the first release that refuses an old name may use it (projects
build with released azldev as well as with main); one made later may not, as azldev
then refused it.  The commit being imported is always checked against today's names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Rename:
    old: str
    new: str
    renamed: dt.date  # the azldev commit on main that renamed it
    accepted_until: dt.date  # the first azldev release that refuses `old`
    change: str  # that azldev commit


CATEGORY_RENAMES: tuple[Rename, ...] = (
    Rename(
        "backport-dist-git",
        "upstream-backport",
        dt.date(2026, 7, 7),
        dt.date(2026, 7, 16),
        "feeec457521d",
    ),
    Rename(
        "azl-dep-missing-workaround",
        "azl-temp-workaround",
        dt.date(2026, 7, 9),
        dt.date(2026, 7, 16),
        "f231760c393e",
    ),
)


@dataclass(frozen=True)
class Vocabulary:
    """The metadata names a reading accepts: today's, plus old ones mapped to today's."""

    category_aliases: tuple[tuple[str, str], ...] = ()  # (old, today's)

    def category(self, name: str) -> str:
        """Today's name for a category as written (unchanged when it is not an alias)."""
        for old, new in self.category_aliases:
            if name == old:
                return new
        return name

    def metadata(self, metadata: dict[str, Any]) -> dict[str, Any]:
        """`metadata` with today's category name (the same dict when nothing changes)."""
        category = metadata.get("category")
        if not isinstance(category, str) or self.category(category) == category:
            return metadata
        return {**metadata, "category": self.category(category)}


TODAY = Vocabulary()


def vocabulary_at(when: dt.datetime) -> Vocabulary:
    """The names the azldev of `when` accepted (see the module docstring)."""
    day = when.astimezone(dt.UTC).date()
    return Vocabulary(tuple((r.old, r.new) for r in CATEGORY_RENAMES if day < r.accepted_until))


def renamed(category: str) -> Rename | None:
    """The rename of an old category name, for a clearer error message."""
    return next((r for r in CATEGORY_RENAMES if r.old == category), None)
