"""The OpenAPI document lists every endpoint with its schemas; the docs page needs no internet."""

from __future__ import annotations

from django.test import Client

EXPECTED = {
    "/api/registry/households": {"get", "post"},
    "/api/registry/households/{household_no}": {"get", "put", "patch", "delete"},
    "/api/registry/households/{household_no}/restore": {"post"},
    "/api/registry/households/{household_no}/years": {"get"},
    "/api/registry/households/{household_no}/years/{year}": {"put", "delete"},
    "/api/registry/households/{household_no}/members": {"get", "post"},
    "/api/registry/members/{member_id}": {"patch"},
    "/api/registry/members/{member_id}/leave": {"post"},
    "/api/registry/members/{member_id}/move": {"post"},
    "/api/registry/households/{household_no}/history": {"get"},
    "/api/registry/imports": {"get", "post"},
    "/api/registry/imports/{batch_id}": {"get"},
    "/api/registry/imports/{batch_id}/errors.xlsx": {"get"},
    "/api/accounts/me": {"get"},
    "/api/accounts/tokens": {"get", "post"},
    "/api/accounts/tokens/{token_id}": {"delete"},
}


def test_openapi_lists_every_endpoint_with_schemas(db):
    r = Client().get("/api/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    for path, methods in EXPECTED.items():
        assert path in doc["paths"], path
        assert methods <= set(doc["paths"][path]), path
    schemas = doc["components"]["schemas"]
    assert {
        "HouseholdOut",
        "HouseholdPage",
        "HouseholdCreateIn",
        "MemberOut",
        "ChangePage",
        "ImportOut",
        "ErrorOut",
        "MeOut",
    } <= set(schemas)
    assert "status_label" in schemas["YearOut"]["properties"]
    get_one = doc["paths"]["/api/registry/households/{household_no}"]["get"]
    assert {"200", "401", "403", "404", "422"} <= set(get_one["responses"])
    assert set(doc["components"]["securitySchemes"]) == {"BearerToken", "SessionAuth"}
    upload = doc["paths"]["/api/registry/imports"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload


def test_docs_page_serves_its_own_assets(db):
    r = Client().get("/api/docs")
    assert r.status_code == 200
    html = r.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    # no asset from elsewhere: every src/href is local (the random CSRF token may contain any letters)
    import re

    assert not re.search(r'(src|href)="(https?:)?//', html)
