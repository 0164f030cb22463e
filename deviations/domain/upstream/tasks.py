"""The upstream check as a task of Django's tasks framework (`django.tasks`).

With the default immediate backend it runs in the caller; with `TASKS_BACKEND=database`
a `manage.py db_worker` process runs it.  One task per check: its questions run in
threads inside the task, limited per host, so one worker suffices.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.tasks import task

from deviations.domain.upstream.check import CheckRequest, run_check
from deviations.vocabulary import Origin, UpstreamCheckTrigger


@task()
def check_upstream(
    components: list[str] | None = None,
    links: bool = True,
    releases: bool = True,
    force: bool = False,
    user_id: int | None = None,
    trigger: str = UpstreamCheckTrigger.TASK,
) -> dict[str, Any]:
    """Run one upstream check; the check's id and summary."""
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    result = run_check(
        CheckRequest(
            components=components,
            links=links,
            releases=releases,
            force=force,
            trigger=UpstreamCheckTrigger(trigger),  # arrives as its value (JSON)
            origin=Origin.TASK,
            user=user,
        )
    )
    return {"check": result.check.pk, "offline": result.offline, **result.check.summary}
