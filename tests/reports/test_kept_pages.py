"""The statistics page of a large region is kept with the versions of what it was computed from: shown at
once while they hold, shown as of when it was computed (and refreshed in the background) once a write has
moved them, never used out of date by the export; a county's page is computed at every request.

These tests commit (transaction=True): the refresh runs in a thread with a connection of its own."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from factories import household, region_tree, user

from fupin.assistance.models import MeasureType, PlanMeasure
from fupin.monitoring.models import Alert, Case
from fupin.policy.models import Parameter
from fupin.policy.services import load_defaults
from fupin.regions.models import Region, RegionPopulation
from fupin.registry.models import HouseholdYear
from fupin.reports import kept, statistics

pytestmark = pytest.mark.django_db(transaction=True)
URL = reverse("reports:statistics")


@pytest.fixture
def tree():
    cache.clear()
    load_defaults()
    t = region_tree()
    t.h1 = household(t.village_a, "A0001", status="poor", members=3)
    t.h2 = household(t.village_b, "B0001", status="not_poor", members=4)
    yield t
    kept.wait_for_refreshes()


@pytest.fixture
def computed(monkeypatch):
    """The number of times the statistics were computed."""
    calls = []
    real = statistics.statistics

    def counted(*args, **kwargs):
        calls.append(kwargs.get("region"))
        return real(*args, **kwargs)

    monkeypatch.setattr(statistics, "statistics", counted)
    return calls


def _own(page) -> tuple:
    own = page.context["own"]
    return own["households"], own["poor_households"], own["poor_persons"]


def test_a_province_page_is_kept_and_shown_again_without_computing(client, tree, computed):
    client.force_login(user("county_approver", tree.province))
    first = client.get(URL, {"year": 2024})
    assert first.status_code == 200 and len(computed) == 1
    assert first.context["computed_at"] is None  # computed in this request
    again = client.get(URL, {"year": 2024})
    assert len(computed) == 1 and _own(again) == _own(first) == (2, 1, 3)
    assert again.context["computed_at"] is not None and not again.context["refreshing"]
    assert "此后数据无变动" in again.content.decode()


def test_after_a_write_the_kept_page_is_shown_as_of_then_and_refreshed_in_the_background(
    client, tree, computed
):
    client.force_login(user("county_approver", tree.province))
    assert _own(client.get(URL, {"year": 2024})) == (2, 1, 3)
    HouseholdYear.objects.filter(household=tree.h2, year=2024).update(status="poor")
    stale = client.get(URL, {"year": 2024})
    assert stale.context["refreshing"] and _own(stale) == (2, 1, 3)
    assert "此后数据有变动，正在后台更新" in stale.content.decode()
    kept.wait_for_refreshes()
    fresh = client.get(URL, {"year": 2024})
    assert not fresh.context["refreshing"] and _own(fresh) == (2, 2, 7)
    assert len(computed) == 2  # the first request and the one refresh


def test_one_refresh_at_a_time_whoever_asks(client, tree, computed, monkeypatch):
    client.force_login(user("county_approver", tree.province))
    client.get(URL, {"year": 2024})
    HouseholdYear.objects.filter(household=tree.h2, year=2024).update(status="poor")
    started = []

    class Held:  # a refresh that has not finished yet
        def __init__(self, target, **_):
            self.target = target

        def start(self):
            started.append(self)

        def join(self, timeout=None):
            pass

    monkeypatch.setattr(kept, "threading", SimpleNamespace(Thread=Held))
    for _ in range(3):
        assert client.get(URL, {"year": 2024}).context["refreshing"]
    assert len(started) == 1
    started[0].target()  # it ends: the next request shows the new page
    page = client.get(URL, {"year": 2024})
    assert not page.context["refreshing"] and _own(page) == (2, 2, 7)


@pytest.mark.parametrize(
    "change",
    [
        lambda t: RegionPopulation.objects.create(region=t.county, year=2024, rural_population=1000),
        lambda t: Region.objects.filter(code=t.village_a.code).update(name="石板新村"),
        lambda t: Case.objects.create(
            household=t.h1,
            region=t.village_a,
            kind="identification",
            year=2024,
            opened_on="2024-03-01",
            deadline="2024-04-01",
        ),
        lambda t: Parameter.objects.filter(name="poverty_line").update(value=Decimal("9999")),
        lambda t: HouseholdYear.objects.filter(household=t.h1).update(size=5),
        lambda t: _alert(t),
        lambda t: PlanMeasure.objects.create(household=t.h1, year=2024, measure_type=_measure_type()),
    ],
    ids=["population", "region", "case", "parameter", "registry", "alert", "plan_measure"],
)
def test_every_input_the_pages_read_moves_the_versions(tree, change):
    _measure_type()
    before = kept.inputs()
    with pytest.raises(RuntimeError), transaction.atomic():
        change(tree)
        raise RuntimeError  # rolled back: nothing moved
    assert kept.inputs() == before
    change(tree)
    assert kept.inputs() != before


def _alert(t) -> Alert:
    """A new registry alert about h1, in village_a's inbox."""
    return Alert.objects.create(
        key="k1",
        household=t.h1,
        region=t.village_a,
        year=2024,
        channel="registry",
        source="registry",
        signal="MON-INCOME",
    )


def _measure_type():
    return MeasureType.objects.get_or_create(
        code="X1",
        defaults={"name_zh": "产业", "name_en": "Industry", "category": "industry", "kind": "measure"},
    )[0]


def test_the_export_is_never_out_of_date(client, tree):
    client.force_login(user("county_approver", tree.province))
    client.get(URL, {"year": 2024})
    HouseholdYear.objects.filter(household=tree.h2, year=2024).update(status="poor")
    import io

    import openpyxl

    x = client.get(reverse("reports:statistics_export"), {"year": 2024})
    sheet = openpyxl.load_workbook(io.BytesIO(x.content)).worksheets[0]  # the region's own row
    assert [c.value for c in sheet[2]][2:4] == [2, 7]  # households, persons
    assert [c.value for c in sheet[2]][4] == 2  # poor households: h2's write counted


def test_a_county_page_is_computed_at_every_request(client, tree, computed):
    client.force_login(user("county_approver", tree.county))
    for n in (1, 2):
        page = client.get(URL, {"year": 2024})
        assert page.context["computed_at"] is None and len(computed) == n


def test_a_kept_page_is_shown_only_within_the_users_scope(client, tree):
    province = user("county_approver", tree.province)
    client.force_login(province)
    assert client.get(URL, {"year": 2024, "region": tree.city.code}).status_code == 200
    client.force_login(user("county_approver", tree.county))
    assert client.get(URL, {"year": 2024, "region": tree.city.code}).status_code == 404
    client.force_login(province)
    page = client.get(URL, {"year": 2024, "region": tree.city.code})
    assert page.context["computed_at"] is not None  # the kept page, with the crumbs of this user
    assert [c["code"] for c in page.context["crumbs"]] == [tree.province.code, tree.city.code]


def test_each_language_keeps_its_own_page(client, tree, computed):
    client.force_login(user("county_approver", tree.province))
    assert "按主要致贫原因" in client.get(URL, {"year": 2024}).content.decode()
    client.cookies["django_language"] = "en"
    page = client.get(URL, {"year": 2024})
    assert "By main cause of poverty" in page.content.decode() and len(computed) == 2


DASHBOARD_URL = reverse("monitoring:dashboard")


def _alerts(page) -> tuple:
    data = page.context["data"]
    return data["total"], data["new"], data["by_status"]["dismissed"]


def test_a_province_dashboard_is_kept_and_refreshed_after_an_alert_is_handled(client, tree):
    a = _alert(tree)
    client.force_login(user("county_approver", tree.province))
    first = client.get(DASHBOARD_URL, {"year": 2024})
    assert first.context["computed_at"] is None and _alerts(first) == (1, 1, 0)
    again = client.get(DASHBOARD_URL, {"year": 2024})
    assert again.context["computed_at"] is not None and not again.context["refreshing"]
    Alert.objects.filter(pk=a.pk).update(status="dismissed")
    stale = client.get(DASHBOARD_URL, {"year": 2024})
    assert stale.context["refreshing"] and _alerts(stale) == (1, 1, 0)
    assert "此后数据有变动，正在后台更新" in stale.content.decode()
    # the workbook is never out of date
    import io

    import openpyxl

    x = client.get(reverse("monitoring:dashboard_export"), {"year": 2024})
    totals = dict(
        openpyxl.load_workbook(io.BytesIO(x.content))["总体 totals"].iter_rows(min_row=2, values_only=True)
    )
    assert totals["new alerts"] == 0
    kept.wait_for_refreshes()
    fresh = client.get(DASHBOARD_URL, {"year": 2024})
    assert not fresh.context["refreshing"] and _alerts(fresh) == (1, 0, 1)


def test_a_kept_dashboard_is_of_its_day(tree):
    """Overdue cases are counted by today's date: a page kept yesterday is not today's."""
    from datetime import date

    from fupin.monitoring.dashboard_page import DASHBOARD

    u = user("county_approver", tree.province)
    first = DASHBOARD.page(u, None, year=2024, today=date(2026, 12, 6))
    assert first.computed_at is None
    assert DASHBOARD.page(u, None, year=2024, today=date(2026, 12, 6)).computed_at is not None
    assert DASHBOARD.page(u, None, year=2024, today=date(2026, 12, 7)).computed_at is None


def test_inside_a_transaction_a_page_is_neither_kept_nor_taken_from_the_keep(tree, computed):
    """Its uncommitted writes would be in a kept page, and a rollback would leave that page with versions
    that later writes reach again."""
    from fupin.reports.statistics import STATISTICS

    u = user("county_approver", tree.province)
    STATISTICS.page(u, None, year=2024)  # kept
    with transaction.atomic():
        HouseholdYear.objects.filter(household=tree.h2, year=2024).update(status="poor")
        inside = STATISTICS.page(u, None, year=2024)
        assert inside.computed_at is None and inside.data["own"]["poor_households"] == 2
        transaction.set_rollback(True)
    outside = STATISTICS.page(u, None, year=2024)
    assert outside.computed_at is not None and outside.data["own"]["poor_households"] == 1
    assert len(computed) == 2


def test_a_long_first_computation_goes_on_in_the_background_and_the_page_reloads_until_it_is_done(
    client, tree, monkeypatch
):
    """A province's first statistics take a minute or more: the request does not wait for them."""
    import threading

    monkeypatch.setattr(kept, "FIRST_WAIT_SECONDS", 0.05)
    release, real = threading.Event(), statistics.statistics

    def slow(*args, **kwargs):
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(statistics, "statistics", slow)
    client.force_login(user("county_approver", tree.province))
    waiting = client.get(URL, {"year": 2024})
    assert waiting.status_code == 200 and waiting["Refresh"] == "5"
    assert "正在计算" in waiting.content.decode() and 'id="computing"' in waiting.content.decode()
    assert "computing" in client.get(URL, {"year": 2024}, HTTP_ACCEPT_LANGUAGE="en").content.decode().lower()
    release.set()
    kept.wait_for_refreshes()
    done = client.get(URL, {"year": 2024})
    assert "Refresh" not in done and _own(done) == (2, 1, 3)


def test_a_first_computation_that_failed_in_the_background_fails_in_the_next_request(
    client, tree, monkeypatch
):
    """The error is not hidden behind a page that reloads for ever."""
    import threading
    import time

    monkeypatch.setattr(kept, "FIRST_WAIT_SECONDS", 0.05)
    release = threading.Event()

    def broken(*args, **kwargs):  # fails, and each time only after the request has stopped waiting
        release.wait(30)
        time.sleep(0.2)
        raise RuntimeError("engine failed")

    monkeypatch.setattr(statistics, "statistics", broken)
    client.force_login(user("county_approver", tree.province))
    assert client.get(URL, {"year": 2024})["Refresh"] == "5"
    release.set()
    kept.wait_for_refreshes()
    with pytest.raises(RuntimeError, match="engine failed"):
        client.get(URL, {"year": 2024})  # computed in this request: the error shows
