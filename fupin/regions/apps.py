from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "fupin.regions"
    verbose_name = "Regions"
