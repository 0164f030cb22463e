"""Helpers of the ownership and acknowledgement tests (their record: the `drifting` and
`clock` fixtures of tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from deviations.domain import audit
from deviations.models import Component, ComponentSync, Deviation

# The tests' today: the clock is frozen here (time-machine) unless a test travels.
TODAY = dt.date(2026, 12, 7)


@dataclass
class Drifting:
    component: Component
    sync: ComponentSync
    failing: Deviation
    noop: Deviation
    obsolete: Deviation


def as_user(user) -> audit.Actor:
    return audit.Actor.for_user(user)
