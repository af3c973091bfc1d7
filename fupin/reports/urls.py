from django.urls import path

from fupin.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.statistics, name="statistics"),
    path("statistics.xlsx", views.statistics_export, name="statistics_export"),
    path("headline/", views.headline_page, name="headline"),
    path("headline.xlsx", views.headline_export, name="headline_export"),
    path("identify/", views.identify, name="identify"),
    path("exits/", views.exits, name="exits"),
    path("runs/", views.run_list, name="run_list"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/status/", views.run_status, name="run_status"),
    path("runs/<int:pk>/export.xlsx", views.run_export, name="run_export"),
    path("runs/<int:pk>/reproduce/", views.run_reproduce, name="run_reproduce"),
    path("county-inputs/", views.county_inputs, name="county_inputs"),
    path("county-inputs/new/", views.county_input_edit, name="county_input_create"),
    path("county-inputs/<int:pk>/", views.county_input_edit, name="county_input_edit"),
]
