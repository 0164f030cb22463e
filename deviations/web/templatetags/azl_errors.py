"""For the error pages: a static file's URL that cannot fail.

The error pages must render when nothing else does, including when the
manifest storage cannot name a file because `collectstatic` never ran (with
DEBUG off `{% static %}` then raises, and a 500 page that raises leaves the
server's bare "A server error occurred").  `static_or_nothing` gives the URL
when the storage can name the file and "" otherwise, so the page drops its
stylesheet and stays plain HTML (no inline style: the CSP stays strict).
"""

from __future__ import annotations

from django import template
from django.contrib.staticfiles.storage import staticfiles_storage

register = template.Library()


@register.simple_tag
def static_or_nothing(path: str) -> str:
    try:
        return str(staticfiles_storage.url(path))
    except Exception:  # noqa: BLE001 - an error page must render whatever the storage says
        return ""
