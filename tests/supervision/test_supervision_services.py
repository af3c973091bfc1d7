"""supervision/services.py: listing from the proposal, visits, closing (销号) with and without override."""

from datetime import date, timedelta

import pytest
from factories import region, user

from fupin.core.errors import Denied, EditConflict
from fupin.registry.models import HouseholdYear
from fupin.supervision import selectors, services
from fupin.supervision.models import SupervisionItem, SupervisionVisit

YEAR = 2024  # the year of the conftest county
FUTURE = date.today() + timedelta(days=60)


def test_proposal_lists_the_lagging_village_with_its_reasons(county, approver):
    df = selectors.proposal(approver, year=YEAR)
    row = {r["region_code"]: r for r in df.to_dicts()}[county.village_a.code]
    assert row["reasons"] == ["remaining_poor", "high_incidence", "uncovered"]
    # 6 poor persons of 20; neither household has a cadre or a measure
    assert row["poor_persons"] == 6 and row["incidence_pct"] == 30.0 and row["uncovered"] == 2
    assert row["listed"] is False
    assert county.village_b.code not in set(df["region_code"])


def test_county_approver_lists_a_flagged_village(item, county, approver, supervisor):
    assert item.region_id == county.village_a.code and item.year == YEAR
    assert item.reasons == ["remaining_poor", "high_incidence", "uncovered"]
    assert item.supervisor == supervisor and item.listed_by == approver and item.status == "open"
    assert item.figures["poor_persons"] == 6
    assert selectors.proposal(approver, year=YEAR).filter(listed=True)["region_code"].to_list() == [
        county.village_a.code
    ]


def test_listing_a_region_the_rules_do_not_flag_is_refused_and_saves_nothing(county, approver, supervisor):
    with pytest.raises(services.SupervisionRejected) as e:
        services.list_regions(
            approver,
            year=YEAR,
            regions=[county.village_a.code, county.village_a2.code],
            supervisor="supervisor",
            deadline=FUTURE,
        )
    assert [p.code for p in e.value.problems] == ["supervision.not_flagged"]
    assert "规则未提示" in e.value.zh and "do not flag" in e.value.en
    assert SupervisionItem.objects.count() == 0


def test_bad_input_reports_every_problem_in_both_languages(county, approver):
    with pytest.raises(services.SupervisionRejected) as e:
        services.list_regions(
            approver,
            year=YEAR,
            regions=["12x"],
            supervisor="nobody",
            deadline=date.today() - timedelta(days=1),
        )
    assert {p.code for p in e.value.problems} == {
        "supervision.deadline",
        "supervision.supervisor",
        "region.malformed",
    }
    assert all(p.zh and p.en for p in e.value.problems)
    assert SupervisionItem.objects.count() == 0


def test_listing_twice_is_refused(item, county, approver):
    with pytest.raises(services.SupervisionRejected) as e:
        services.list_regions(
            approver, year=YEAR, regions=[county.village_a.code], supervisor="supervisor", deadline=FUTURE
        )
    assert e.value.code == "supervision.listed"


def test_supervisor_must_cover_the_region(county, approver):
    user("village_operator", county.village_b, username="elsewhere")
    with pytest.raises(services.SupervisionRejected) as e:
        services.list_regions(
            approver, year=YEAR, regions=[county.village_a.code], supervisor="elsewhere", deadline=FUTURE
        )
    assert e.value.code == "supervision.supervisor_scope"


@pytest.mark.parametrize("role", ["village_operator", "supervisor", "auditor", "township_reviewer"])
def test_only_county_approvers_list(county, role):
    u = user(role, county.village_a if role == "village_operator" else county.county)
    with pytest.raises(Denied) as e:
        services.list_regions(u, year=YEAR, regions=[county.village_a.code], supervisor="x", deadline=FUTURE)
    assert "挂牌督战" in e.value.zh and "may not list" in e.value.en


def test_approver_of_another_county_neither_sees_nor_lists(item, county):
    other = region("520527000000", "赫章县", 3, county.city)
    u = user("county_approver", other, username="other")
    with pytest.raises(SupervisionItem.DoesNotExist):
        selectors.get_item(u, item.pk)
    with pytest.raises(Exception) as e:
        services.list_regions(u, year=YEAR, regions=[county.village_a.code], supervisor="x", deadline=FUTURE)
    assert type(e.value).__name__ == "OutOfScope"


def test_supervisor_records_a_visit_and_an_operator_may_not(item, supervisor, operator):
    v = services.record_visit(
        supervisor, item.pk, visited_on=date.today(), findings="两户无稳定收入", actions="落实产业"
    )
    assert v.recorded_by == supervisor and v.item == item
    with pytest.raises(Denied):
        services.record_visit(operator, item.pk, visited_on=date.today(), findings="x")
    with pytest.raises(services.SupervisionRejected) as e:
        services.record_visit(supervisor, item.pk, visited_on=date.today() + timedelta(days=2), findings=" ")
    assert {p.code for p in e.value.problems} == {"supervision.future", "supervision.required"}
    assert SupervisionVisit.objects.count() == 1


def test_the_items_own_supervisor_records_visits_whatever_the_role(county, approver):
    reviewer = user("township_reviewer", county.town_a, username="reviewer")
    [it] = services.list_regions(
        approver, year=YEAR, regions=[county.village_a.code], supervisor="reviewer", deadline=FUTURE
    )
    services.record_visit(reviewer, it.pk, visited_on=date.today(), findings="ok")
    assert it.visits.count() == 1


def test_closing_is_refused_while_the_rules_flag_the_region(item, approver):
    with pytest.raises(services.SupervisionRejected) as e:
        services.close_item(approver, item.pk, note="已整改")
    assert e.value.code == "supervision.still_flagged"
    assert "仍提示" in e.value.zh and "still flag" in e.value.en
    item.refresh_from_db()
    assert item.status == "open"


def test_county_approver_overrides_with_a_note(item, approver):
    closed = services.close_item(approver, item.pk, note="县里核实：两户已纳入兜底", override=True)
    assert closed.status == "closed" and closed.overridden and closed.closed_by == approver
    assert closed.reasons_at_close == ["remaining_poor", "high_incidence", "uncovered"]


def test_closing_needs_a_note(item, approver):
    with pytest.raises(services.SupervisionRejected) as e:
        services.close_item(approver, item.pk, note="", override=True)
    assert e.value.code == "supervision.required"


def test_item_closes_once_its_reasons_are_gone(item, county, approver):
    HouseholdYear.objects.filter(household__in=county.poor).update(status="exited_stable", exit_year=YEAR)
    closed = services.close_item(approver, item.pk, note="已全部脱贫")
    assert closed.status == "closed" and not closed.overridden and closed.close_note == "已全部脱贫"
    with pytest.raises(services.SupervisionRejected) as e:
        services.close_item(approver, item.pk, note="again")
    assert e.value.code == "supervision.closed"


def test_supervisor_may_not_close(item, supervisor):
    with pytest.raises(Denied):
        services.close_item(supervisor, item.pk, note="x", override=True)


def test_stale_version_is_refused(item, approver):
    with pytest.raises(EditConflict):
        services.close_item(approver, item.pk, note="x", override=True, version="t1")
    item.refresh_from_db()
    assert item.status == "open"


def test_keep_worklist_finds_the_exited_household_without_a_cadre(county, approver):
    df = selectors.keep_worklist(approver, year=YEAR)
    rows = {(r["check_id"], r["household_no"]) for r in df.to_dicts()}
    assert ("KEEP-H1", county.exited.household_no) in rows
    # village B (out in 2020) has no work team
    assert ("KEEP-V1", None) in rows
