"""The hand-written canonical serialization equals the documented one, byte for byte."""

import datetime as dt
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from deviations.domain import audit

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
moments = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)
)


def reference(values: tuple) -> bytes:
    """The definition in deviations/domain/audit.py's docstring, written the obvious way."""
    payload = dict(zip(audit.HASHED_FIELDS, values, strict=True))
    payload["created_at"] = payload["created_at"].strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@settings(max_examples=300, deadline=None)
@given(
    seq=st.integers(1, 2**62),
    created_at=moments,
    actor_id=st.none() | st.integers(1, 2**40),
    texts=st.lists(st.text(), min_size=7, max_size=7),
    before=json_values,
    after=json_values,
)
def test_fast_canonical_form_matches_the_reference(seq, created_at, actor_id, texts, before, after):
    label, origin, action, otype, oid, orepr, component = texts
    values = (
        seq, created_at, actor_id, label, origin, action, otype, oid, orepr, component,
        before, after, "ab" * 32,
    )  # fmt: skip
    assert audit._canonical_values(values) == reference(values)


def test_timestamps_in_other_zones_and_from_sqlite_text_are_normalised_to_utc():
    cet = dt.timezone(dt.timedelta(hours=1))
    assert audit._timestamp(dt.datetime(2026, 1, 1, 1, 0, tzinfo=cet)) == (
        "2026-01-01T00:00:00.000000Z"
    )
    assert audit._timestamp("2026-01-01 00:00:00") == "2026-01-01T00:00:00.000000Z"
    assert audit._timestamp("2026-01-01 00:00:00.5") == "2026-01-01T00:00:00.500000Z"
