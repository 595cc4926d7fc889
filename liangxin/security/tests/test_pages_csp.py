"""Every page keeps to the Content-Security-Policy: the header is on every response, and no page
has an inline script, an event-handler attribute, a style attribute or an external URL. The
test walks the URL conf as a county administrator and a township clerk (and the other roles on
their own pages), so a new page is checked without being listed here."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from liangxin.audit.services import log_change
from liangxin.testing.urls import url_patterns

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
URL_ATTRIBUTES = {"src", "href", "action", "formaction", "poster", "data", "srcset", "background"}


class Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _value in attrs}
        if tag == "script":
            if "src" not in names:
                self.problems.append("inline <script>")
            self._in_script = True
        if tag == "style":
            self.problems.append("<style> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}= on <{tag}>")
            if name == "style":
                self.problems.append(f"style= on <{tag}>")
            if name in URL_ATTRIBUTES and value:
                v = value.strip().lower()
                if v.startswith(("http:", "https:", "//", "javascript:")) or (
                    v.startswith("data:") and not (tag == "img" and v.startswith("data:image/"))
                ):
                    self.problems.append(f"external or script URL {name}={value[:60]} on <{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append("script with inline content")


def problems_in(html: str) -> list[str]:
    inspector = Inspector()
    inspector.feed(html)
    return inspector.problems


@pytest.fixture
def objects(org_in_a, branch_a, member_a, bob, carol, alice):
    record = log_change(actor=alice, action="update", obj=org_in_a, changes={"employees": [1, 2]})
    return {
        "organization": org_in_a,
        "party_organization": branch_a,
        "member": member_a,
        "user": carol,
        "record": record,
    }


def _object_for(name: str, objects: dict[str, Any]) -> Any:
    short = name.split(":")[-1]
    for prefix in ("party_organization", "organization", "member", "user", "record"):
        if short.startswith(prefix):
            return objects[prefix]
    return None


def _get_pages(client, objects) -> dict[str, Any]:
    pages = {}
    for name, (route, _pattern) in url_patterns().items():
        kwargs = {}
        if "<" in route:
            obj = _object_for(name, objects)
            params = re.findall(r"<(?:\w+:)?(\w+)>", route)
            if obj is None or params != ["pk"]:
                continue
            kwargs = {"pk": obj.pk}
        try:
            url = reverse(name, kwargs=kwargs)
        except Exception:  # noqa: S112 - a pattern that needs other arguments is not a page to walk
            continue
        response = client.get(url)
        pages[url] = response
    return pages


@pytest.mark.parametrize("who", ["alice", "bob", "secadm", "auditor", "sysadm"])
def test_every_page_keeps_to_the_policy(client, request, objects, who):
    client.force_login(request.getfixturevalue(who))
    pages = _get_pages(client, objects)
    html_pages = {
        url: r
        for url, r in pages.items()
        if r.status_code == 200 and r.get("Content-Type", "").startswith("text/html") and not r.streaming
    }
    assert len(html_pages) >= (8 if who in ("alice", "bob") else 2), sorted(html_pages)
    failures = {}
    for url, response in pages.items():
        assert response.status_code != 500, url
        assert response["Content-Security-Policy"] == CSP, url
    for url, response in html_pages.items():
        found = problems_in(response.content.decode())
        if found:
            failures[url] = sorted(set(found))
    assert not failures, failures


def test_anonymous_pages_keep_to_the_policy(client, db):
    for url in ("/accounts/login/", "/security/2fa/verify/", "/security/2fa/setup/"):
        response = client.get(url, follow=True)
        assert response["Content-Security-Policy"] == CSP
        assert not problems_in(response.content.decode()), url


def test_the_enrolment_page_qr_code_is_an_image_not_inline_svg(client, alice):
    client.post("/accounts/login/", {"username": "alice", "password": "Liangxin#2026"})
    html = client.get("/security/2fa/setup/").content.decode()
    assert "<svg" not in html and 'src="data:image/svg+xml;base64,' in html
    assert not problems_in(html)


def test_the_inspector_catches_what_it_should():
    assert problems_in('<script>alert(1)</script><p onclick="x()" style="color:red">') == [
        "inline <script>",
        "script with inline content",
        "event handler onclick= on <p>",
        "style= on <p>",
    ]
    assert problems_in('<script src="https://cdn.example/x.js"></script>') == [
        "external or script URL src=https://cdn.example/x.js on <script>"
    ]
    assert problems_in('<a href="javascript:void(0)">') and problems_in("<style>p{}</style>")
    assert not problems_in('<script src="/static/vendor/htmx.js" defer></script><img src="data:image/png;base64,xx">')


def test_the_policy_and_related_headers_on_every_response(client, db):
    response = client.get("/no-such-page/")
    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY == CSP
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_htmx_may_not_inject_styles_or_evaluate_code(client, alice):
    client.force_login(alice)
    html = client.get("/registry/organizations/").content.decode()
    assert '"includeIndicatorStyles": false' in html and '"allowEval": false' in html
    assert 'src="/static/vendor/htmx-' in html  # served locally


# --- CSRF -----------------------------------------------------------------------------------------


def test_no_view_is_exempt_from_csrf():
    for name, (_route, _pattern) in url_patterns().items():
        from django.urls import resolve

        try:
            url = reverse(name, kwargs={"pk": 1}) if "<" in _route else reverse(name)
        except Exception:  # noqa: S112
            continue
        callback = resolve(url).func
        assert not getattr(callback, "csrf_exempt", False), name


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/login/",
        "/accounts/logout/",
        "/accounts/password/",
        "/accounts/users/new/",
        "/registry/organizations/new/",
        "/security/lockouts/unlock/",
        "/security/2fa/disable/",
    ],
)
def test_a_post_without_the_token_is_refused_with_a_clear_page(url, alice, rf):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(url, {"username": "alice", "password": "x"})
    assert response.status_code == 403
    content = response.content.decode()
    assert "请求已失效" in content and not problems_in(content)
