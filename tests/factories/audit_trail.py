"""Audit events as an import writes them, for pages that show a component's trail."""

from __future__ import annotations

from django.db import transaction

from deviations.domain import audit
from deviations.models import Component, Deviation


def record_import_events(
    comp: Component, devs: list[Deviation], label: str = "", *, deviations_only: bool = False
) -> None:
    """`component.created` for `comp` (unless `deviations_only`) and `deviation.created` for
    each of `devs`, by the job `label` (default: the import run of the first deviation's
    version, as `verify_audit` expects every import run to have events), in the real hash
    chain."""
    if not label:
        label = f"import #{devs[0].current_version.import_run_id}" if devs else "import #1"
    actor = audit.Actor.job(label)
    drafts = (
        []
        if deviations_only
        else [
            audit.Draft(
                action="component.created",
                object_type="component",
                object_id=str(comp.pk),
                object_repr=comp.name,
                component_name=comp.name,
                after={"name": comp.name},
            )
        ]
    )
    drafts += [
        audit.Draft(
            action="deviation.created",
            object_type="deviation",
            object_id=str(d.pk),
            object_repr=str(d)[:200],
            component_name=comp.name,
            after={"fingerprint": d.fingerprint},
        )
        for d in devs
    ]
    with transaction.atomic():
        audit.record_many(actor, drafts)
