from django.urls import path

from fupin.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("batch/", views.run_batch, name="run_batch"),
    path("alerts/", views.alert_list, name="alert_list"),
    path("alerts/export/", views.alert_export, name="alert_export"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert_detail"),
    path("departments/", views.department_upload, name="department_upload"),
    path("departments/<int:pk>/", views.department_report, name="department_report"),
    path("departments/<int:pk>/unmatched.xlsx", views.department_unmatched, name="department_unmatched"),
    path("report/", views.self_report, name="self_report"),
]
urlpatterns += [
    path("households/", views.household_drill, name="household_drill"),
    path("export.xlsx", views.dashboard_export, name="dashboard_export"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_open, name="case_open"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("elimination/", views.elimination_list, name="elimination_list"),
]
