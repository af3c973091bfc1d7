"""The boundary upload form (labels in both languages until the catalogues carry them)."""

from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.translation import get_language


def _pick(zh: str, en: str) -> str:
    return en if (get_language() or "zh").startswith("en") else zh


bilingual = lazy(_pick, str)


class BoundaryForm(forms.Form):
    file = forms.FileField(
        label=bilingual("边界文件（GeoJSON）", "Boundary file (GeoJSON)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.geojson,application/geo+json"}),
    )
    skip_invalid = forms.BooleanField(
        label=bilingual("跳过无效要素，保存其余的", "Skip invalid features and save the others"),
        required=False,
    )
