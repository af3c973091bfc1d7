"""The one error type: every refusal carries problems (field, code, zh, en); the API's items are written once."""

import importlib

import pytest
from django.utils import translation

from fupin.core.errors import Denied, EditConflict, InputRejected, Problem


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_items_keep_the_api_shape_with_row_and_sheet_null():
    e = InputRejected(Problem("year", "reports.invalid", "年度无效", "invalid year"))
    assert e.status == 422
    assert e.api_items() == [
        {
            "field": "year",
            "code": "reports.invalid",
            "message": {"zh": "年度无效", "en": "invalid year"},
            "row": None,
            "sheet": None,
        }
    ]


def test_an_edit_conflict_is_409_and_names_the_current_version():
    e = EditConflict("v1", "v2")
    assert e.status == 409
    [item] = e.api_items()
    assert (item["field"], item["code"], item["value"], item["row"], item["sheet"]) == (
        "version",
        "edit.conflict",
        "v2",
        None,
        None,
    )
    assert EditConflict().api_items()[0]["value"] is None  # the key is there, null


def test_every_problem_is_an_item_and_the_terminal_text_has_both_languages():
    e = InputRejected(Problem("a", "x.one", "甲", "one"), Problem("b", "x.two", "乙", "two"))
    assert [i["field"] for i in e.api_items()] == ["a", "b"]
    assert str(e) == "甲 / one; 乙 / two"


@pytest.mark.parametrize(("lang", "shown"), [("en", "invalid year"), ("zh-hans", "年度无效")])
def test_a_page_gets_the_message_in_its_language_only(lang, shown):
    e = InputRejected(Problem("year", "reports.invalid", "年度无效", "invalid year"))
    d = Denied("您无权执行此操作", "you may not do this")
    with translation.override(lang):
        assert e.message() == shown == e.problems[0].message()
        assert d.message() == {"en": "you may not do this"}.get(lang, "您无权执行此操作")
    assert str(d) == "您无权执行此操作 / you may not do this"  # the command line's text


def test_no_subclass_writes_its_own_api_items():
    for module in (
        "fupin.accounts.scope",
        "fupin.accounts.services",
        "fupin.assistance.services",
        "fupin.core.tables",
        "fupin.core.versions",
        "fupin.core.ziplimits",
        "fupin.evaluation.services",
        "fupin.funds.services",
        "fupin.monitoring.services",
        "fupin.policy.services",
        "fupin.quality.errors",
        "fupin.regions.boundaries",
        "fupin.regions.services",
        "fupin.registry.locks",
        "fupin.registry.services",
        "fupin.reports.services",
    ):
        importlib.import_module(module)
    subclasses = list(_subclasses(InputRejected))
    assert len(subclasses) >= 12
    assert [c.__name__ for c in subclasses if "api_items" in vars(c)] == []
