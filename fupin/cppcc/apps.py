from django.apps import AppConfig


class CppccConfig(AppConfig):
    name = "fupin.cppcc"
