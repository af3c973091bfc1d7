"""An evaluation in a browser: the evaluator sets one up in English on a desktop; a supervisor records a
verification visit on a phone in Chinese, and the rates show it. No script problem, no CSP violation."""

from browser_helpers import csp_violations, watch_problems
from factories import PASSWORD, household, region_tree, user
from playwright.sync_api import expect

from fupin.evaluation.models import Evaluation, Visit
from fupin.policy.services import load_defaults


def test_set_up_in_english_then_visit_on_a_phone_in_chinese(page, phone_page, live_url, login):
    load_defaults()
    t = region_tree()
    for v in (t.village_a, t.village_b):
        for status in ("exited_policy", "exited_stable", "poor", "not_poor"):
            household(v, year=2020, status=status, members=3, wage="15000")
    user("auditor", t.county, username="pinggu")
    user("supervisor", t.county, username="dudao")

    problems = watch_problems(page)
    login(page, "pinggu", PASSWORD)
    page.click("button[value=en]")
    page.goto(live_url + "/evaluation/")
    expect(page.locator("h1")).to_have_text("Evaluations")
    page.fill("#id_year", "2020")
    page.fill("#id_seed", "2024")
    page.fill("#id_size_exited", "2")
    page.click("#evaluation-form button[type=submit]")
    expect(page.locator("#rates")).to_contain_text("Wrong-exit rate")
    e = Evaluation.objects.get()
    assert e.seed == 2024 and e.sample_sizes["exited"] == 2
    expect(page.locator("#sample tbody tr")).to_have_count(e.sample.count())
    assert problems == [] and csp_violations(page) == []

    p = phone_page
    phone_problems = watch_problems(p)
    login(p, "dudao", PASSWORD)
    p.goto(f"{live_url}/evaluation/{e.pk}/")
    expect(p.locator("h1")).to_contain_text("第三方评估")
    p.locator("#sample a.btn").first.click()
    expect(p.locator("h1")).to_have_text("入户核查")
    p.fill("#id_income_pc", "2500")
    p.click("main button[value='0']")
    expect(p.locator(".errorlist").first).to_contain_text("请填")
    assert not Visit.objects.exists()
    for name in ("food", "clothing", "education", "medical", "housing", "water", "approves"):
        p.check(f"input[name={name}][value=是]")
    p.click("main button[value='0']")
    expect(p.locator(".msg-success")).to_contain_text("入户核查已保存")
    visit = Visit.objects.get()
    assert visit.recorded_by.username == "dudao" and str(visit.income_pc) == "2500.00"
    expect(p.locator("#rate-approval")).to_contain_text("100.00")
    # the phone page fits: no sideways scrolling
    assert p.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # the one refused form answers 422, as it should; nothing else went wrong
    assert [x for x in phone_problems if not x.startswith("422 ")] == [] and csp_violations(p) == []
