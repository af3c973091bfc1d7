"""政协助推行动 and 网络议政 pages: the members (and adding one), a member with the households linked and the
关键小事, the matters, the indicators, the joint supervision entries, the consultation topics, a topic with
its posts, and a topic's printable summary.

Thin: every read comes from `selectors.py`, every write goes through `services.py`. A record outside the
user's region answers 404 like a missing one; a role that may not act answers 403 with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.core import versions
from fupin.core.errors import EditConflict
from fupin.cppcc import selectors, services
from fupin.cppcc.codes import MatterStatus, MemberLevel, SupervisionBody, TopicStatus
from fupin.cppcc.forms import (
    CloseMatterForm,
    CloseTopicForm,
    LinkForm,
    MatterForm,
    MemberForm,
    PostForm,
    SupervisionForm,
    TopicForm,
)
from fupin.regions.models import Region

PAGE_SIZE = 50


def _lang() -> str:
    return "en" if (get_language() or "zh-hans").startswith("en") else "zh"


def _get_or_404(getter: Callable, *args):
    try:
        return getter(*args)
    except ObjectDoesNotExist:
        raise Http404 from None


def _submit(request, form, write: Callable) -> object | None:
    """Run `write(values)` with the posted values; its refusal comes back onto the form's fields."""
    form.is_valid()
    try:
        return write(request.POST.dict())
    except services.CppccRejected as e:
        for p in e.problems:
            form.add_error(p.field if p.field in form.fields else None, p.message())
    except EditConflict as e:
        form.add_error(None, e.message())
    return None


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
def member_list(request):
    user = request.user
    can_manage = services.can_manage(user)
    form = MemberForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        member = _submit(request, form or MemberForm(request.POST), lambda v: services.save_member(user, v))
        if member is not None:
            messages.success(request, _("The member was saved."))
            return redirect("cppcc:member", member.pk)
    level = request.GET.get("level") if request.GET.get("level") in MemberLevel.values else None
    page = _page(request, selectors.members_for(user, level=level))
    for m in page:
        m.phone_shown = selectors.phone_shown(user, m)
    context = {"page": page, "form": form, "level": level, "levels": MemberLevel.choices}
    return render(request, "cppcc/members.html", context)


@login_required
def member_detail(request, pk: int):
    user = request.user
    member = _get_or_404(selectors.get_member, user, pk)
    can_manage = services.can_manage(user)
    own = selectors.member_of(user)
    can_log = can_manage or (own is not None and own.pk == member.pk)
    # A POST is the link form's when it says so, else the matter form's: a refusal is always added to a bound
    # form (one naming no known form was a 500).
    posted_link = request.method == "POST" and request.POST.get("form") == "link"
    posted_matter = request.method == "POST" and not posted_link
    link_form = LinkForm(request.POST if posted_link else None) if can_manage else None
    matter_form = MatterForm(request.POST if posted_matter else None) if can_log else None
    if request.method == "POST":
        if posted_link:
            done = _submit(
                request, link_form or LinkForm(request.POST), lambda v: services.link_household(user, pk, v)
            )
            text = _("The household was linked to the member.")
        else:
            done = _submit(
                request,
                matter_form or MatterForm(request.POST),
                lambda v: services.log_matter(user, {**v, "member": pk}),
            )
            text = _("The key matter was logged.")
        if done is not None:
            messages.success(request, text)
            return redirect("cppcc:member", pk)
    context = {
        "member": member,
        "phone": selectors.phone_shown(user, member),
        "links": selectors.links_for(user, member),
        "matters": selectors.matters_for(user, member=member),
        "link_form": link_form,
        "matter_form": matter_form,
    }
    return render(request, "cppcc/member.html", context)


@login_required
def matter_list(request):
    user = request.user
    status = request.GET.get("status") if request.GET.get("status") in MatterStatus.values else None
    page = _page(request, selectors.matters_for(user, status=status))
    own = selectors.member_of(user)
    for m in page:
        m.can_close = m.status == MatterStatus.OPEN and (
            services.can_manage(user) or (own is not None and own.pk == m.member_id)
        )
        m.version = services.matter_version(m)
    context = {
        "page": page,
        "status": status,
        "statuses": MatterStatus.choices,
        "close_form": CloseMatterForm(),
    }
    return render(request, "cppcc/matters.html", context)


@login_required
@require_POST
def matter_close(request, pk: int):
    user = request.user
    form = CloseMatterForm(request.POST)
    matter = _get_or_404(selectors.get_matter, user, pk)
    done = _submit(
        request, form, lambda v: services.close_matter(user, pk, v, version=versions.posted(request))
    )
    if done is not None:
        messages.success(request, _("The key matter was closed."))
    for errors in form.errors.values():
        for e in errors:
            messages.error(request, e)
    if request.POST.get("back") == "member":
        return redirect("cppcc:member", matter.member_id)
    return redirect("cppcc:matters")


def _with_region_names(rows: list[dict]) -> list[dict]:
    names = dict(Region.objects.filter(code__in={r["region"] for r in rows}).values_list("code", "name"))
    for r in rows:
        r["region_name"] = names.get(r["region"], r["region"])
    return rows


@login_required
def indicators(request):
    user = request.user
    try:
        year = int(request.GET.get("year") or date.today().year)
    except ValueError:
        year = date.today().year
    year = min(max(year, 2000), 2100)
    lang = _lang()
    by_level = selectors.indicators(user, year, "level").to_dicts()
    for r in by_level:
        r["label"] = MemberLevel.label(r["level"], lang)
    context = {
        "year": year,
        "total": selectors.indicators(user, year).to_dicts()[0],
        "by_level": by_level,
        "by_region": _with_region_names(selectors.indicators(user, year, "region").to_dicts()),
        "years": list(range(date.today().year, date.today().year - 8, -1)),
    }
    return render(request, "cppcc/indicators.html", context)


@login_required
def supervision_list(request):
    user = request.user
    form = SupervisionForm(request.POST or None) if services.can_manage(user) else None
    if request.method == "POST":
        done = _submit(request, form or SupervisionForm(), lambda v: services.add_supervision(user, v))
        if done is not None:
            messages.success(request, _("The supervision entry was saved."))
            return redirect("cppcc:supervision")
    body = request.GET.get("body") if request.GET.get("body") in SupervisionBody.values else None
    context = {
        "page": _page(request, selectors.supervision_for(user, body=body)),
        "form": form,
        "body": body,
        "bodies": SupervisionBody.choices,
    }
    return render(request, "cppcc/supervision.html", context)


@login_required
def topic_list(request):
    user = request.user
    form = TopicForm(request.POST or None) if services.can_manage(user) else None
    if request.method == "POST":
        topic = _submit(request, form or TopicForm(), lambda v: services.open_topic(user, v))
        if topic is not None:
            messages.success(request, _("The topic was opened for consultation."))
            return redirect("cppcc:topic", topic.pk)
    status = request.GET.get("status") if request.GET.get("status") in TopicStatus.values else None
    context = {
        "page": _page(request, selectors.topics_for(user, status=status)),
        "form": form,
        "status": status,
    }
    return render(request, "cppcc/topics.html", context)


@login_required
def topic_detail(request, pk: int):
    user = request.user
    topic = _get_or_404(selectors.get_topic, user, pk)
    can_manage = services.can_manage(user)
    can_post = topic.status == TopicStatus.OPEN and (can_manage or selectors.member_of(user) is not None)
    which = request.POST.get("form")
    post_form = PostForm(request.POST if which == "post" else None) if can_post else None
    close_form = (
        CloseTopicForm(request.POST if which == "close" else None)
        if can_manage and topic.status == TopicStatus.OPEN
        else None
    )
    if request.method == "POST":
        if which == "close":
            done = _submit(
                request,
                close_form or CloseTopicForm(),
                lambda v: services.close_topic(user, pk, v, version=versions.posted(request)),
            )
            text = _("The office replied and the topic was closed.")
        else:
            done = _submit(request, post_form or PostForm(), lambda v: services.add_post(user, pk, v))
            text = _("Your post was added.")
        if done is not None:
            messages.success(request, text)
            return redirect("cppcc:topic", pk)
    context = {
        "topic": topic,
        "posts": selectors.posts_of(topic),
        "post_form": post_form,
        "close_form": close_form,
        "version": services.topic_version(topic),
    }
    return render(request, "cppcc/topic.html", context)


@login_required
def topic_summary(request, pk: int):
    topic = _get_or_404(selectors.get_topic, request.user, pk)
    posts = list(selectors.posts_of(topic))
    context = {
        "topic": topic,
        "proposals": [p for p in posts if p.kind == "proposal"],
        "comments": [p for p in posts if p.kind == "comment"],
        "printed_on": date.today(),
    }
    return render(request, "cppcc/summary.html", context)
