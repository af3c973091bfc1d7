"""The CPPCC pages: what each role sees and may do, in Chinese and English; refusals answer 403 or 404 and
save nothing; refused input comes back onto the form in the page's language."""

import pytest
from django.urls import reverse

from fupin.cppcc import services
from fupin.cppcc.models import CommitteeMember, Matter, Post, SupervisionEntry, Topic


@pytest.fixture
def signed_in(client):
    def sign_in(u, lang="zh-hans"):
        client.force_login(u)
        client.cookies["django_language"] = lang
        return client

    return sign_in


@pytest.mark.parametrize(
    "name", ["cppcc:members", "cppcc:matters", "cppcc:indicators", "cppcc:supervision", "cppcc:topics"]
)
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_every_list_page_opens_for_a_reader(world, member, signed_in, name, lang):
    r = signed_in(world.supervisor, lang).get(reverse(name))
    assert r.status_code == 200
    assert ("政协" in r.content.decode()) == (lang == "zh-hans")


def test_office_adds_a_member_and_a_bad_one_is_refused_in_the_page_language(world, signed_in):
    c = signed_in(world.office, "en")
    r = c.post(reverse("cppcc:members"), {"name": "", "level": "county", "region": "99x"})
    assert r.status_code == 200 and "the name is required" in r.content.decode()
    assert "bad region code" in r.content.decode() and not CommitteeMember.objects.exists()
    r = c.post(
        reverse("cppcc:members"), {"name": "王", "level": "county", "phone": "13900001111", "active": "on"}
    )
    m = CommitteeMember.objects.get()
    assert r.status_code == 302 and r.url == reverse("cppcc:member", args=[m.pk])


def test_readers_see_no_forms_and_a_post_is_forbidden(world, member, signed_in):
    c = signed_in(world.supervisor)
    body = c.get(reverse("cppcc:members")).content.decode()
    assert 'id="member-form"' not in body and "139****5678" in body
    assert c.post(reverse("cppcc:members"), {"name": "李", "level": "city"}).status_code == 403
    assert c.post(reverse("cppcc:supervision"), {"body": "cppcc", "finding": "x"}).status_code == 403
    assert c.post(reverse("cppcc:topics"), {"title": "t", "body": "b"}).status_code == 403
    assert CommitteeMember.objects.count() == 1 and not SupervisionEntry.objects.exists()
    assert not Topic.objects.exists()


def test_member_page_links_and_matters(world, member, signed_in):
    c = signed_in(world.office)
    url = reverse("cppcc:member", args=[member.pk])
    body = c.get(url).content.decode()
    assert "A001" in body and 'id="link-form"' in body and "13912345678" in body
    r = c.post(url, {"form": "link", "household": "A002", "linked_on": "2024-05-01"})
    assert r.status_code == 302 and member.links.count() == 2
    # the member's own account logs a matter for its linked household, not another's
    c = signed_in(world.member_user)
    body = c.get(url).content.decode()
    assert 'id="matter-form"' in body and 'id="link-form"' not in body
    r = c.post(
        url, {"form": "matter", "household": "A001", "description": "慢病备案", "logged_on": "2024-06-01"}
    )
    assert r.status_code == 302
    matter = Matter.objects.get()
    r = c.post(
        reverse("cppcc:matter_close", args=[matter.pk]),
        {
            "result": "已办",
            "closed_on": "2024-06-02",
            "version": services.matter_version(matter),
            "back": "member",
        },
    )
    assert r.status_code == 302 and Matter.objects.get().status == "closed"


def test_a_member_outside_the_region_is_not_found(world, member, signed_in):
    c = signed_in(world.reviewer)
    assert c.get(reverse("cppcc:member", args=[member.pk])).status_code == 404


def test_topic_page_post_close_and_print(world, member, signed_in):
    topic = services.open_topic(world.office, {"title": "因病返贫", "body": "征集意见"})
    url = reverse("cppcc:topic", args=[topic.pk])
    c = signed_in(world.member_user)
    body = c.get(url).content.decode()
    assert 'id="post-form"' in body and 'id="close-form"' not in body
    assert c.post(url, {"form": "post", "kind": "proposal", "text": "先诊疗后付费"}).status_code == 302
    assert c.post(url, {"form": "close", "reply": "x"}).status_code == 403
    c = signed_in(world.office, "en")
    # the version read before the member's post is stale now: the office reads the new post first
    r = c.post(url, {"form": "close", "reply": "r", "version": services.topic_version(topic)})
    assert "changed by someone else" in r.content.decode() and Topic.objects.get().status == "open"
    topic.refresh_from_db()
    r = c.post(url, {"form": "close", "reply": "", "version": services.topic_version(topic)})
    assert "the office&#x27;s reply is required" in r.content.decode()
    r = c.post(url, {"form": "close", "reply": "已采纳", "version": services.topic_version(topic)})
    assert r.status_code == 302 and Topic.objects.get().status == "closed"
    summary = signed_in(world.supervisor).get(reverse("cppcc:summary", args=[topic.pk])).content.decode()
    assert "先诊疗后付费" in summary and "已采纳" in summary and "cppcc/print.css" in summary
    assert Post.objects.count() == 1


def test_indicators_page_shows_the_rates(world, member, signed_in):
    body = signed_in(world.supervisor).get(reverse("cppcc:indicators") + "?year=2024").content.decode()
    assert 'id="mobilisation">100.0<' in body and "1 户" in body


@pytest.mark.parametrize("which", ["", "other", "长" * 300])
def test_a_post_naming_no_known_form_is_taken_as_a_matter_and_refused_onto_it(
    world, member, signed_in, which
):
    """A member page POST whose `form` is neither "link" nor "matter" was a 500 (the refusal was added to an
    unbound form); it is read as the matter form, its refusal shown on it, nothing saved."""
    c = signed_in(world.office)
    r = c.post(reverse("cppcc:member", args=[member.pk]), {"form": which, "household": "NOPE"})
    assert r.status_code == 200
    assert r.context["matter_form"].errors
    assert not Matter.objects.exists()
