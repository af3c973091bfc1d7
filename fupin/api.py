"""The REST API (OpenAPI at /api/docs): one NinjaAPI, one router per app, session or token auth."""

from ninja import NinjaAPI

from fupin.accounts.api import router as accounts_router
from fupin.accounts.auth import api_auth
from fupin.assistance.api import router as assistance_router
from fupin.core.api_errors import register_error_handlers
from fupin.cppcc.api import router as cppcc_router
from fupin.evaluation.api import router as evaluation_router
from fupin.funds.api import router as funds_router
from fupin.monitoring.api import router as monitoring_router
from fupin.policy.api import router as policy_router
from fupin.quality.api import router as quality_router
from fupin.regions.api import router as regions_router
from fupin.registry.api import router as registry_router
from fupin.reports.api import router as reports_router
from fupin.supervision.api import router as supervision_router

api = NinjaAPI(title="fupin API", version="1", auth=api_auth, urls_namespace="api")
api.add_router("/accounts", accounts_router, tags=["accounts"])
api.add_router("/regions", regions_router, tags=["regions"])
api.add_router("/registry", registry_router, tags=["registry"])
api.add_router("/policy", policy_router, tags=["policy"])
api.add_router("/reports", reports_router, tags=["reports"])
api.add_router("/quality", quality_router, tags=["quality"])
api.add_router("/assistance", assistance_router, tags=["assistance"])
api.add_router("/funds", funds_router, tags=["funds"])
api.add_router("/monitoring", monitoring_router, tags=["monitoring"])
api.add_router("/evaluation", evaluation_router, tags=["evaluation"])
api.add_router("/cppcc", cppcc_router, tags=["cppcc"])
api.add_router("/supervision", supervision_router, tags=["supervision"])
register_error_handlers(
    api
)  # one error shape everywhere: {"detail": [{field, code, message{zh,en}, row, sheet}]}
