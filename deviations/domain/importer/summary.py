"""What the records hold now: the numbers `import_config` and the demo print."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from deviations.models import Component, Deviation
from deviations.vocabulary import DeviationKind


def database_summary() -> dict[str, Any]:
    """Counts over live (not removed) components and deviations, read from the database."""
    components = Component.objects.filter(removed=False)
    deviations = Deviation.objects.filter(removed=False)
    by_kind = dict(
        deviations.values_list("kind")
        .annotate(n=Count("id"))
        .order_by("kind")
        .values_list("kind", "n")
    )
    by_type = dict(
        deviations.filter(kind=DeviationKind.OVERLAY)
        .values_list("overlay_type")
        .annotate(n=Count("id"))
        .order_by("overlay_type")
        .values_list("overlay_type", "n")
    )
    return {
        "components": components.count(),
        "customized_components": components.filter(deviation_count__gt=0).count(),
        "deviations": sum(by_kind.values()),
        "deviations_by_kind": by_kind,
        "overlays_by_type": by_type,
    }
