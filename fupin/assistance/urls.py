from django.urls import path

from fupin.assistance.views import catalogue, coverage, households, lists

app_name = "assistance"
urlpatterns = [
    path("", households.home, name="home"),
    path("mine/", households.my_households, name="my_households"),
    path("households/<str:household_no>/", households.household_plan, name="household_plan"),
    path("households/<str:household_no>/handbook/", households.handbook, name="handbook"),
    path("measures/<int:pk>/", households.measure_edit, name="measure_edit"),
    path("coverage/", coverage.coverage_worklist, name="coverage"),
    path("catalogue/", catalogue.catalogue, name="catalogue"),
    path("catalogue/new/", catalogue.catalogue_edit, name="catalogue_new"),
    path("catalogue/<str:code>/", catalogue.catalogue_edit, name="catalogue_edit"),
    path("cadres/", lists.cadres, name="cadres"),
    path("teams/", lists.teams, name="teams"),
    path("units/", lists.units, name="units"),
    path("leaders/", lists.leaders, name="leaders"),
    path("helpers/", lists.helpers, name="helpers"),
    path("matters/", lists.matters, name="matters"),
]
