"""The OpenAPI schema against the API: real responses conform, and fuzzing finds no 500.

The schema is the one `/api/schema/` serves (drf-spectacular's generator).
Requests go through the WSGI application, authenticated with a reviewer's
token (a reviewer may write reviews and notes but not start a sync, so the
fuzzer cannot launch a sync against the network).  Examples are bounded so
the suite stays fast; the seed is fixed (derandomize) so a failure repeats.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.openapi.checks import (
    ContentDeserializationError,  # noqa: F401 - documents what content_type checks raise
)
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from deviations.domain import audit, notes
from deviations.domain.permissions import REVIEWER
from deviations.reads.exports import DATASETS
from deviations.reads.filters import ComponentFilter, DeviationFilter
from tests import factories


def _raw_schema() -> dict:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema, renderer_context={}))


RAW = _raw_schema()
schema = schemathesis.openapi.from_dict(RAW)
schema.app = get_wsgi_application()
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_world(db):
    w = factories.make_world(extra_components=2)
    reviewer = factories.make_user("rita", roles=[REVIEWER])
    dev = w.deviations["curl"][0]
    notes.add_note(audit.Actor.for_user(reviewer), dev, "why")
    token, _ = Token.objects.get_or_create(user=reviewer)
    return w, {"Authorization": f"Token {token.key}"}


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Requests through the raw WSGI handler would close the test's database connection
    at the end of each request (as Django's test client prevents, we prevent it here)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_the_schema_covers_every_api_route():
    paths = set(RAW["paths"])
    assert {
        "/api/components/",
        "/api/components/{name}/",
        "/api/drift/",
        "/api/drift/{name}/",
        "/api/deviations/",
        "/api/deviations/{id}/",
        "/api/deviations/{id}/reviews/",
        "/api/deviations/{id}/notes/",
        "/api/notes/{id}/versions/",
        "/api/reviews/",
        "/api/reviews/{id}/",
        "/api/sync-runs/",
        "/api/sync-runs/{id}/",
        "/api/audit-events/",
        "/api/audit-events/{id}/",
        "/api/exports/deviations.csv",
        "/api/deviations/{id}/ownership/",
        "/api/deviations/{id}/acknowledgements/",
        "/api/components/{name}/ownership/",
        "/api/components/{name}/acknowledgements/",
        "/api/acknowledgements/",
        "/api/acknowledgements/{id}/",
        "/api/acknowledgements/{id}/withdraw/",
        "/api/exports/acknowledgements.csv",
    } <= paths
    assert RAW["components"]["securitySchemes"].keys() >= {"tokenAuth", "cookieAuth"}


def real_requests(w) -> list[tuple[str, str, dict, dict]]:
    """(method, path template, path parameters, query) of real reads on the data set."""
    dev = w.deviations["curl"][0]
    return [
        ("GET", "/api/components/", {}, {"behind": "any"}),
        ("GET", "/api/components/{name}/", {"name": "curl"}, {}),
        ("GET", "/api/components/{name}/", {"name": "zlib"}, {}),
        ("GET", "/api/drift/", {}, {}),
        ("GET", "/api/drift/{name}/", {"name": "curl"}, {}),
        ("GET", "/api/drift/{name}/", {"name": "jq"}, {}),
        ("GET", "/api/deviations/", {}, {"kind": "overlay", "page_size": 3}),
        ("GET", "/api/deviations/", {}, {"severity": "breaks-on-rebase", "sort": "severity"}),
        ("GET", "/api/deviations/", {}, {"documented": "no"}),
        ("GET", "/api/components/", {}, {"severity": "sync-problem"}),
        ("GET", "/api/deviations/{id}/", {"id": dev.pk}, {}),
        ("GET", "/api/deviations/{id}/", {"id": w.deviations["jq"][0].pk}, {}),
        ("GET", "/api/deviations/{id}/notes/", {"id": dev.pk}, {}),
        ("GET", "/api/reviews/", {}, {}),
        ("GET", "/api/sync-runs/", {}, {}),
        ("GET", "/api/sync-runs/{id}/", {"id": w.sync.pk}, {}),
        ("GET", "/api/audit-events/", {}, {"component": "curl"}),
        ("GET", "/api/audit-events/{id}/", {"id": 1}, {}),
        ("GET", "/api/exports/reviews.csv", {}, {}),
    ]


def test_real_responses_conform_to_the_schema(api_world):
    w, headers = api_world
    for method, path, path_parameters, query in real_requests(w):
        operation = schema[path][method]
        case = operation.Case(path_parameters=path_parameters, query=query)
        response = case.call(headers=headers)
        assert response.status_code == 200, (path, response.text[:300])
        case.validate_response(response, checks=CHECKS)


def test_writes_conform_to_the_schema(api_world):
    w, headers = api_world
    dev = w.deviations["curl"][1]
    writes = [
        ("/api/deviations/{id}/reviews/", {"id": dev.pk}, {"decision": "rejected"}, 400),
        (
            "/api/deviations/{id}/reviews/",
            {"id": dev.pk},
            {
                "decision": "changes-requested",
                "comment": "split it",
                "fingerprint": dev.fingerprint,
                "effect_hash": dev.effect_hash,
            },
            201,
        ),
        ("/api/deviations/{id}/notes/", {"id": dev.pk}, {"text": "because"}, 201),
        ("/api/sync-runs/", {}, {}, 403),
    ]
    for path, path_parameters, body, status in writes:
        case = schema[path]["POST"].Case(
            path_parameters=path_parameters, body=body, media_type="application/json"
        )
        response = case.call(headers=headers)
        assert response.status_code == status, (path, response.text[:300])
        case.validate_response(response, checks=CHECKS)


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_fuzzing_finds_no_server_error(case, api_world):
    _, headers = api_world
    case.call_and_validate(headers=headers, checks=CHECKS)


def test_ownership_and_acknowledgements_conform_to_the_schema(api_world):
    """Owner and due date set, drift and a failure acknowledged, read back in the lists
    and the acknowledgements, one withdrawn: every answer as the schema says."""
    w, headers = api_world
    dev = w.deviations["curl"][0]  # fails at the tip
    until = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    calls = [
        ("POST", "/api/deviations/{id}/ownership/", {"id": dev.pk},
         {"owner": "rita", "due_date": "2026-01-31"}, 200),
        ("POST", "/api/deviations/{id}/ownership/", {"id": dev.pk}, {"owner": "nobody-here"}, 400),
        ("POST", "/api/components/{name}/ownership/", {"name": "curl"}, {"owner": None}, 200),
        ("POST", "/api/deviations/{id}/acknowledgements/", {"id": dev.pk},
         {"subject": "failing-at-tip", "reason": "upstream reworks it", "expires_on": until}, 201),
        ("POST", "/api/deviations/{id}/acknowledgements/", {"id": dev.pk},
         {"subject": "obsolete", "reason": "x", "expires_on": until}, 400),
        ("POST", "/api/components/{name}/acknowledgements/", {"name": "curl"},
         {"subject": "drift", "reason": "stay on this pin", "expires_on": until}, 201),
        ("GET", "/api/deviations/{id}/acknowledgements/", {"id": dev.pk}, None, 200),
        ("GET", "/api/components/{name}/acknowledgements/", {"name": "curl"}, None, 200),
        ("GET", "/api/acknowledgements/", {}, None, 200),
        ("GET", "/api/deviations/{id}/", {"id": dev.pk}, None, 200),
        ("GET", "/api/components/", {}, None, 200),
        ("GET", "/api/exports/acknowledgements.csv", {}, None, 200),
    ]  # fmt: skip
    answers = {}
    for method, path, path_parameters, body, status in calls:
        kwargs = {"body": body, "media_type": "application/json"} if body is not None else {}
        case = schema[path][method].Case(path_parameters=path_parameters, **kwargs)
        response = case.call(headers=headers)
        assert response.status_code == status, (path, response.text[:300])
        case.validate_response(response, checks=CHECKS)
        answers[(method, path, status)] = response
    detail = answers[("GET", "/api/deviations/{id}/", 200)].json()
    assert detail["owner"] == "rita" and detail["owner_source"] == "app"
    assert detail["overdue"] is True and detail["acknowledged_until"] == until
    assert detail["acknowledgement_reason"] == "failing-at-tip: upstream reworks it"
    listed = answers[("GET", "/api/acknowledgements/", 200)].json()["results"]
    assert [a["state_today"] for a in listed] == ["active", "active"]
    withdraw = schema["/api/acknowledgements/{id}/withdraw/"]["POST"].Case(
        path_parameters={"id": listed[0]["id"]}
    )
    response = withdraw.call(headers=headers)
    assert response.status_code == 200 and response.json()["state_today"] == "withdrawn"
    withdraw.validate_response(response, checks=CHECKS)


def _query_parameters(path: str) -> dict[str, dict]:
    return {p["name"]: p for p in RAW["paths"][path]["get"].get("parameters", [])}


def test_sort_is_declared_where_it_is_taken_and_nothing_else_orders():
    """Lists order by their FilterSet's `sort` (the list pages' menu); DRF's `ordering` is off."""
    sorted_by = {path for path in RAW["paths"] if "get" in RAW["paths"][path]}
    sorted_by = {path for path in sorted_by if "sort" in _query_parameters(path)}
    assert sorted_by == {
        "/api/components/",
        "/api/drift/",
        "/api/deviations/",
        "/api/exports/components.csv",
        "/api/exports/deviations.csv",
        "/api/exports/queue.csv",
    }
    assert not any(
        "ordering" in _query_parameters(path)
        for path in RAW["paths"]
        if "get" in RAW["paths"][path]
    )
    # The schema's choices are the FilterSets' (their default order is the empty choice).
    for path, filterset in [
        ("/api/components/", ComponentFilter),
        ("/api/drift/", ComponentFilter),
        ("/api/deviations/", DeviationFilter),
        ("/api/exports/queue.csv", DeviationFilter),
    ]:
        declared = _query_parameters(path)["sort"]["schema"]["enum"]
        accepted = [key for key, _ in filterset.base_filters["sort"].extra["choices"]]
        assert sorted(declared) == sorted(accepted), path


def test_the_exports_declare_their_lists_filters():
    for name, dataset in DATASETS.items():
        declared = set(_query_parameters(f"/api/exports/{name}.csv")) - {"format"}
        # Beside the filters, the file's options: a byte-order mark, opt-in columns.
        options = {"bom", "columns"} if dataset.extras else {"bom"}
        assert declared == set(dataset.filterset.base_filters) | options, name
        if dataset.extras:
            columns = _query_parameters(f"/api/exports/{name}.csv")["columns"]
            assert columns["schema"]["enum"] == sorted(dataset.extras)


def test_approving_a_broken_deviation_needs_a_comment_by_the_schema(api_world):
    from deviations.models import AuditEvent, Deviation, OverlayResult, Verdict

    w, headers = api_world
    dev = w.deviations["curl"][1]
    OverlayResult.objects.filter(deviation=dev, target="pin").update(
        verdict=Verdict.FAILED, message="no line matches 'Release:'"
    )
    Deviation.objects.filter(pk=dev.pk).update(verdict_at_pin=Verdict.FAILED)
    seen = {"fingerprint": dev.fingerprint, "effect_hash": dev.effect_hash}
    for body, status in (
        ({"decision": "approved", **seen}, 400),
        ({"decision": "approved", "comment": "Fixed by the rebase.", **seen}, 201),
    ):
        case = schema["/api/deviations/{id}/reviews/"]["POST"].Case(
            path_parameters={"id": dev.pk}, body=body, media_type="application/json"
        )
        response = case.call(headers=headers)
        assert response.status_code == status, response.text[:300]
        case.validate_response(response, checks=CHECKS)
        if status == 400:
            assert "despite the failure" in response.json()["comment"][0]
    event = AuditEvent.objects.get(action="review.approved", object_id=str(dev.pk))
    assert event.after["despite_failure"] is True and event.origin == "api"
