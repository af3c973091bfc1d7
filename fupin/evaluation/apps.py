from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "fupin.evaluation"
