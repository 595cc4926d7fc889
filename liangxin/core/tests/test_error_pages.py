"""403, 404 and 500 in Chinese in the site's layout with a way back to ``/``, under production
settings (DEBUG off), for anonymous visitors too; a GET on a POST-only URL leads back to its page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from liangxin.accounts import access
from liangxin.core.middleware import page_above
from liangxin.testing import walk


@pytest.fixture
def production(settings):
    settings.DEBUG = False


def _is_site_page(text: str) -> bool:
    return '<header class="topbar">' in text and 'href="/"' in text and 'lang="zh-hans"' in text


@pytest.mark.django_db
def test_404_in_chinese_for_anonymous_and_signed_in(production, client, carol, org_in_a):
    response = client.get("/no-such-page/")
    text = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in text and _is_site_page(text) and "Not Found" not in text
    client.force_login(carol)
    response = client.get(org_in_a.get_absolute_url())  # township A's, outside carol's scope
    text = response.content.decode()
    assert response.status_code == 404 and "不在您的管理范围内" in text and _is_site_page(text)
    assert "板桥镇" in text  # signed in: the header names his township, the menu is there


@pytest.mark.django_db
def test_403_in_chinese_says_why(production, client, sam):
    client.force_login(sam)
    response = client.get(reverse("coverage:dashboard"))
    text = response.content.decode()
    assert response.status_code == 403
    assert "无权访问" in text and "您的角色无权使用此页面。" in text and _is_site_page(text)
    assert "Forbidden" not in text


@pytest.mark.django_db
def test_500_in_chinese_in_the_layout(production, carol, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("liangxin.core.todo.todo_for", broken)
    client = Client(raise_request_exception=False)
    client.force_login(carol)
    response = client.get(reverse("todo"))
    text = response.content.decode()
    assert response.status_code == 500
    assert "系统出错" in text and "数据没有改动" in text and _is_site_page(text)
    assert "boom" not in text and "Server Error" not in text


@pytest.mark.django_db
def test_the_pages_carry_the_favicon(client, carol):
    client.force_login(carol)
    text = client.get(reverse("todo")).content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in text
    from pathlib import Path

    from django.contrib.staticfiles import finders

    icon = finders.find("favicon.svg")
    assert icon and "<svg" in Path(icon).read_text(encoding="utf-8")


def test_the_page_above_an_action_is_its_step_or_object():
    county = access.Role.TOWNSHIP_CLERK
    assert page_above("/census/batches/7/mapping/", county) == "/census/batches/7/"
    assert page_above("/formation/organizations/3/transition/", county) == "/formation/organizations/3/"
    assert page_above("/campaigns/submissions/5/import/confirm/", county) == "/campaigns/submissions/5/import/"
    assert page_above("/campaigns/9/close/", access.Role.COUNTY_ADMIN) == "/campaigns/"
    # Nothing above the role may open: home.
    assert page_above("/security/lockouts/unlock/", county) == "/"
    assert page_above("/security/lockouts/unlock/", access.Role.SEC_ADMIN) == "/security/lockouts/"


WRITERS = {
    access.Role.COUNTY_ADMIN: "alice",
    access.Role.TOWNSHIP_CLERK: "carol",
    access.Role.DEPARTMENT_CLERK: "dave",
    access.Role.SYS_ADMIN: "sysadm",
    access.Role.SEC_ADMIN: "secadm",
}
MIDDLEWARE = "liangxin.core.middleware.PostOnlyGetMiddleware"


@pytest.mark.django_db
def test_a_get_on_any_post_only_url_leads_back_to_a_page_the_role_opens(client, request, settings, township_b_objects):
    """Every URL of the URL conf that answers a GET with 405 (as a role that may send to it)
    leads instead, through its redirects, to a page that answers 200 and says why."""
    targets = []
    for name, route in walk.url_patterns():
        url = walk.pattern_url(name, route, township_b_objects)
        rule = access.rule_for(name)
        if url and rule is not None and not rule.public:
            targets += [(name, url, WRITERS[role]) for role in sorted(rule.write) if role in WRITERS][:1]
    without = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE]
    post_only = []
    with _middleware(settings, without):
        plain = Client()  # a test client builds its middleware chain once, at its first request
        for name, url, user in targets:
            plain.force_login(request.getfixturevalue(user))
            if plain.get(url).status_code == 405:
                post_only.append((name, url, user))
    assert len(post_only) >= 10, post_only  # the actions: transitions, confirmations, reverts, ...
    for name, url, user in post_only:
        client.force_login(request.getfixturevalue(user))
        response = client.get(url, follow=True)
        assert response.status_code == 200, (name, url, response.redirect_chain)
        assert response.redirect_chain and response.redirect_chain[-1][0] != url
        assert "已回到它所在的页面" in response.content.decode(), (name, url)


class _middleware:
    def __init__(self, settings, middleware):
        self.settings, self.middleware = settings, middleware

    def __enter__(self):
        self.saved = self.settings.MIDDLEWARE
        self.settings.MIDDLEWARE = self.middleware

    def __exit__(self, *exc):
        self.settings.MIDDLEWARE = self.saved
