from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "fupin.monitoring"
