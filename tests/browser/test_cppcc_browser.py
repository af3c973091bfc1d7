"""The CPPCC programme in a browser: the office opens a consultation topic in English on a desktop; a member
posts a proposal on a phone in Chinese and logs a key matter of a linked household; the office replies and
closes the topic; the printable summary and the indicators show it. No script problem, no CSP violation."""

from browser_helpers import csp_violations, watch_problems
from factories import PASSWORD, household, region_tree, user
from playwright.sync_api import expect

from fupin.cppcc import services
from fupin.cppcc.models import Matter, Post, Topic


def test_open_post_on_a_phone_close_and_print(page, phone_page, live_url, login):
    t = region_tree()
    household(t.village_a, "A001", members=3)
    office = user("county_approver", t.county, username="zhengxie")
    user("cppcc_member", t.county, username="weiyuan")
    member = services.save_member(office, {"name": "王委员", "level": "county", "account": "weiyuan"})
    services.link_household(office, member.pk, {"household": "A001"})

    problems = watch_problems(page)
    login(page, "zhengxie", PASSWORD)
    page.click("button[value=en]")
    page.goto(live_url + "/cppcc/topics/")
    expect(page.locator("h1")).to_have_text("Online consultation")
    page.click("#topic-form button[type=submit]")  # empty: refused in English, nothing saved
    expect(page.locator(".errorlist").first).to_contain_text("required")
    assert not Topic.objects.exists()
    page.fill("#id_title", "防止因病返贫")
    page.fill("#id_body", "征集意见")
    page.click("#topic-form button[type=submit]")
    expect(page.locator(".msg-success")).to_contain_text("opened")
    topic = Topic.objects.get()

    p = phone_page
    phone_problems = watch_problems(p)
    login(p, "weiyuan", PASSWORD)
    p.goto(f"{live_url}/cppcc/topics/{topic.pk}/")
    expect(p.locator("h1")).to_have_text("防止因病返贫")
    p.select_option("#id_kind", "proposal")
    p.fill("#id_text", "先诊疗后付费")
    p.click("#post-form button[type=submit]")
    expect(p.locator("#posts")).to_contain_text("先诊疗后付费")
    assert Post.objects.get().member == member
    p.goto(f"{live_url}/cppcc/members/{member.pk}/")
    p.fill("#id_household", "A001")
    p.fill("#id_description", "慢病备案")
    p.click("#matter-form button[type=submit]")
    expect(p.locator(".msg-success")).to_contain_text("关键小事已登记")
    assert Matter.objects.get().created_by.username == "weiyuan"
    assert p.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert phone_problems == [] and csp_violations(p) == []

    page.goto(f"{live_url}/cppcc/topics/{topic.pk}/")
    page.fill("#id_reply", "已采纳")
    page.click("#close-form button[type=submit]")
    expect(page.locator("#topic-status")).to_have_text("Closed")
    page.click("text=Printable summary")
    expect(page.locator("#summary-proposals")).to_contain_text("先诊疗后付费")
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    page.emulate_media(media="screen")
    page.goto(live_url + "/cppcc/indicators/")
    expect(page.locator("#mobilisation")).to_have_text("100.0")
    # the one refused form answers 200 with its errors; nothing else went wrong
    assert problems == [] and csp_violations(page) == []
