from django.contrib import admin
from django.urls import path

from deviations.views import health

urlpatterns = [
    path("health/", health.health, name="health"),
    path("admin/", admin.site.urls),
]
