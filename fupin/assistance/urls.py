from django.urls import path

from fupin.assistance import views

app_name = "assistance"
urlpatterns = [
    path("", views.home, name="home"),
    path("mine/", views.my_households, name="my_households"),
    path("households/<str:household_no>/", views.household_plan, name="household_plan"),
    path("households/<str:household_no>/handbook/", views.handbook, name="handbook"),
    path("measures/<int:pk>/", views.measure_edit, name="measure_edit"),
    path("coverage/", views.coverage_worklist, name="coverage"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/new/", views.catalogue_edit, name="catalogue_new"),
    path("catalogue/<str:code>/", views.catalogue_edit, name="catalogue_edit"),
    path("cadres/", views.cadres, name="cadres"),
    path("teams/", views.teams, name="teams"),
    path("units/", views.units, name="units"),
    path("leaders/", views.leaders, name="leaders"),
    path("helpers/", views.helpers, name="helpers"),
    path("matters/", views.matters, name="matters"),
]
