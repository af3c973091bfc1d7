"""The public self-report page (农户自主申报): no sign-in, rate-limited per IP and per ID number."""

from __future__ import annotations

from datetime import date

import polars as pl
from django import forms
from django.core.cache import cache
from django.shortcuts import render
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy

from fupin.monitoring import services
from fupin.monitoring.codes import SELF_REPORT_KIND

SELF_REPORT_LIMITS = {"ip": (5, 3600), "id": (3, 86400)}  # reports per window (seconds)


class SelfReportForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=50)
    id_number = forms.CharField(label=gettext_lazy("ID number"), max_length=30)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=20)
    kind = forms.ChoiceField(
        label=gettext_lazy("What happened"),
        choices=SELF_REPORT_KIND.choices,
    )
    description = forms.CharField(
        label=gettext_lazy("Describe what happened"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )
    county = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_id_number(self):
        from fupin.engine.cleaning import prepare
        from fupin.engine.idnumber import ID_MESSAGES, parse_ids

        raw = self.cleaned_data["id_number"]
        df = parse_ids(prepare(pl.DataFrame({"id_number": [raw]}), ["id_number"]), "id_number", date.today())
        problem, id18 = df["_id_problem"][0], df["_id18"][0]
        if problem:
            zh, en = ID_MESSAGES[problem]
            raise forms.ValidationError(f"{zh} / {en}")
        if id18 is None or len(raw.strip()) > 18:
            raise forms.ValidationError("请填写18位居民身份证号码 / give the 18-character ID number")
        return id18

    def clean_phone(self):
        import re
        import unicodedata

        phone = re.sub(r"[\s\-()（）]", "", unicodedata.normalize("NFKC", self.cleaned_data["phone"]))
        phone = re.sub(r"^\+?86(1\d{10})$", r"\1", phone)
        if not re.fullmatch(r"1\d{10}|0\d{9,11}", phone):
            raise forms.ValidationError(
                "请填写11位手机号码或带区号的固定电话 / give an 11-digit mobile number or a "
                "landline with its area code"
            )
        return phone

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if len(name) < 2:
            raise forms.ValidationError("请填写姓名 / give your name")
        return name


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _over_limit(kind: str, value: str) -> bool:
    limit, window = SELF_REPORT_LIMITS[kind]
    # A keyed hash, never the ID number itself: a shared cache (Redis, memcached) keeps its keys in clear.
    key = f"monitoring:selfreport:{kind}:{salted_hmac('fupin.monitoring.self_report', value).hexdigest()}"
    added = cache.add(key, 0, window)
    del added
    try:
        n = cache.incr(key)
    except ValueError:
        cache.set(key, 1, window)
        n = 1
    return n > limit


def self_report(request):
    """农户自主申报 — public, no sign-in; rate-limited per IP and per ID number."""
    form = SelfReportForm(request.POST or None, initial={"county": request.GET.get("county", "")})
    if request.method == "POST":
        if _over_limit("ip", _client_ip(request)):
            return render(
                request, "monitoring/self_report.html", {"form": form, "throttled": True}, status=429
            )
        if form.is_valid():
            d = form.cleaned_data
            if _over_limit("id", d["id_number"]):
                return render(
                    request, "monitoring/self_report.html", {"form": form, "throttled": True}, status=429
                )
            services.self_report(
                name=d["name"],
                id_number=d["id_number"],
                phone=d["phone"],
                kind=d["kind"],
                description=d["description"],
                county=d.get("county") or None,
            )
            return render(request, "monitoring/self_report_done.html", {})
    return render(request, "monitoring/self_report.html", {"form": form})
