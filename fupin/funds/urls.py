from django.urls import path

from fupin.funds import views

app_name = "funds"
urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("new/", views.project_edit, name="project_create"),
    path("anomalies/", views.anomaly_list, name="anomaly_list"),
    path("<int:pk>/", views.project_detail, name="project_detail"),
    path("<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("<int:pk>/action/", views.project_action, name="project_action"),
    path("<int:pk>/beneficiaries/", views.beneficiary_add, name="beneficiary_add"),
    path(
        "<int:pk>/beneficiaries/<int:household_id>/remove/",
        views.beneficiary_remove,
        name="beneficiary_remove",
    ),
    path("<int:pk>/payments/", views.payment_add, name="payment_add"),
    path("<int:pk>/payments.xlsx", views.payments_export, name="payments_export"),
    path("<int:pk>/announcement/", views.announcement_page, name="announcement"),
    path("<int:pk>/announcement.pdf", views.announcement_pdf, name="announcement_pdf"),
]
