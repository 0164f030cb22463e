from django.apps import AppConfig


class DeviationsConfig(AppConfig):
    name = "deviations"
    verbose_name = "Azure Linux deviations"
