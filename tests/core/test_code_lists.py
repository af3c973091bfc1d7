"""Code lists: every code has a Chinese and an English label, and fields show the active language only."""

import importlib
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import translation

import fupin
from fupin.codes import CodeList

CJK = re.compile(r"[\u4e00-\u9fff]")
MODULES = [
    "fupin.codes",
    "fupin.assistance.catalogue",
    "fupin.assistance.codes",
    "fupin.cppcc.codes",
    "fupin.evaluation.codes",
    "fupin.funds.codes",
    "fupin.monitoring.codes",
    "fupin.quality.codes",
    "fupin.registry.codes",
    "fupin.reports.codes",
    "fupin.supervision.codes",
]
# Region levels are integers labelled by regions/codes.py LEVEL_NAMES; the level is shown by name only.
NOT_CODE_LISTS = {("regions", "region", "level")}


def _code_lists() -> list[CodeList]:
    found = []
    for name in MODULES:
        module = importlib.import_module(name)
        found += [v for v in vars(module).values() if isinstance(v, CodeList)]
    return found


def test_every_codes_module_is_checked():
    root = Path(fupin.__file__).parent
    modules = {"fupin." + ".".join(p.relative_to(root).with_suffix("").parts) for p in root.rglob("codes.py")}
    assert modules - {"fupin.regions.codes"} <= set(MODULES)


def test_every_code_has_a_chinese_and_an_english_label_and_no_pair():
    lists = _code_lists()
    assert len(lists) > 30
    for cl in lists:
        for c in cl:
            assert c.zh and c.en, (cl.key, c.code)
            assert " / " not in c.zh and " / " not in c.en, (cl.key, c.code)
            assert CJK.search(c.zh), (cl.key, c.code)
            assert not CJK.search(c.en), (cl.key, c.code)


def test_named_codes_read_like_the_codes():
    from fupin.monitoring.codes import AlertStatus, Channel

    assert AlertStatus.CASE_OPENED == "case_opened" and Channel.SELF_REPORT == "self_report"
    with pytest.raises(AttributeError):
        AlertStatus.NOT_A_CODE  # noqa: B018


def _choice_fields():
    for model in apps.get_models():
        if not model.__module__.startswith("fupin."):
            continue
        for field in model._meta.get_fields():
            meta = model._meta
            if getattr(field, "choices", None) and (meta.app_label, meta.model_name, field.name) not in (
                NOT_CODE_LISTS
            ):
                yield model, field


def test_model_choices_show_the_active_language_only():
    fields = list(_choice_fields())
    assert len(fields) > 30
    for model, field in fields:
        for code, label in field.choices:
            where = f"{model.__name__}.{field.name}={code}"
            with translation.override("en"):
                assert not CJK.search(str(label)), where
            with translation.override("zh-hans"):
                assert CJK.search(str(label)) and " / " not in str(label), where
