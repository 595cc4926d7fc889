"""A township clerk makes a joint formation plan in Chromium: the form shows only the branch chosen,
the partner is found by its pinyin initials through the search box (htmx), ticked, and saved."""

from __future__ import annotations

import datetime as dt

from liangxin.formation.models import FormationPlan
from liangxin.testing.browser import visible_text
from liangxin.testing.factories import OrganizationFactory


def test_a_clerk_makes_a_joint_plan_with_a_partner_found_by_the_search_box(page_for, bob, township_a):
    def org(name: str, code: str, full: int, probationary: int = 0):
        facts = {"full_members": full, "probationary_members": probationary}
        return OrganizationFactory(name=name, township=township_a, industry_code=code, facts=facts)

    lead = org("九龙茶叶公司", "C15", 2)
    tea = org("九龙茶厂", "C15", 1, 2)
    food = org("罗雄食品厂", "C14", 1)
    org("罗雄糕点厂", "C14", 2)
    page = page_for(bob)
    page.goto(f"/formation/organizations/{lead.pk}/plan/")

    # Only the chosen branch's fields show; the partners only for 联合建.
    page.get_by_label("暂不具备组建条件").check()
    assert page.get_by_label("对策措施").is_visible() and not page.get_by_label("组建方式").is_visible()
    page.get_by_label("具备组建条件", exact=True).check()
    assert page.get_by_label("组建方式").is_visible() and not page.get_by_label("对策措施").is_visible()
    page.get_by_label("组建方式").select_option("independent")
    assert not page.locator("#partner-search").is_visible()
    page.get_by_label("组建方式").select_option("joint")
    assert page.locator("#partner-search").is_visible()

    # The recommended partner comes ticked; 罗雄食品厂 is found by its pinyin initials, with its members,
    # below the ticked one that the search keeps.
    options = page.locator("#partner-options")
    assert {"九龙茶厂", "罗雄食品厂", "罗雄糕点厂"} <= set(options.inner_text().split())
    page.locator("#partner-search").fill("lxsp")
    options.get_by_text("查找结果").wait_for()
    assert "罗雄糕点厂" not in options.inner_text()
    found = options.locator("label.partner", has_text="罗雄食品厂")
    assert "正式党员 1 名、预备党员 0 名" in found.inner_text()
    assert options.locator("label.partner", has_text="九龙茶厂").locator("input").is_checked()
    found.locator("input").check()

    page.get_by_label("拟组建党组织类别").select_option(label="党支部")
    page.get_by_label("计划组建时间").fill("2027-03-31")
    page.get_by_label("责任人").fill("王五")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()

    assert "罗雄食品厂" in visible_text(page)
    plan = FormationPlan.objects.get(organization=lead)
    assert plan.method == "joint" and plan.planned_date == dt.date(2027, 3, 31)
    assert set(plan.partners.values_list("pk", flat=True)) == {tea.pk, food.pk}
