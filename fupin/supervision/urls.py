from django.urls import path

from fupin.supervision import views

app_name = "supervision"
urlpatterns = [
    path("", views.item_list, name="list"),
    path("proposal/", views.proposal, name="proposal"),
    path("keep/", views.keep_worklist, name="keep"),
    path("<int:pk>/", views.item_detail, name="detail"),
    path("<int:pk>/visits/", views.visit_add, name="visit"),
    path("<int:pk>/close/", views.item_close, name="close"),
]
