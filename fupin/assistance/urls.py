from django.urls import path

from fupin.assistance import views

app_name = "assistance"
urlpatterns = [
    path("", views.home, name="home"),
]
