import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_chinese_is_the_default_whatever_the_browser_says(client):
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "登录" in page.content.decode() and 'lang="zh-CN"' in page.content.decode()


@pytest.mark.django_db
def test_english_when_chosen_with_the_switch(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert "Sign in" in page.content.decode()
