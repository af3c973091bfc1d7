from django.urls import path

from fupin.funds import views

app_name = "funds"
urlpatterns = [
    path("", views.project_list, name="project_list"),
]
