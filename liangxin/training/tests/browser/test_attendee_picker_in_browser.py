"""The attendee picker in Chromium: typing asks the register's search (htmx), the options found
come as radio buttons beside their labels, and choosing one and adding records that attendee; at
390 px nothing sticks out of the page."""

from __future__ import annotations

import pytest

from liangxin.testing.browser import DESKTOP, PHONE, choices_off_their_label, page_overflow, visible_text


@pytest.mark.parametrize("width", [DESKTOP[0], PHONE[0]])
def test_a_member_is_found_by_typing_and_added(width, page_for, county_data, bob):
    new_year = county_data["new_year"]
    page = page_for(bob, width=width)
    page.goto(new_year.get_absolute_url())
    page.select_option("#id_kind", "member")
    page.fill("#id_member", "专职")
    option = page.locator("#id_member_options input[type=radio]")
    option.first.wait_for()
    assert option.count() == 1 and "城东党支部" in visible_text(page, "#id_member_options")
    assert page_overflow(page) is None and choices_off_their_label(page) == []
    option.first.check()
    with page.expect_navigation():
        page.get_by_role("button", name="添加").click()
    assert "已添加参训人员" in visible_text(page, "main")
    assert new_year.attendances.filter(member=county_data["worker"]).exists()
