from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "fupin.core"

    def ready(self) -> None:
        from fupin.core import lookups

        lookups.register()
