"""What every vocabulary is: a `StrEnum` whose members carry a label and a description.

A member *is* its value (a `str`), so it is stored, compared, hashed into the audit chain
and written to JSON exactly as the plain string was; the label is what a person reads in
a list or a menu, the description one sentence saying what the value means (the README and
the pages show it).  `Vocabulary.choices` gives Django's `choices`, as Django's own
`TextChoices` does, and templates may name the class and its members
(`{% if run.status == SyncRunStatus.RUNNING %}`) because the class is never called there.
No Django here: the core, which knows no Django, uses the same members.
"""

from __future__ import annotations

import enum
from enum import EnumType, StrEnum
from typing import TYPE_CHECKING, Any, Self


class VocabularyType(EnumType):
    """The metaclass: values are unique, and the class answers Django's `choices`."""

    def __new__(
        metacls, name: str, bases: tuple[type, ...], classdict: Any, **kwargs: Any
    ) -> VocabularyType:
        cls = super().__new__(metacls, name, bases, classdict, **kwargs)
        named: dict[str, Vocabulary] = dict(cls.__members__)
        aliases = [alias for alias, member in named.items() if member.name != alias]
        if aliases:  # a second name for a value would make one of them unreachable
            raise ValueError(f"duplicate values found in {name}: {', '.join(aliases)}")
        return cls

    @property
    def members(cls) -> list[Vocabulary]:
        return list(cls.__members__.values())

    @property
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) of every member, in the order they are written."""
        return [(member.value, member.label) for member in cls.members]

    @property
    def values(cls) -> list[str]:
        return [member.value for member in cls.members]


class Vocabulary(StrEnum, metaclass=VocabularyType):
    """A closed set of values, each written `NAME = "value", "label", "One sentence."`."""

    # Templates call callables they meet; a vocabulary class must stay the class.
    do_not_call_in_templates = enum.nonmember(True)

    label: str
    description: str

    if TYPE_CHECKING:
        # What callers see: `Verdict("failed")` looks a member up by its value.
        def __new__(cls, value: str) -> Self: ...

    else:

        def __new__(cls, value: str, label: str, description: str) -> Self:
            member = str.__new__(cls, value)
            member._value_ = value
            member.label = label
            member.description = description
            return member

    def __repr__(self) -> str:
        return f"{type(self).__qualname__}.{self.name}"


def choices(*vocabularies: type[Vocabulary]) -> list[tuple[str, str]]:
    """Django `choices` for a field whose values come from several vocabularies."""
    return [pair for vocabulary in vocabularies for pair in vocabulary.choices]
