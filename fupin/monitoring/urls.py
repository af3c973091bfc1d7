from django.urls import path

from fupin.monitoring.views import alerts, cases, dashboard, departments, public

app_name = "monitoring"
urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("batch/", alerts.run_batch, name="run_batch"),
    path("alerts/", alerts.alert_list, name="alert_list"),
    path("alerts/export/", alerts.alert_export, name="alert_export"),
    path("alerts/<int:pk>/", alerts.alert_detail, name="alert_detail"),
    path("departments/", departments.department_upload, name="department_upload"),
    path("departments/<int:pk>/", departments.department_report, name="department_report"),
    path(
        "departments/<int:pk>/unmatched.xlsx", departments.department_unmatched, name="department_unmatched"
    ),
    path("report/", public.self_report, name="self_report"),
]
urlpatterns += [
    path("households/", dashboard.household_drill, name="household_drill"),
    path("export.xlsx", dashboard.dashboard_export, name="dashboard_export"),
    path("cases/", cases.case_list, name="case_list"),
    path("cases/new/", cases.case_open, name="case_open"),
    path("cases/<int:pk>/", cases.case_detail, name="case_detail"),
    path("elimination/", cases.elimination_list, name="elimination_list"),
]
