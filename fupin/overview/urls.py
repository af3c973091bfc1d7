from django.urls import path

from fupin.overview import views

app_name = "overview"
urlpatterns = [
    path("", views.overview, name="overview"),
]
