"""Every schema of the API has a name of its own in the OpenAPI document. Two schemas with one name are one
component there: the other is then documented (and checked by clients) as that one — the evaluation
sample's visits were described as supervision visits, the registry's members as CPPCC members."""

from __future__ import annotations

from collections import defaultdict

import pydantic

from fupin.api import api


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_no_two_schemas_of_the_api_share_a_name():
    api.get_openapi_schema()  # every router and its schemas imported
    modules = defaultdict(set)
    for model in _subclasses(pydantic.BaseModel):
        if model.__module__.startswith("fupin."):
            modules[model.__name__].add(model.__module__)
    assert {name: sorted(m) for name, m in modules.items() if len(m) > 1} == {}


def _component(document: dict, ref: str) -> dict:
    return document["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_each_operation_is_documented_with_its_own_schemas():
    document = api.get_openapi_schema()
    sample = document["components"]["schemas"]["SampledOut"]["properties"]["visit"]["anyOf"][0]["$ref"]
    assert "income_pc" in _component(document, sample)["properties"]  # an evaluation visit
    member = document["paths"]["/api/registry/households/{household_no}/members"]
    body = member["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert "id_number" in _component(document, body)["properties"]  # a registry member, not a CPPCC one
