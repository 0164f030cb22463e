"""A config commit: the deviations it introduced and changed."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from deviations.reads import history, queries
from deviations.web.views.pages import paginate, render_page

PER_PAGE = 50


@require_GET
def config_commit(request: HttpRequest, sha: str) -> HttpResponse:
    commit = queries.config_commit(sha)
    if commit.sha != sha:
        return redirect("config_commit", sha=commit.sha)  # a short id: one canonical URL
    context = {
        "section": "deviations",
        "commit": commit,
        "introduced": paginate(request, queries.introduced_in(commit), PER_PAGE, "ipage"),
        "changed": paginate(request, queries.changed_in(commit), PER_PAGE, "cpage"),
        "recorded": paginate(request, queries.versions_recorded_at(commit), PER_PAGE, "vpage"),
        "source": history.config_source(),  # for the commit's page on the forge
    }
    return render_page(request, "commits/detail.html", context)
