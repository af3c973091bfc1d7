"""Every date field of every form is an <input type="date"> whose value is ISO (YYYY-MM-DD) in both
languages (zh-hans would otherwise render 2024年5月1日, which the date input rejects), and posting the
ISO value back is accepted in both languages."""

import inspect
from datetime import date

import pytest
from django import forms
from django.utils import translation

from fupin.assistance import forms as assistance_forms
from fupin.funds import forms as funds_forms
from fupin.registry import forms as registry_forms


def _date_fields():
    for module in (assistance_forms, funds_forms, registry_forms):
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                for field_name, field in cls.base_fields.items():
                    if isinstance(field, forms.DateField):
                        yield f"{name}.{field_name}", field


FIELDS = list(_date_fields())


def test_the_forms_have_date_fields():
    assert len(FIELDS) >= 10


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
@pytest.mark.parametrize(("name", "field"), FIELDS, ids=[n for n, _f in FIELDS])
def test_date_field_renders_iso_in_a_date_input_and_takes_it_back(name, field, lang):
    with translation.override(lang):
        html = field.widget.render("d", date(2024, 5, 1))
        assert 'type="date"' in html and 'value="2024-05-01"' in html, html
        assert field.clean("2024-05-01") == date(2024, 5, 1)
