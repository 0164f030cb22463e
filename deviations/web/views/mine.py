"""The "Mine" page: my deviations, reviews waiting for me, my watches, my feed key."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from deviations.domain import audit, feeds
from deviations.reads import mine
from deviations.vocabulary import Origin
from deviations.web.access import SignedInRequest
from deviations.web.views.feeds import watch_feed
from deviations.web.views.pages import render_page


def _page(request: SignedInRequest, key: str = "", status: int = 200) -> HttpResponse:
    data = mine.mine_page(request.user)
    feed_urls = {}
    if key:
        # Shown once, with the key in them: afterwards only its hash is kept.
        build = request.build_absolute_uri
        feed_urls = {
            "Mine": build(reverse("feed_mine", args=[key])),
            "Review queue": build(reverse("feed_queue", args=[key])),
        }
        for section in data.sections:
            if section.name == "watches":
                for watch in section.rows:
                    feed_urls[str(watch)] = build(watch_feed(key, watch))
    context = {"section": "mine", "page_data": data, "new_key": key, "feed_urls": feed_urls}
    return render_page(request, "mine/mine.html", context, status=status)


@require_GET
def mine_page(request: SignedInRequest) -> HttpResponse:
    return _page(request)


@require_POST
def feed_token(request: SignedInRequest) -> HttpResponse:
    """Make a new feed key (shown once, on the page this answers) or revoke the key."""
    actor = audit.Actor.for_user(request.user, Origin.WEB)
    if request.POST.get("action") == "revoke":
        if feeds.revoke(actor, request.user):
            messages.success(request, "Your feed key is revoked: its feed URLs no longer open.")
        return _page(request)
    return _page(request, feeds.issue(actor, request.user))
