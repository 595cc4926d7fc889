"""A campaign submission in Chromium: the township clerk reports it and the county approves it,
each through the confirmation dialog that says what the click will do."""

from __future__ import annotations

from liangxin.campaigns.models import SubmissionState
from liangxin.campaigns.tests.conftest import A_FILE, fresh
from liangxin.registry.models import Organization
from liangxin.testing.browser import PHONE, page_overflow, visible_text


def test_a_submission_is_reported_and_approved_through_the_confirmations(page_for, bob, alice, sub_a, stage):
    stage(sub_a, bob, A_FILE)
    clerk = page_for(bob, width=PHONE[0])  # a clerk on his phone
    clerk.goto(sub_a.get_absolute_url())
    assert page_overflow(clerk) is None
    clerk.get_by_role("button", name="上报").click()
    dialog = clerk.locator("dialog.confirm")
    assert "确定上报罗雄街道填报的 2 个组织吗" in dialog.inner_text()
    dialog.get_by_role("button", name="取消").click()
    dialog.wait_for(state="detached")
    assert fresh(sub_a).state == SubmissionState.IN_PROGRESS  # cancelled: nothing sent
    clerk.get_by_role("button", name="上报").click()
    with clerk.expect_navigation():
        clerk.locator("dialog.confirm").get_by_role("button", name="上报").click()
    assert "已上报" in visible_text(clerk)
    assert fresh(sub_a).state == SubmissionState.SUBMITTED

    county = page_for(alice)
    county.goto(sub_a.get_absolute_url())
    assert "审核通过后将写入登记册的内容" in visible_text(county, "#review")
    county.get_by_role("button", name="审核通过").click()
    dialog = county.locator("dialog.confirm")
    assert "将写入登记册:新增 2 个组织,变更 0 个组织" in dialog.inner_text()
    with county.expect_navigation():
        dialog.get_by_role("button", name="审核通过").click()
    assert fresh(sub_a).state == SubmissionState.APPROVED
    assert "已审核" in visible_text(county)
    assert Organization.objects.filter(name="罗雄甲科技有限公司").exists()
