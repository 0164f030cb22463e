from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from deviations.web.caching import own_cache_policy


@own_cache_policy
@login_not_required
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness and database check; the one page that needs no login."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok"})
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return JsonResponse({"status": "database unavailable"}, status=503)
