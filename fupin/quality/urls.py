from django.urls import path

from fupin.quality import views

app_name = "quality"
urlpatterns = [
    path("", views.worklist, name="worklist"),
]
