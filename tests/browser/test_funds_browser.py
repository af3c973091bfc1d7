"""A county approver moves a proposed project through the library on a phone and opens its public sheet."""

from datetime import date

from factories import PASSWORD, household, region_tree, user

from fupin.funds import services


def test_approver_approves_and_opens_announcement_on_phone(phone_page, login, live_url):
    tree = region_tree()
    op, approver = user("village_operator", tree.village_a), user("county_approver", tree.county)
    p = services.create_project(
        op,
        services.ProjectData(
            name="石板村饮水巩固工程",
            project_type="water",
            region_code=tree.village_a.code,
            implementing_unit="县水务局",
            start_date=date(2024, 3, 1),
            deadline=date(2099, 1, 1),
            budget={"central": "50000"},
        ),
    )
    services.add_beneficiaries(op, p, [household(tree.village_a).household_no])
    services.transition(op, p, "submit")
    page = login(phone_page, approver.username, PASSWORD)
    page.goto(f"{live_url}/funds/")
    page.click("text=石板村饮水巩固工程")
    page.click("#action-form button[value=library]")
    page.click("#action-form button[value=approve]")
    assert page.locator("#project-status").inner_text() == "审批"
    page.click("text=公告公示")
    assert "50000.00" in page.locator("#announcement").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
