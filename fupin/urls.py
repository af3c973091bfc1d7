from django.urls import include, path

from fupin.api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("", include("fupin.core.urls")),
    path("accounts/", include("fupin.accounts.urls")),
    path("regions/", include("fupin.regions.urls")),
    path("registry/", include("fupin.registry.urls")),
    path("policy/", include("fupin.policy.urls")),
    path("reports/", include("fupin.reports.urls")),
    path("quality/", include("fupin.quality.urls")),
    path("assistance/", include("fupin.assistance.urls")),
    path("funds/", include("fupin.funds.urls")),
    path("monitoring/", include("fupin.monitoring.urls")),
    path("evaluation/", include("fupin.evaluation.urls")),
    path("cppcc/", include("fupin.cppcc.urls")),
    path("supervision/", include("fupin.supervision.urls")),
    path("overview/", include("fupin.overview.urls")),
]

# The 500 page in the app's layout (404 is the template 404.html); the 403 page says why in one language.
handler403 = "fupin.core.views.permission_denied"
handler500 = "fupin.core.views.server_error"
