"""The CSV options for reading a file: a name that says what was filtered, a byte-order
mark for spreadsheet programs, and the opt-in column with each overlay's own diff."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from deviations.models import AuditEvent
from deviations.reads import exports
from tests import factories

DIFF = '--- a/x.spec\n+++ b/x.spec\n@@ -1 +1 @@\n-=HYPERLINK("http://e.x")\n+@SUM(1)\n'


def data(response) -> bytes:
    return b"".join(response.streaming_content)


def rows(raw: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


@pytest.fixture
def client_in(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def world(db):
    with_diff = factories.make_deviation("curl", effect=DIFF)
    without = factories.make_deviation("zlib", kind="build-option", key="build-option:with:x")
    return with_diff, without


def test_the_file_name_says_what_was_filtered(client_in, world):
    today = dt.datetime.now(dt.UTC).date().isoformat()
    response = client_in.get('/exports/deviations.csv?kind=overlay&q=a/b "c";d&component=')
    disposition = response["Content-Disposition"]
    assert disposition == (
        f'attachment; filename="azldrift-deviations-q-a-b-c-d-kind-overlay-{today}.csv"'
    )
    data(response)
    plain = client_in.get("/exports/components.csv")
    assert plain["Content-Disposition"] == f'attachment; filename="azldrift-components-{today}.csv"'
    data(plain)


def test_file_names_stay_short_and_plain():
    name = exports.filename("audit", filters={"actor": "ü" * 10 + "x" * 300, "action": ".."})
    assert name.startswith("azldrift-audit-actor-") and name.endswith(".csv")
    assert len(name) < 200 and "ü" not in name and "action" not in name


def test_bom_on_request_only(client_in, world):
    with_bom = data(client_in.get("/exports/deviations.csv?bom=1"))
    assert with_bom.startswith(b"\xef\xbb\xbfcomponent,")
    assert data(client_in.get("/exports/deviations.csv")).startswith(b"component,")
    assert rows(with_bom) == rows(data(client_in.get("/exports/deviations.csv")))


def test_the_diff_column_is_opt_in_last_and_formula_safe(client_in, world):
    with_diff, without = world
    plain = rows(data(client_in.get("/exports/deviations.csv")))
    assert "diff_at_pin" not in plain[0]
    table = rows(data(client_in.get("/exports/deviations.csv?columns=diff")))
    assert table[0] == [*plain[0], "diff_at_pin"]
    by_id = {row[1]: row for row in table[1:]}
    # The cell starts with '-' (a formula start): a leading ' keeps a spreadsheet from running it.
    assert by_id[str(with_diff.pk)][-1] == "'" + DIFF
    assert exports.unneutralise(by_id[str(with_diff.pk)][-1]) == DIFF
    assert by_id[str(without.pk)][-1] == ""
    assert [row[:-1] for row in table[1:]] == plain[1:]
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.after["filters"] == {"columns": "diff_at_pin"}


def test_the_queue_export_offers_the_diff_too(client_in, world):
    table = rows(data(client_in.get("/exports/queue.csv?columns=diff")))
    assert table[0][-1] == "diff_at_pin" and len(table) == 3


@pytest.mark.parametrize(
    "query",
    [
        "/exports/deviations.csv?columns=secret",
        "/exports/components.csv?columns=diff",
        "/exports/deviations.csv?columns=diff&as_of=2026-01-01",
    ],
)
def test_columns_not_offered_are_a_clear_400(client_in, world, query):
    response = client_in.get(query)
    assert response.status_code == 400
    assert "column" in response.content.decode()


def test_the_api_export_takes_the_same_options(client_in, world):
    response = client_in.get("/api/exports/deviations.csv?columns=diff&bom=1&kind=overlay")
    raw = data(response)
    assert raw.startswith(b"\xef\xbb\xbf") and rows(raw)[0][-1] == "diff_at_pin"
    assert "kind-overlay" in response["Content-Disposition"]
    refused = client_in.get("/api/exports/deviations.csv?columns=nope")
    assert refused.status_code == 400 and "columns" in refused.json()
