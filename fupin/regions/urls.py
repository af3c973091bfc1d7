from django.urls import path

from fupin.regions import views

app_name = "regions"
urlpatterns = [
    path("", views.region_browser, name="region_browser"),
    path("boundaries/", views.boundary_upload, name="boundary_upload"),
    path("boundaries/geo.json", views.boundary_geojson, name="boundary_geojson"),
    path("<str:code>/", views.region_browser, name="region_detail"),
    path("<str:code>/status/", views.region_status, name="region_status"),
]
