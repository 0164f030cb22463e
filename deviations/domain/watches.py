"""Watching components and saved filters of the deviation list: each start and stop audited.

A watch is its user's: nobody watches for someone else.  A saved filter is the
deviation list's query string, normalised (`normalise_query`), so the same filter
saved twice is one watch; the web layer checks it against the list's FilterSet first.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from deviations.domain import audit
from deviations.models import Component, Watch
from deviations.vocabulary import AuditAction, WatchKind

# Query keys that choose a page or a view of the list, not its rows.
NOT_FILTERS = frozenset({"page", "as_of"})
MAX_QUERY = 2000


def normalise_query(query: str) -> str:
    """`query` without empty values and paging, its keys sorted (values keep their order)."""
    pairs = [
        (key, value.strip())
        for key, value in parse_qsl(query, keep_blank_values=True)
        if key not in NOT_FILTERS and value.strip()
    ]
    return urlencode(sorted(pairs, key=lambda pair: pair[0]))


def _component_name(watch: Watch) -> str:
    return watch.component.name if watch.component is not None else ""


def _described(watch: Watch) -> audit.Described:
    return {
        "object_type": "watch",
        "object_id": str(watch.pk),
        "object_repr": f"{watch.user.get_username()} watches {watch}"[:500],
    }


def _snapshot(watch: Watch) -> dict[str, str]:
    return {
        "user": watch.user.get_username(),
        "kind": watch.kind,
        "component": _component_name(watch),
        "query": watch.query,
        "name": watch.name,
    }


def watch_component(actor: audit.Actor, user: User, component: Component) -> tuple[Watch, bool]:
    """`user` watches `component` (already watching: that watch, and False)."""
    return _add(actor, Watch(user=user, kind=WatchKind.COMPONENT, component=component))


def watch_filter(actor: audit.Actor, user: User, query: str, name: str = "") -> tuple[Watch, bool]:
    """`user` watches the deviation list filtered by `query` (normalised here)."""
    normal = normalise_query(query)
    if len(normal) > MAX_QUERY:
        raise ValueError(f"a saved filter is at most {MAX_QUERY} characters of query string")
    label = name.strip()[:200] or normal or "all deviations"
    return _add(actor, Watch(user=user, kind=WatchKind.FILTER, query=normal, name=label))


def _existing(watch: Watch) -> Watch | None:
    found = Watch.objects.filter(user=watch.user, kind=watch.kind)
    if watch.kind == WatchKind.COMPONENT:
        return found.filter(component=watch.component).first()
    return found.filter(query=watch.query).first()


def _add(actor: audit.Actor, watch: Watch) -> tuple[Watch, bool]:
    existing = _existing(watch)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            watch.save()
            audit.record(
                actor, AuditAction.WATCH_ADDED, **_described(watch), after=_snapshot(watch)
            )
    except IntegrityError:  # the same watch, made by a concurrent request
        existing = _existing(watch)
        if existing is None:
            raise
        return existing, False
    return watch, True


def unwatch(actor: audit.Actor, watch: Watch) -> None:
    """Stop the watch: only its own user does (a watch is nobody else's business)."""
    if actor.user is None or actor.user.pk != watch.user_id:
        raise PermissionDenied("Only the user who watches something stops watching it.")
    with transaction.atomic():
        described, before = _described(watch), _snapshot(watch)
        Watch.objects.filter(pk=watch.pk).delete()
        audit.record(
            actor,
            AuditAction.WATCH_REMOVED,
            **described,
            component_name=before["component"],
            before=before,
        )
