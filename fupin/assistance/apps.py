from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "fupin.assistance"
