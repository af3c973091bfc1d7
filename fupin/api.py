"""The REST API (OpenAPI at /api/docs): one NinjaAPI, one router per app, session or token auth."""

from ninja import NinjaAPI

from fupin.accounts.auth import api_auth

api = NinjaAPI(title="fupin API", version="1", auth=api_auth, urls_namespace="api")
