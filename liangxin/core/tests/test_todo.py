"""The clerks' to-do page and where every role lands: what is waiting, in the user's scope only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from liangxin.core import todo
from liangxin.formation import services as formation_services
from liangxin.formation.todo import needs_verification
from liangxin.testing.factories import OrganizationFactory, ready_plan

TODAY = dt.date(2026, 11, 25)


@pytest.fixture
def on_today(monkeypatch):
    monkeypatch.setattr("liangxin.core.views.today", lambda: TODAY)
    monkeypatch.setattr("liangxin.campaigns.services.today", lambda: TODAY)
    return TODAY


def test_due_text_and_urgency():
    assert todo.due_text(due=dt.date(2026, 11, 23), today=TODAY) == "已逾期 2 天(2026-11-23)"
    assert todo.due_text(due=TODAY, today=TODAY) == "今天截止(2026-11-25)"
    assert todo.due_text(due=dt.date(2026, 12, 25), today=TODAY) == "还有 30 天(2026-12-25 截止)"
    assert todo.is_urgent(due=dt.date(2026, 12, 2), today=TODAY)
    assert not todo.is_urgent(due=dt.date(2026, 12, 3), today=TODAY)
    assert not todo.is_urgent(due=None, today=TODAY)


def test_a_census_record_is_due_until_verified_on_or_after_its_date():
    census = dt.date(2026, 1, 1)
    assert needs_verification(census_from=census, last_verified=None)
    assert needs_verification(census_from=census, last_verified=dt.date(2025, 12, 31))
    assert not needs_verification(census_from=census, last_verified=census)


@pytest.mark.django_db
def test_the_clerk_sees_his_campaign_deadline_overdue_plans_and_verifications_due(
    client, carol, bob, org_in_b, township_b, campaign, on_today
):
    late = OrganizationFactory(name="板桥迟到建材有限公司", township=township_b, facts={"full_members": 3})
    ready_plan(by=carol, organization=late, planned_date=dt.date(2026, 10, 1))
    on_time = OrganizationFactory(name="板桥准时商贸有限公司", township=township_b, facts={"full_members": 3})
    ready_plan(by=carol, organization=on_time, planned_date=dt.date(2027, 3, 1))
    client.force_login(carol)
    response = client.get(reverse("todo"))
    assert response.status_code == 200
    text = response.content.decode()
    # The campaign: its state and its deadline, five days ahead (urgent within a week).
    assert "2026年集中摸底 · 板桥镇" in text
    assert "状态:未开始;摸底上报还有 5 天(2026-11-30 截止)" in text
    # The overdue plan, not the one on time.
    assert "板桥迟到建材有限公司" in text
    assert "计划组建时间已逾期 55 天(2026-10-01)" in text
    assert "板桥准时商贸有限公司" not in text.split("逐一核实")[0]
    # Nothing verified yet: every organization of the register is due.
    groups = {str(g.kind): g for g in response.context["groups"]}
    assert list(groups) == ["集中摸底", "组建方案逾期", "逐一核实"]
    assert groups["集中摸底"].items[0].urgent
    due = groups["逐一核实"].items[0]
    assert due.title == "3 个组织的普查记录待核实"
    assert {"板桥迟到建材有限公司", "板桥准时商贸有限公司", "板桥星火煤业有限公司"} <= set(due.detail.split("、"))
    # Township A's clerk sees none of township B's work.
    client.force_login(bob)
    text_a = client.get(reverse("todo")).content.decode()
    assert "板桥" not in text_a.replace("罗雄街道", "")
    assert "2026年集中摸底 · 罗雄街道" in text_a


@pytest.mark.django_db
def test_a_verification_takes_the_organization_off_and_a_submitted_campaign_waits(
    client, carol, org_in_b, campaign, on_today
):
    formation_services.add_verification(
        by=carol, organization=org_in_b, verified_on=TODAY, verifier="王核实", method="visit", result="confirmed"
    )
    submission = campaign.submissions.get(township=carol.township)
    submission.state = "submitted"
    submission.submitted_on = TODAY
    submission.submitted_by = carol
    submission.save()
    client.force_login(carol)
    response = client.get(reverse("todo"))
    groups = {str(g.kind): g for g in response.context["groups"]}
    assert "逐一核实" not in groups
    item = groups["集中摸底"].items[0]
    assert item.detail == "状态:已上报,等待县里审核"
    assert not item.urgent


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("alice", "/coverage/"),
        ("lily", "/coverage/"),
        ("carol", "/todo/"),
        ("dave", "/todo/"),
        ("sysadm", "/accounts/users/"),
        ("secadm", "/accounts/users/"),
        ("auditor", "/audit/"),
    ],
)
def test_every_role_lands_on_its_everyday_page(client, request, role, landing):
    client.force_login(request.getfixturevalue(role))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == landing


@pytest.mark.django_db
def test_a_secretary_lands_on_his_party_organization(client, sam, branch_a):
    client.force_login(sam)
    assert client.get("/")["Location"] == branch_a.get_absolute_url()


@pytest.mark.django_db
def test_the_to_do_page_is_the_clerks_and_in_their_menu(client, alice, carol):
    client.force_login(alice)
    assert client.get(reverse("todo")).status_code == 403
    assert 'href="/todo/"' not in client.get(reverse("coverage:dashboard")).content.decode()
    client.force_login(carol)
    assert 'href="/todo/"' in client.get(reverse("registry:organization_list")).content.decode()
