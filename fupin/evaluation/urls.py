from django.urls import path

from fupin.evaluation import views

app_name = "evaluation"
urlpatterns = [
    path("", views.evaluation_list, name="list"),
    path("<int:pk>/", views.evaluation_detail, name="detail"),
    path("<int:pk>/export.xlsx", views.evaluation_export, name="export"),
    path("<int:pk>/import/", views.visit_import, name="import"),
    path("<int:pk>/close/", views.evaluation_close, name="close"),
    path("<int:pk>/visits/<int:sampled_pk>/", views.visit_edit, name="visit"),
]
