"""Writes of the CPPCC programme: who may do what, the region scope, every problem of refused input (zh and
en) with nothing saved, and the indicators read back."""

import pytest
from django.core.exceptions import PermissionDenied

from fupin.core.errors import EditConflict
from fupin.cppcc import selectors, services
from fupin.cppcc.models import CommitteeMember, Link, Matter, Post, Topic


def test_office_adds_a_member_with_an_account_and_links_a_household(world, member):
    assert member.region == world.county and member.created_by == world.office
    assert member.account == world.member_user
    assert list(Link.objects.values_list("household__household_no", flat=True)) == ["A001"]
    assert selectors.member_of(world.member_user) == member


def test_bad_member_input_reports_every_problem_and_saves_nothing(world):
    with pytest.raises(services.CppccRejected) as e:
        services.save_member(
            world.office, {"name": "", "level": "mayor", "region": "12", "phone": "abc", "account": "nobody"}
        )
    assert {p.field for p in e.value.problems} == {"name", "level", "region", "phone", "account"}
    assert all(p.zh and p.en for p in e.value.problems)
    assert not CommitteeMember.objects.exists()


def test_an_account_without_the_member_role_is_refused(world):
    with pytest.raises(services.CppccRejected) as e:
        services.save_member(world.office, {"name": "李", "level": "city", "account": "dudao"})
    assert e.value.code == "cppcc.account.role"


@pytest.mark.parametrize("who", ["member_user", "supervisor", "reviewer"])
def test_only_the_office_manages_members(world, who):
    with pytest.raises(PermissionDenied):
        services.save_member(getattr(world, who), {"name": "李", "level": "city"})
    assert not CommitteeMember.objects.exists()


def test_a_household_outside_the_region_cannot_be_linked(world, member, db):
    from factories import household, region

    other = region("520527000000", "赫章县", 3, world.city)
    village = region("520527001201", "外村", 5, other)
    household(village, "X001")
    township_office = world.reviewer  # not the office: refused outright
    with pytest.raises(PermissionDenied):
        services.link_household(township_office, member.pk, {"household": "A002"})
    from factories import user

    county_office = user("county_approver", world.county, username="office2")
    with pytest.raises(services.CppccRejected) as e:
        services.link_household(county_office, member.pk, {"household": "X001"})
    assert e.value.code == "cppcc.household.unknown"
    with pytest.raises(services.CppccRejected) as e:
        services.link_household(county_office, member.pk, {"household": "A001"})
    assert e.value.code == "cppcc.link.exists"
    assert Link.objects.count() == 1


def test_member_logs_a_matter_for_a_linked_household_only(world, member):
    m = services.log_matter(
        world.member_user, {"household": "A001", "description": "慢病备案", "logged_on": "2024-04-01"}
    )
    assert m.member == member and m.created_by == world.member_user and m.status == "open"
    with pytest.raises(PermissionDenied):
        services.log_matter(world.member_user, {"household": "A002", "description": "x"})
    with pytest.raises(PermissionDenied):
        services.log_matter(world.supervisor, {"household": "A001", "description": "x", "member": member.pk})
    assert Matter.objects.count() == 1


def test_closing_a_matter_needs_a_result_not_before_it_was_logged_and_the_current_version(world, member):
    m = services.log_matter(
        world.member_user, {"household": "A001", "description": "修水管", "logged_on": "2024-04-01"}
    )
    with pytest.raises(services.CppccRejected) as e:
        services.close_matter(world.member_user, m.pk, {"result": "", "closed_on": "2024-03-01"})
    assert {p.field for p in e.value.problems} == {"result", "closed_on"}
    with pytest.raises(EditConflict):
        services.close_matter(world.office, m.pk, {"result": "已修"}, version="t1")
    with pytest.raises(PermissionDenied):
        services.close_matter(world.supervisor, m.pk, {"result": "已修"})
    closed = services.close_matter(
        world.member_user,
        m.pk,
        {"result": "已修", "closed_on": "2024-04-03"},
        version=services.matter_version(m),
    )
    assert closed.status == "closed" and closed.closed_by == world.member_user
    with pytest.raises(services.CppccRejected):
        services.close_matter(world.office, m.pk, {"result": "again"})


def test_consultation_open_post_reply_close(world, member):
    with pytest.raises(PermissionDenied):
        services.open_topic(world.member_user, {"title": "t", "body": "b"})
    topic = services.open_topic(world.office, {"title": "防止因病返贫", "body": "征集意见"})
    assert topic.region == world.county and topic.opened_by == world.office
    post = services.add_post(world.member_user, topic.pk, {"kind": "proposal", "text": "先诊疗后付费"})
    assert post.member == member
    services.add_post(world.office, topic.pk, {"kind": "comment", "text": "收到"})
    with pytest.raises(PermissionDenied):
        services.add_post(world.supervisor, topic.pk, {"kind": "comment", "text": "x"})
    with pytest.raises(services.CppccRejected) as e:
        services.add_post(world.member_user, topic.pk, {"kind": "vote", "text": ""})
    assert {p.field for p in e.value.problems} == {"kind", "text"}
    with pytest.raises(PermissionDenied):
        services.close_topic(world.member_user, topic.pk, {"reply": "x"})
    with pytest.raises(services.CppccRejected):
        services.close_topic(world.office, topic.pk, {"reply": ""})
    closed = services.close_topic(world.office, topic.pk, {"reply": "已采纳"})
    assert closed.status == "closed" and closed.closed_at is not None
    with pytest.raises(services.CppccRejected) as e:
        services.add_post(world.member_user, topic.pk, {"kind": "comment", "text": "late"})
    assert e.value.code == "cppcc.topic.closed"
    assert Post.objects.count() == 2 and Topic.objects.get().reply == "已采纳"


def test_reads_stay_in_the_region_and_phones_are_masked(world, member):
    services.link_household(world.office, member.pk, {"household": "B001", "linked_on": "2024-03-02"})
    # the township reviewer of town B does not see the county's member, nor A001's matters
    assert not selectors.members_for(world.reviewer).exists()
    assert [link.household.household_no for link in selectors.links_for(world.reviewer, member)] == ["B001"]
    assert selectors.phone_shown(world.office, member) == "13912345678"
    assert selectors.phone_shown(world.member_user, member) == "139****5678"


def test_indicators_of_the_region(world, member):
    services.save_member(world.office, {"name": "赵", "level": "city"})
    services.log_matter(
        world.office,
        {"household": "A001", "member": member.pk, "description": "x", "logged_on": "2024-05-01"},
    )
    [row] = selectors.indicators(world.supervisor, 2024).to_dicts()
    assert (row["active_members"], row["linked_members"], row["mobilisation_pct"]) == (2, 1, 50.0)
    assert (row["households"], row["persons"], row["matters_logged"]) == (1, 3, 1)
    levels = {r["level"]: r for r in selectors.indicators(world.supervisor, 2024, "level").to_dicts()}
    assert levels["city"]["linked_members"] == 0 and levels["county"]["participation_pct"] == 100.0
