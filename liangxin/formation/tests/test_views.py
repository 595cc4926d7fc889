"""The pages: plan page, plan form, transitions, verifications, members on no roster."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from liangxin.audit.models import AuditRecord
from liangxin.formation.models import FormationPlan, MemberAction, Verification
from liangxin.mobility.models import MobileMember
from liangxin.registry.models import PartyOrganizationCoverage


def _page(response):
    assert response.status_code == 200
    return response.content.decode()


def test_plan_page_shows_recommendation_and_plan(client, bob, three_members, ready_plan):
    client.force_login(bob)
    body = _page(client.get(reverse("formation:organization_plan", args=[three_members.pk])))
    assert "独立组建党支部" in body and "王书记" in body and "2026-09-30" in body
    assert '<option value="start">开始筹建' in body and '<option value="suspend">' in body
    assert '<option value="form">' not in body
    assert 'value="2026-' in body  # dates in the ISO form a date input needs


def test_create_plan_through_the_form_and_errors_show(client, bob, no_members):
    client.force_login(bob)
    url = reverse("formation:plan_edit", args=[no_members.pk])
    body = _page(client.post(url, {"ready": "no", "responsible_person": "李", "reason": "no_members"}))
    assert "暂不具备组建条件的,请提出对策措施。" in body
    assert not FormationPlan.objects.exists()
    response = client.post(
        url, {"ready": "no", "responsible_person": "李", "reason": "no_members", "countermeasure": "先建工会"}
    )
    assert response.status_code == 302
    plan = FormationPlan.objects.get()
    assert (plan.ready, plan.reason, plan.countermeasure, plan.created_by) == (False, "no_members", "先建工会", bob)
    # Editing keeps one plan; a stale version is a conflict.
    data = {"ready": "no", "responsible_person": "赵", "reason": "no_members", "countermeasure": "x", "version": 1}
    assert client.post(url, data).status_code == 302
    assert "已被他人修改" in _page(client.post(url, data))
    assert FormationPlan.objects.get().responsible_person == "赵"


def test_transitions_through_the_page(client, bob, three_members, ready_plan):
    client.force_login(bob)
    url = reverse("formation:plan_transition", args=[three_members.pk])
    body = _page(client.post(url, {"action": "form", "name": "x"}, follow=True))
    assert "方案当前状态为“计划”,不能完成组建" in body
    _page(client.post(url, {"action": "start"}, follow=True))
    body = _page(
        client.post(url, {"action": "form", "name": "三友建材党支部", "founded_on": "2026-06-01"}, follow=True)
    )
    assert "已完成组建" in body
    plan = FormationPlan.objects.get()
    assert plan.status == "formed" and plan.party_organization.name == "三友建材党支部"
    assert PartyOrganizationCoverage.objects.filter(organization=three_members, valid_to__isnull=True).exists()
    assert "该组织还没有进行中的组建方案" in _page(client.post(url, {"action": "suspend", "reason": "x"}, follow=True))
    # The organization's page now shows its party organization and the finished plan, and no
    # longer invites to make a plan.
    page = _page(client.get(reverse("formation:organization_plan", args=[three_members.pk])))
    section = page[page.index("<h2>组建方案</h2>") : page.index("逐一核实")]
    assert "尚未制定组建方案" not in section and "制定组建方案</a>" not in section
    assert f'<a href="{plan.party_organization.get_absolute_url()}">三友建材党支部</a>' in section
    assert "2026-06-01 成立" in section and "已组建" in section


def test_verification_through_the_page(client, bob, three_members):
    client.force_login(bob)
    url = reverse("formation:verification_add", args=[three_members.pk])
    body = _page(client.post(url, {"verified_on": "2026-06-01", "method": "visit", "result": "confirmed"}))
    assert "errorlist" in body and not Verification.objects.exists()
    data = {"verified_on": "2026-06-01", "verifier": "王干事", "method": "phone", "result": "confirmed"}
    assert client.post(url, data).status_code == 302
    body = _page(client.get(reverse("formation:organization_plan", args=[three_members.pk])))
    assert "王干事" in body and "电话核实" in body


@pytest.mark.parametrize("who", ["lily", "dave"])
def test_read_only_roles_see_but_cannot_write(client, request, who, org_in_a, township_a):
    from liangxin.testing.factories import OrganizationFactory

    org = OrganizationFactory(name="只读测试公司", township=township_a, department=org_in_a.department)
    client.force_login(request.getfixturevalue(who))
    body = _page(client.get(reverse("formation:organization_plan", args=[org.pk])))
    assert reverse("formation:plan_edit", args=[org.pk]) not in body
    assert client.get(reverse("formation:plan_edit", args=[org.pk])).status_code == 403
    assert client.post(reverse("formation:plan_transition", args=[org.pk]), {"action": "start"}).status_code == 403
    assert client.get(reverse("formation:register_list")).status_code == 200


def test_administrators_get_403_on_the_register(client, sysadm):
    client.force_login(sysadm)
    assert client.get(reverse("formation:register_list")).status_code == 403
    assert client.get(reverse("formation:unrostered_list")).status_code == 403


def test_unrostered_list_and_member_action(client, bob, carol, three_members, branch_a):
    client.force_login(bob)
    body = _page(client.get(reverse("formation:unrostered_list")))
    assert body.count("未处理") == 3 and "罗平县三友建材有限公司" in body
    member, other = (e.member for e in three_members.employments.order_by("pk")[:2])
    url = reverse("formation:member_action", args=[member.pk])
    assert "请填写说明" in _page(client.post(url, {"kind": "other", "acted_on": "2026-06-01"}))
    assert client.post(url, {"kind": "mobile", "acted_on": "2026-06-01", "note": "外出务工"}).status_code == 302
    # On the mobile members' ledger as coming in (relation held elsewhere): off this list.
    assert MobileMember.objects.filter(member=member, direction="in", ended_on__isnull=True).exists()
    assert _page(client.get(reverse("formation:unrostered_list"))).count("未处理") == 2
    assert client.get(url).status_code == 404
    url = reverse("formation:member_action", args=[other.pk])
    data = {"kind": "transferred_in", "acted_on": "2026-06-01", "party_organization": branch_a.pk}
    assert client.post(url, data).status_code == 302
    assert MemberAction.objects.count() == 2
    assert client.get(url).status_code == 404  # now on a roster: no longer on the list
    client.force_login(carol)
    assert "没有未纳入党组织管理的党员" in _page(client.get(reverse("formation:unrostered_list")))


def test_pages_have_no_inline_script_or_style(client, bob, three_members, ready_plan):
    client.force_login(bob)
    member = three_members.employments.first().member
    for url in (
        reverse("formation:register_list"),
        reverse("formation:organization_plan", args=[three_members.pk]),
        reverse("formation:plan_edit", args=[three_members.pk]),
        reverse("formation:unrostered_list"),
        reverse("formation:member_action", args=[member.pk]),
    ):
        body = _page(client.get(url))
        assert not re.search(r"<script(?![^>]*\bsrc=)", body), url
        assert "style=" not in body and "<style" not in body, url
        assert "未建党组织台账" in body  # nav link and breadcrumbs


def test_the_deregister_page_closes_the_plan(client, bob, three_members, ready_plan):
    client.force_login(bob)
    response = client.post(
        reverse("registry:organization_deregister", args=[three_members.pk]), {"on": "2026-06-01", "reason": "歇业"}
    )
    assert response.status_code == 302
    plan = FormationPlan.objects.get()
    assert (plan.status, plan.closed_on) == ("cancelled", dt.date(2026, 6, 1))
    body = _page(client.get(reverse("formation:organization_plan", args=[three_members.pk])))
    assert "已撤销" in body and "尚未制定组建方案" in body


def test_reading_the_register_and_a_plan_page_writes_nothing(client, lily, bob, three_members, ready_plan):
    """A GET writes no business data and no audit record (only a data export is audited): the
    leader reading the register, even where a plan is left open beside figures saying 注销 (how a
    write outside the services would leave it), changes nothing."""
    from liangxin.audit.models import AuditRecord
    from liangxin.registry.models import OrganizationFacts

    OrganizationFacts.objects.filter(organization=three_members).update(operating_status="deregistered")
    for user in (lily, bob):
        client.force_login(user)  # a login is audited: counted from after it
        before = (AuditRecord.objects.count(), list(FormationPlan.objects.values_list("pk", "status", "version")))
        for url in (
            reverse("formation:register_list"),
            reverse("formation:register_list") + "?plan_status=planned",
            reverse("formation:organization_plan", args=[three_members.pk]),
        ):
            assert client.get(url).status_code == 200, url
        after = (AuditRecord.objects.count(), list(FormationPlan.objects.values_list("pk", "status", "version")))
        assert after == before, user.username


def test_new_plan_form_is_prefilled_from_the_recommendation(client, bob, three_members, no_members):
    client.force_login(bob)
    body = _page(client.get(reverse("formation:plan_edit", args=[three_members.pk])))
    assert '<option value="independent" selected>' in body and '<option value="branch" selected>' in body
    body = _page(client.get(reverse("formation:plan_edit", args=[no_members.pk])))
    assert re.search(r'<input type="radio" name="ready" value="no"[^>]*checked', body)
    assert not re.search(r'<input type="radio" name="ready" value="yes"[^>]*checked', body)


def test_unrostered_list_query_count_is_bounded(client, bob, three_members, django_assert_max_num_queries):
    from liangxin.testing.factories import MemberFactory

    client.force_login(bob)
    url = reverse("formation:unrostered_list")
    client.get(url)
    with django_assert_max_num_queries(30) as small:
        client.get(url)
    for _ in range(20):
        MemberFactory(employer=three_members)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert "党员" in _page(client.get(url))


def test_a_plan_is_withdrawn_with_a_reason_where_the_role_may(client, bob, lily, three_members, ready_plan):
    url = reverse("formation:plan_transition", args=[three_members.pk])
    client.force_login(lily)  # the leader reads, never edits
    assert client.post(url, {"action": "withdraw", "reason": "x"}).status_code == 403
    client.force_login(bob)
    page = _page(client.get(reverse("formation:organization_plan", args=[three_members.pk])))
    assert '<option value="withdraw">撤销方案</option>' in page
    refused = _page(client.post(url, {"action": "withdraw", "reason": " "}, follow=True))
    assert "撤销方案须填写原因" in refused
    assert FormationPlan.objects.get().status == "planned"
    body = _page(client.post(url, {"action": "withdraw", "reason": "企业已迁往外县"}, follow=True))
    plan = FormationPlan.objects.get()
    assert (plan.status, plan.withdrawal_reason) == ("cancelled", "企业已迁往外县") and plan.closed_on is not None
    assert "已撤销方案" in body and "企业已迁往外县" in body
    assert "制定组建方案</a>" in body  # a new plan can be made
    record = AuditRecord.objects.filter(object_type="formation.formationplan").latest("pk")
    assert record.changes["transition"] == [None, "withdraw"] and record.actor == bob
