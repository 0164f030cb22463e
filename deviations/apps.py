from django.apps import AppConfig


class DeviationsConfig(AppConfig):
    name = "deviations"
    verbose_name = "Azure Linux deviations"

    def ready(self) -> None:
        # The admin belongs to the web layer (deviations/web/admin.py), so the admin's
        # autodiscovery of `deviations.admin` would not find it: register it here.
        from deviations.web import admin, checks  # noqa: F401 - admin and system checks
