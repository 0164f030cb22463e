"""Atom feeds (django.contrib.syndication): a component, a filter of the deviation list,
the review queue, and a user's own page.

Feed readers have no session, so every feed URL carries its user's feed key
(/feeds/<key>/...).  The key opens these views only -- no authentication class or
middleware reads it anywhere else, so it opens neither the API nor a page -- and only
for reading (GET and HEAD).  Each request asks the key's user's role as a page would: a
revoked key, a deactivated account or one without a role gets a 404, never a hint that
the key once worked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import User
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.views.decorators.http import require_safe

from deviations.domain import feeds, permissions
from deviations.models import AuditEvent, Component, Deviation, Watch
from deviations.reads import mine, queries
from deviations.reads.filters import DeviationFilter, QueueFilter
from deviations.vocabulary import AuditAction, DeviationKind, ReviewState, Vocabulary, WatchKind
from deviations.web.caching import PRIVATE
from deviations.web.converters import component_url

ENTRIES = 50
# What a deviation entry shows: the lists' rows also carry their commits (with large
# columns), which a feed does not show.
DEVIATION_FIELDS = (
    "id",
    "key",
    "kind",
    "description",
    "overlay_type",
    "review_state",
    "verdict_at_pin",
    "verdict_at_tip",
    "created_at",
    "updated_at",
    "review_state_changed_at",
    "component__name",
)


def _entries(rows: QuerySet[Deviation]) -> list[Deviation]:
    return list(
        rows.select_related(None).select_related("component").only(*DEVIATION_FIELDS)[:ENTRIES]
    )


@dataclass
class Subject:
    """What a feed is about, for its user."""

    user: User
    title: str
    link: str
    about: str
    items: list[Any]


def _label(vocabulary: type[Vocabulary], value: str) -> str:
    """A value's label (Django's get_FOO_display rebuilds a dict of every choice per call,
    which 50 entries notice); a value the vocabulary lost shows as it is."""
    try:
        return vocabulary(value).label
    except ValueError:
        return value


class _AzlFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Subject:
        raise NotImplementedError

    def title(self, obj: Subject) -> str:
        return f"azldrift: {obj.title}"

    def link(self, obj: Subject) -> str:
        return obj.link

    def subtitle(self, obj: Subject) -> str:
        return obj.about

    def author_name(self) -> str:
        return "azldrift"

    def items(self, obj: Subject) -> list[Any]:
        return obj.items


class _EventFeed(_AzlFeed):
    """Entries are audit events, newest first."""

    def item_title(self, item: AuditEvent) -> str:
        return f"{_label(AuditAction, item.action)}: {item.object_repr}"

    def item_link(self, item: AuditEvent) -> str:
        return reverse("audit_event", args=[item.seq])

    def item_pubdate(self, item: AuditEvent) -> dt.datetime:
        return item.created_at

    def item_updateddate(self, item: AuditEvent) -> dt.datetime:
        return item.created_at

    def item_author_name(self, item: AuditEvent) -> str:
        return item.actor_label

    def item_description(self, item: AuditEvent) -> str:
        action = _label(AuditAction, item.action)
        where = f" in {item.component_name}" if item.component_name else ""
        return escape(f"{action}{where} by {item.actor_label} (event #{item.seq})")


class _DeviationFeed(_AzlFeed):
    """Entries are deviations, the most recently changed (or queued) first."""

    def item_title(self, item: Deviation) -> str:
        return f"{item.component.name}: {item.description or item.key}"[:300]

    def item_link(self, item: Deviation) -> str:
        return reverse("deviation", args=[item.pk])

    def item_pubdate(self, item: Deviation) -> dt.datetime:
        return getattr(item, "waiting_since", None) or item.updated_at

    def item_updateddate(self, item: Deviation) -> dt.datetime:
        return item.updated_at

    def item_description(self, item: Deviation) -> str:
        facts = [
            _label(DeviationKind, item.kind),
            f"review: {_label(ReviewState, item.review_state)}",
        ]
        if item.overlay_type:
            facts.insert(1, item.overlay_type)
        for target, verdict in (("pin", item.verdict_at_pin), ("tip", item.verdict_at_tip)):
            if verdict:
                facts.append(f"at {target}: {verdict}")
        return escape(" · ".join(facts))


class ComponentFeed(_EventFeed):
    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Subject:
        component = Component.objects.filter(name=kwargs["name"]).first()
        if component is None:
            raise Http404("no such component")
        rows = queries.audit_list_rows().filter(component_name=component.name).order_by("-seq")
        return Subject(
            kwargs["user"],
            component.name,
            component_url(component.name, component.pk),
            f"Every change to {component.name} and its deviations.",
            list(rows[:ENTRIES]),
        )


class DeviationsFeed(_DeviationFeed):
    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Subject:
        filterset = DeviationFilter(request.GET, queryset=queries.deviation_rows())
        rows = filterset.qs.order_by("-updated_at", "-id")
        query = request.GET.urlencode()
        return Subject(
            kwargs["user"],
            f"deviations {query}" if query else "deviations",
            f"{reverse('deviations')}?{query}" if query else reverse("deviations"),
            "Deviations of this filter of the list, the most recently changed first.",
            _entries(rows),
        )


class QueueFeed(_DeviationFeed):
    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Subject:
        filterset = QueueFilter(request.GET, queryset=queries.queue_rows())
        rows = filterset.qs.order_by("-waiting_since", "-id")
        return Subject(
            kwargs["user"],
            "review queue",
            reverse("review_queue"),
            "Deviations waiting for a review decision, the latest to start waiting first.",
            _entries(rows),
        )


class MineFeed(_EventFeed):
    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Subject:
        user = kwargs["user"]
        return Subject(
            user,
            f"{user.get_username()}'s deviations and watches",
            reverse("mine"),
            "Changes to the deviations you authored or own and to the components you watch.",
            mine.events(user, ENTRIES),
        )


def _keyed(feed: Feed) -> Callable[..., HttpResponse]:
    """The feed behind a key: its user's, read-only, while the key and the role last."""

    @login_not_required
    @require_safe
    def view(request: HttpRequest, key: str, **kwargs: Any) -> HttpResponse:
        user = feeds.user_for(key)
        if user is None or not permissions.can_view(user):
            raise Http404("no such feed")
        response = feed(request, user=user, **kwargs)
        # The URL is a credential: no shared cache may keep what it answered.
        response["Cache-Control"] = PRIVATE
        return response

    return view


component_feed = _keyed(ComponentFeed())
deviations_feed = _keyed(DeviationsFeed())
queue_feed = _keyed(QueueFeed())
mine_feed = _keyed(MineFeed())


def watch_feed(key: str, watch: Watch) -> str:
    """The feed (path) of what a watch follows, opened by `key`."""
    if watch.kind == WatchKind.COMPONENT and watch.component is not None:
        return reverse("feed_component", args=[key, watch.component.name])
    base = reverse("feed_deviations", args=[key])
    return f"{base}?{watch.query}" if watch.query else base
