"""The browser tests' own tools: Chromium draws Chinese, a page logged in as a role is that role,
and the two layout checks find what they look for (and nothing on a page without it)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from liangxin.testing.browser import PHONE, choices_off_their_label, page_overflow, visible_text
from liangxin.testing.factories import PASSWORD


@pytest.fixture
def blank(chromium):
    context = chromium.new_context(viewport={"width": PHONE[0], "height": PHONE[1]}, is_mobile=True)
    yield context.new_page()
    context.close()


PAGE = (
    '<html><head><meta name="viewport" content="width=device-width, initial-scale=1"></head>'
    '<body style="margin: 0">{}</body></html>'
)


def test_overflow_is_found_and_a_table_scrolling_in_its_box_is_not(blank):
    blank.set_content(PAGE.format('<div style="width: 600px">宽</div>'))
    assert "600 px wide" in page_overflow(blank)
    wide_table = '<table><tr><td style="width: 900px">宽表</td></tr></table>'
    blank.set_content(PAGE.format(f'<div style="overflow-x: auto">{wide_table}</div>'))
    assert page_overflow(blank) is None


def test_a_choice_below_its_label_is_found_and_one_beside_it_is_not(blank):
    below = '<input type="radio" name="ready" style="display: block">'
    blank.set_content(PAGE.format(f"<label>具备组建条件{below}</label>"))
    assert "ready=on" in choices_off_their_label(blank)[0]
    blank.set_content(PAGE.format('<input type="checkbox" name="x" id="x"><label for="x">只看逾期</label>'))
    assert choices_off_their_label(blank) == []
    blank.set_content(PAGE.format('<input type="checkbox" name="lonely">'))
    assert "no label" in choices_off_their_label(blank)[0]


def test_chinese_is_drawn_with_a_chinese_font(blank):
    """Without a CJK font Chromium draws every character as the same empty box."""
    blank.set_content(PAGE.format('<span id="a">党</span><span id="b">建</span><span id="c">口</span>'))
    widths = [blank.locator(f"#{n}").bounding_box()["width"] for n in "abc"]
    assert min(widths) > 8
    shots = {blank.locator(f"#{n}").screenshot() for n in "abc"}
    assert len(shots) == 3  # three different glyphs, not three tofu boxes


def test_a_township_clerk_logs_in_through_the_form_and_sees_his_township(new_page, bob):
    page = new_page()
    page.goto("/")
    assert "登录" in page.title()
    page.get_by_label("用户名").fill("bob")
    page.get_by_label("密码").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    assert "罗雄街道" in visible_text(page, "header")
    assert "/accounts/login/" not in page.url


def test_a_page_for_a_role_is_logged_in_as_that_role(page_for, carol, sam):
    page = page_for(carol, width=PHONE[0])
    page.goto("/registry/organizations/")
    assert "板桥镇" in visible_text(page, "header")
    anonymous = page_for(None)
    anonymous.goto("/registry/organizations/")
    assert "/accounts/login/" in anonymous.url


def test_on_a_phone_the_menu_folds_behind_one_button_and_on_a_desktop_it_is_open(page_for, alice):
    phone = page_for(alice, width=PHONE[0])
    phone.goto(reverse("registry:organization_list"))
    menu = phone.get_by_role("navigation", name="主导航")
    assert not menu.is_visible()
    phone.get_by_text("菜单", exact=True).click()
    assert menu.is_visible()
    menu.get_by_role("link", name="党员", exact=True).click()
    phone.wait_for_url(f"**{reverse('registry:member_list')}")
    assert not phone.get_by_role("navigation", name="主导航").is_visible()  # the new page starts folded
    desktop = page_for(alice)
    desktop.goto(reverse("registry:organization_list"))
    assert desktop.get_by_role("navigation", name="主导航").is_visible()
    assert not desktop.get_by_text("菜单", exact=True).is_visible()
