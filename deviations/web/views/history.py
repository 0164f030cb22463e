"""The record through time on the pages: lists and pages `?as_of=`, changes between two
points, trends, and the config history (commits, import runs).

A page in the past shows a banner (base.html, from the `asof` in its context) and
nothing that decides: no review, note or suggestion forms, only the read-only rows.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from deviations.models import Component, Deviation, DeviationSpan
from deviations.reads import history, trends
from deviations.reads.filters import ComponentFilter, DeviationFilter
from deviations.reads.history import AsOf, AsOfError
from deviations.web.views.pages import paginate, render_page

PER_PAGE = 50
COMMITS_PER_PAGE = 50


def wants_past(request: HttpRequest) -> bool:
    return "as_of" in request.GET


def _point(request: HttpRequest, context: dict[str, Any]) -> AsOf | None:
    """The request's as_of, or None with the reason in the context (`asof_error`)."""
    try:
        return history.resolve(request.GET.get("as_of", ""))
    except AsOfError as error:
        context["asof_error"] = str(error)
        return None


def _refused(names: list[str], form: Any) -> list[str]:
    return [str(form.fields[name].label) if name in form.fields else name for name in names]


def deviation_list(request: HttpRequest) -> HttpResponse:
    """/deviations/?as_of=…: the deviations in force then, their review states then."""
    filterset = DeviationFilter(request.GET, queryset=Deviation.objects.none())
    context: dict[str, Any] = {"section": "deviations", "filter": filterset}
    asof = _point(request, context)
    rows: list[history.PastDeviation] = []
    if asof is not None and filterset.is_valid():
        rows, unsupported = history.deviations_at(asof, filterset.form.cleaned_data)
        context["unsupported"] = _refused(unsupported, filterset.form)
    context.update(asof=asof, page=Paginator(rows, PER_PAGE).get_page(request.GET.get("page")))
    status = 400 if asof is None else 200
    return render_page(
        request,
        "history/deviations.html",
        context,
        fragments={"results": "results"},
        status=status,
    )


def component_list(request: HttpRequest) -> HttpResponse:
    """/components/?as_of=…: the components in the config then, with their deviations."""
    filterset = ComponentFilter(request.GET, queryset=Component.objects.none())
    context: dict[str, Any] = {"section": "components", "filter": filterset}
    asof = _point(request, context)
    rows: list[history.PastComponent] = []
    if asof is not None and filterset.is_valid():
        rows, unsupported = history.components_at(asof, filterset.form.cleaned_data)
        context["unsupported"] = _refused(unsupported, filterset.form)
    context.update(asof=asof, page=Paginator(rows, PER_PAGE).get_page(request.GET.get("page")))
    return render_page(
        request,
        "history/components.html",
        context,
        fragments={"results": "results"},
        status=400 if asof is None else 200,
    )


def deviation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """/deviations/<id>/?as_of=…: the deviation as it read then (or that it was not in
    the config then), its review state then."""
    deviation = get_object_or_404(Deviation.objects.select_related("component"), pk=pk)
    context: dict[str, Any] = {"section": "deviations", "d": deviation}
    asof = _point(request, context)
    if asof is not None:
        span = (
            history.spans_at(asof.position)
            .filter(deviation=deviation)
            .select_related("introduced_commit", "changed_commit")
            .first()
        )
        states = history.review_states([deviation.pk], asof.moment)
        context.update(
            span=span,
            review=states.get(deviation.pk, history.NOT_REVIEWED),
            spans=DeviationSpan.objects.filter(deviation=deviation)
            .select_related("introduced_commit", "changed_commit")
            .order_by("start"),
        )
    context["asof"] = asof
    return render_page(
        request, "history/deviation.html", context, status=400 if asof is None else 200
    )


def component_detail(request: HttpRequest, component: Component) -> HttpResponse:
    """/components/<name>/?as_of=…: the component's deviations then."""
    context: dict[str, Any] = {"section": "components", "c": component}
    asof = _point(request, context)
    if asof is not None:
        rows, _ = history.deviations_at(asof, {"component": component.name})
        present = history.component_spans_at(asof.position).filter(name=component.name).exists()
        context.update(rows=rows, present=present)
    context["asof"] = asof
    return render_page(
        request, "history/component.html", context, status=400 if asof is None else 200
    )


# --- changes -----------------------------------------------------------------------------------


@require_GET
def changes(request: HttpRequest) -> HttpResponse:
    """/changes/?from=A&to=B: what changed between two points (default: the whole history)."""
    first, last = history.history_reach()
    asked = {
        "from": request.GET.get("from", "").strip() or (first.sha if first else ""),
        "to": request.GET.get("to", "").strip() or (last.sha if last else ""),
    }
    context: dict[str, Any] = {"section": "history", "asked": asked, "reach": (first, last)}
    points: list[AsOf] = []
    errors: dict[str, str] = {}
    if first is None:
        errors["from"] = history.NO_HISTORY
    else:
        for key in ("from", "to"):
            try:
                points.append(history.resolve(asked[key]))
            except AsOfError as error:
                errors[key] = str(error)
    context["errors"] = errors
    if not errors:
        found = history.changes(points[0], points[1])
        context["found"] = found
        dpage = Paginator(found.deviations, PER_PAGE).get_page(request.GET.get("page"))
        history.responsible(found, dpage.object_list)
        context["dpage"] = dpage
    status = 400 if errors and first is not None else 200  # no history is not bad input
    return render_page(request, "history/changes.html", context, status=status)


# --- trends --------------------------------------------------------------------------------------


@require_GET
def trends_page(request: HttpRequest) -> HttpResponse:
    charts = trends.all_charts()
    first, last = history.history_reach()
    context = {"section": "history", "charts": charts, "reach": (first, last)}
    return render_page(request, "history/trends.html", context)


@require_GET
def trends_csv(request: HttpRequest, name: str) -> HttpResponse:
    """One chart's numbers as CSV (time, point, one column per series)."""
    chart = trends.all_charts().get(name)
    if chart is None:
        raise Http404(f"no chart {name!r}")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["at", "point", *(key for key, _ in chart.series)])
    for at, label, *values in chart.rows():
        writer.writerow([at.isoformat().replace("+00:00", "Z"), label, *values])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="azldrift-trend-{name}.csv"'
    return response


# --- config history ------------------------------------------------------------------------------


@require_GET
def commit_list(request: HttpRequest) -> HttpResponse:
    """/commits/?author=…&path=…: the replayed config commits, newest first."""
    author, path = request.GET.get("author", ""), request.GET.get("path", "")
    page = paginate(request, history.commit_rows(author, path), COMMITS_PER_PAGE)
    counts = history.commit_changes(list(page.object_list))
    rows = [(c, counts.get(c.position or 0, {})) for c in page.object_list]
    first, _ = history.history_reach()
    context = {
        "section": "history",
        "page": page,
        "rows": rows,
        "author": author,
        "path": path,
        "replayed": first is not None,
        "source": history.config_source(),
    }
    return render_page(request, "history/commits.html", context, fragments={"results": "results"})


@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    """/imports/: every import run, newest first, with what it changed."""
    page = paginate(request, history.import_rows(), COMMITS_PER_PAGE)
    return render_page(request, "history/imports.html", {"section": "history", "page": page})
