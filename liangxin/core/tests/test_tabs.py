"""The section tab bars (``templates/<app>/_tabs.html``, ``core.templatetags.tabs``): each page of
a section marks its own tab, and only it; the year shown follows the links that take one."""

from __future__ import annotations

import re

import pytest
from django.template.loader import get_template
from django.test import RequestFactory
from django.urls import resolve, reverse

SECTIONS = {
    "funding": ["index", "allocation", "dues_returns", "activity_funds", "reward_list"],
    "training": ["index", "gaps", "rules"],
    "standards": ["index", "assessments"],
    "liaison": ["index", "demonstrations", "joint_meeting"],
    "orglife": ["index", "dissolved"],
}
TAKE_THE_YEAR = {"funding:index", "funding:allocation", "funding:dues_returns", "funding:activity_funds",
                 "training:index", "training:gaps"}  # fmt: skip


def _bar(app: str, shown: str, **context: object) -> list[str]:
    request = RequestFactory().get(reverse(shown))
    request.resolver_match = resolve(request.path)
    html = get_template(f"{app}/_tabs.html").render({"request": request, **context})
    return re.findall(r"<a [^>]*>", html)


@pytest.mark.parametrize("shown", [f"{app}:{page}" for app, pages in SECTIONS.items() for page in pages])
def test_a_section_page_marks_its_own_tab_and_no_other(shown):
    app = shown.split(":")[0]
    links = _bar(app, shown, year=2025)
    expected = [
        f'<a href="{reverse(f"{app}:{page}")}{"?year=2025" if f"{app}:{page}" in TAKE_THE_YEAR else ""}"'
        + (' aria-current="page">' if f"{app}:{page}" == shown else ">")
        for page in SECTIONS[app]
    ]
    assert links == expected


def test_without_a_year_the_links_carry_none():
    assert _bar("training", "training:rules") == [
        f'<a href="{reverse("training:index")}">',
        f'<a href="{reverse("training:gaps")}">',
        f'<a href="{reverse("training:rules")}" aria-current="page">',
    ]
