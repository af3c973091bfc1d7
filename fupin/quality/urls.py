from django.urls import path

from fupin.quality import views

app_name = "quality"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("act/", views.act, name="act"),
    path("run/", views.run, name="run"),
    path("export/", views.export, name="export"),
]
