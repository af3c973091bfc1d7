"""Pages show the chosen language only: no '中文 / English' label pairs, no developer notes or raw keys."""

import re

import pytest
from django.urls import URLPattern, get_resolver
from factories import household, region_tree, user

APPS = ("registry", "monitoring", "funds", "quality", "policy", "reports", "accounts", "assistance")
# CJK text, ' / ', Latin text: a label written in both languages (the chosen language shows one)
PAIR = re.compile(r"[\u4e00-\u9fff][\u4e00-\u9fff（）()、·\w]*\s/\s[A-Za-z][A-Za-z\-–' ]+")
NOTES = re.compile(r"domain\.md|§|\[memory\]|\[local\]")
TAGS = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.S)


def _pages() -> list[str]:
    """Every page of the apps that takes no argument in its address."""
    urls = []
    for app in APPS:
        resolver = get_resolver().url_patterns
        [inc] = [p for p in resolver if getattr(p, "namespace", None) == app]
        for p in inc.url_patterns:
            if isinstance(p, URLPattern) and not p.pattern.regex.groupindex and "(" not in str(p.pattern):
                urls.append(f"/{inc.pattern}{p.pattern}".replace("^", "").replace("$", ""))
    return urls


@pytest.fixture
def admin_client(db, client):
    tree = region_tree()
    household(tree.village_a, "A001", status="returned")
    household(tree.village_a, "A002", status="exited_stable")
    admin = user("system_admin", None)
    from fupin.registry.models import ImportBatch

    ImportBatch.objects.create(
        user=admin, filename="村.xlsx", status="rejected"
    )  # its status on the import page
    client.force_login(admin)
    return client


def _text(body: str) -> str:
    return TAGS.sub(" ", body)


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_pages_show_one_language_and_no_developer_notes(admin_client, lang):
    admin_client.cookies["django_language"] = lang
    problems = {}
    pages = _pages() + ["/registry/h/A001/", "/registry/h/A002/", "/registry/h/A001/delete/"]
    for url in pages:
        r = admin_client.get(url)
        if r.status_code != 200 or not r["Content-Type"].startswith("text/html"):
            continue
        text = _text(r.content.decode())
        found = PAIR.findall(text) + NOTES.findall(text)
        if found:
            problems[url] = sorted(set(found))[:5]
    assert len(pages) > 30
    assert problems == {}, "\n".join(f"{u}: {v}" for u, v in problems.items())
