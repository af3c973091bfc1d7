from django.urls import path

from fupin.policy import views

app_name = "policy"
urlpatterns = [
    path("", views.parameter_list, name="parameter_list"),
    path("new/", views.parameter_edit, name="parameter_create"),
    path("<int:pk>/", views.parameter_edit, name="parameter_edit"),
    path("<int:pk>/delete/", views.parameter_delete, name="parameter_delete"),
]
