"""A cadre signs in, opens "my households", records a visit, adds a measure matched to the household's
cause, and sees the household leave the coverage worklist (phone viewport)."""

from datetime import date

from factories import PASSWORD, household, region_tree, user

from fupin.assistance.models import Assignment, Cadre, Visit
from fupin.assistance.services import load_catalogue


def test_cadre_visit_and_matched_measure_clear_the_worklist(live_url, login, phone_page):
    tree = region_tree()
    load_catalogue()
    account = user("assistance_cadre", tree.county, "cadre_web")
    cadre = Cadre.objects.create(user=account, name="张帮扶", unit="县卫健局", region=tree.town_a)
    hh = household(tree.village_a, "520526001201009", main_cause="illness")
    Assignment.objects.create(cadre=cadre, household=hh, start_date=date(2024, 1, 1))

    page = login(phone_page, "cadre_web", PASSWORD)
    page.goto(live_url + "/assistance/coverage/?year=2024&check=COV-H2")
    assert page.locator("#coverage-findings").get_by_text("520526001201009").count() == 1

    page.goto(live_url + "/assistance/mine/?year=2024")
    page.get_by_role("link", name=hh.head_name).click()
    page.wait_for_url("**/assistance/households/520526001201009/**")

    page.locator("#add-visit summary").click()
    page.locator("#add-visit input[name=date]").fill("2024-05-02")
    page.locator("#add-visit textarea[name=found]").fill("户主慢性病复发，需大病救治")
    page.locator("#add-visit button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#visits").get_by_text("户主慢性病复发，需大病救治").count() == 1
    assert Visit.objects.get().cadre == cadre

    page.locator("#add-measure summary").click()
    page.locator("#add-measure select[name=measure_code]").select_option("HLT02")
    page.locator("#add-measure select[name=status]").select_option("in_progress")
    page.locator("#add-measure button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#measures").get_by_text("大病专项救治").count() == 1

    page.goto(live_url + "/assistance/coverage/?year=2024&check=COV-H2")
    assert page.locator("#coverage-findings").get_by_text("520526001201009").count() == 0
    assert page.locator('td[data-check="COV-H2"]').inner_text() == "0"
