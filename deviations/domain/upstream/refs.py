"""Each deviation's upstream links, kept in step with its current version.

Extraction is cheap and needs no network, so every check refreshes it for the
deviations it covers: a link added to a comment shows up, a removed one goes.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from deviations.core.upstream.links import Link, Reference, references
from deviations.models import Deviation, DeviationLink, UpstreamLink


def deviation_references(deviation: Deviation) -> list[Reference]:
    version = deviation.current_version
    if version is None:
        return []
    return references(
        metadata=version.metadata if isinstance(version.metadata, dict) else {},
        description=version.description,
        comment=version.comment,
        reason=version.reason,
    )


def _link_row(link: Link) -> UpstreamLink:
    return UpstreamLink(
        url=link.url,
        service=str(link.service),
        kind=str(link.kind),
        host=link.host,
        project=link.project,
        number=link.number,
        sha=link.sha,
        created_at=timezone.now(),
    )


@transaction.atomic
def refresh(deviations: Iterable[Deviation]) -> dict[str, Link]:
    """Store every current deviation's references; the links found, by URL.

    Removed deviations keep no links (their rows go; the links stay for others).
    """
    found: dict[int, list[Reference]] = {}
    links: dict[str, Link] = {}
    for deviation in deviations:
        refs = [] if deviation.removed else deviation_references(deviation)
        found[deviation.pk] = refs
        for ref in refs:
            links.setdefault(ref.link.url, ref.link)
    existing = {row.url: row for row in UpstreamLink.objects.filter(url__in=list(links))}
    new = [_link_row(link) for url, link in links.items() if url not in existing]
    UpstreamLink.objects.bulk_create(new, batch_size=500)
    if new:
        existing.update(
            {row.url: row for row in UpstreamLink.objects.filter(url__in=[r.url for r in new])}
        )
    wanted = {
        (pk, existing[ref.link.url].pk): (position, ref)
        for pk, refs in found.items()
        for position, ref in enumerate(refs)
    }
    current = {
        (row.deviation_id, row.link_id): row
        for row in DeviationLink.objects.filter(deviation_id__in=list(found))
    }
    stale = [row.pk for key, row in current.items() if key not in wanted]
    DeviationLink.objects.filter(pk__in=stale).delete()
    changed, added = [], []
    for (pk, link_id), (position, ref) in wanted.items():
        row = current.get((pk, link_id))
        values = {"source": str(ref.source), "context": ref.context[:300], "position": position}
        if row is None:
            added.append(DeviationLink(deviation_id=pk, link_id=link_id, **values))
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            changed.append(row)
    DeviationLink.objects.bulk_create(added, batch_size=500)
    DeviationLink.objects.bulk_update(changed, ["source", "context", "position"], batch_size=500)
    return links
