"""What people do with monitoring in a browser: a person reports a difficulty on a phone; the village
operator sees it in the inbox, opens an identification case and does the first step."""

from decimal import Decimal

from factories import PASSWORD, household, region_tree, user
from playwright.sync_api import expect

from fupin.monitoring.models import Alert, Case
from fupin.policy.models import Parameter
from fupin.registry.models import Member


def test_self_report_on_a_phone_then_the_village_opens_a_case(phone_page, page, live_url, login):
    t = region_tree()
    Parameter.objects.create(name="monitoring_line", region_code="", year_from=2021, value=Decimal(6000))
    hh = household(t.village_a, "A0001", members=2, wage="90000")
    m = Member.objects.filter(household=hh).order_by("id").first()
    user("village_operator", t.village_a, username="cun")

    p = phone_page
    p.goto(live_url + "/monitoring/report/")
    expect(p.locator("h1")).to_have_text("困难申报")
    p.fill("#id_name", m.name)
    p.fill("#id_id_number", m.id_number[:-1] + ("0" if m.id_number[-1] != "0" else "1"))
    p.fill("#id_phone", "138 0013 8000")
    p.select_option("#id_kind", "illness")
    p.fill("#id_description", "住院花费三万元")
    p.click("main button[type=submit]")
    expect(p.locator(".errorlist")).to_contain_text("证件号码校验位错误")
    p.fill("#id_id_number", m.id_number)
    p.click("main button[type=submit]")
    expect(p.locator("#done")).to_have_text("已收到您的申报")
    assert Alert.objects.get().household_id == hh.pk

    login(page, "cun", PASSWORD)
    page.goto(live_url + "/monitoring/alerts/?channel=self_report")
    expect(page.locator("#alerts tbody tr")).to_have_count(1)
    page.click("#alerts tbody a")
    expect(page.locator("h1")).to_have_text("农户自主申报")
    page.click("text=启动识别认定")
    page.select_option("#id_monitor_type", "sudden")
    page.check("#id_green_channel")
    page.click("form.card button[type=submit]")
    expect(page.locator("#steps li[aria-current=step]")).to_contain_text("入户核查")
    page.fill("#note", "已入户核查")
    page.click("button[value=advance]")
    expect(page.locator("#steps li[aria-current=step]")).to_contain_text("承诺授权")
    case = Case.objects.get()
    assert (case.step, case.green_channel, case.monitor_type) == ("authorized", True, "sudden")
    assert Alert.objects.get().status == "case_opened"
