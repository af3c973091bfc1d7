"""Registry pages. Read side (list, detail, export) in views_read; write side (forms, import) in views_write.

Write-side views are looked up with getattr so that this module imports while views_write is being built:
a missing view answers 404 until it exists.
"""

from django.http import Http404
from django.urls import path

from fupin.registry import views_read

try:
    from fupin.registry import views_write
except ImportError:  # pragma: no cover - only while the write side is being written
    views_write = None


def _missing(request, *args, **kwargs):
    raise Http404("not yet available / 尚未提供")


def _write(name: str):
    return getattr(views_write, name, _missing)


app_name = "registry"
urlpatterns = [
    path("", views_read.household_list, name="household_list"),
    path("export/", views_read.household_export, name="household_export"),
    path("new/", _write("household_create"), name="household_create"),
    path("import/", _write("import_upload"), name="import_upload"),
    path("import/<int:pk>/", _write("import_status"), name="import_status"),
    path("h/<str:household_no>/", views_read.household_detail, name="household_detail"),
    path("h/<str:household_no>/edit/", _write("household_edit"), name="household_edit"),
    path("h/<str:household_no>/delete/", _write("household_delete"), name="household_delete"),
    path(
        "h/<str:household_no>/members/<int:member_id>/change/", _write("member_change"), name="member_change"
    ),
]
urlpatterns += [
    path("import/template/", _write("import_template"), name="import_template"),
    path("import/<int:pk>/errors/", _write("import_errors"), name="import_errors"),
]
