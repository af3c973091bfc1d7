from django.urls import path

from fupin.regions import views

app_name = "regions"
urlpatterns = [
    path("", views.region_browser, name="region_browser"),
    path("<str:code>/", views.region_browser, name="region_detail"),
]
