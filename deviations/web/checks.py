"""System checks of the web face (registered by deviations.apps).

azldrift.W001: with DEBUG off, the manifest storage names every static file
from the manifest `collectstatic` writes; without it `{% static %}` raises, so
every page answers 500 (the error pages still render: templates/error_base.html).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.checks import CheckMessage, Warning, register
from django.core.files.storage import storages

# Not Tags.staticfiles: collectstatic runs those checks, and would warn before collecting.
TAG = "azldrift"


@register(TAG)
def static_manifest(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.DEBUG:
        return []  # DEBUG serves unhashed names: no manifest needed
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin):
        return []
    if storage.manifest_storage.exists(storage.manifest_name):
        return []
    where = settings.STATIC_ROOT
    return [
        Warning(
            f"The static files manifest ({where}/{storage.manifest_name}) is missing while "
            "DEBUG is off: every page will answer 500 (only the plain error pages render).",
            hint="Run `manage.py collectstatic` (it writes STATIC_ROOT), or set STATIC_PLAIN=1.",
            id="azldrift.W001",
        )
    ]
