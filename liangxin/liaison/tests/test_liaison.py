"""Liaison points with their visits, demonstration points and the joint meeting's units: listed per
township within the scope, kept by whom the services allow, exported with an audit record."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.core.errors import ServiceError
from liangxin.liaison import selectors, services
from liangxin.testing.factories import DepartmentFactory
from liangxin.testing.responses import body_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def points(alice, bob, carol, org_in_a, org_in_b):
    county = services.create_point(
        by=alice,
        data=services.PointData(
            leader_name="李县长", leader_position="副县长", organization=org_in_a, started_on=dt.date(2025, 3, 1)
        ),
    )
    services.record_visit(
        by=alice,
        point=county,
        data=services.VisitData(visited_on=dt.date(2025, 6, 1), visitors="李县长", activity="调研协会党建"),
    )
    services.record_visit(
        by=bob,
        point=county,
        data=services.VisitData(
            visited_on=dt.date(2025, 9, 9), visitors="李县长、街道党工委", activity="督促建立党支部"
        ),
    )
    township = services.create_point(
        by=carol,
        data=services.PointData(
            leader_name="杨镇长", leader_position="镇党委书记", organization=org_in_b, started_on=dt.date(2026, 1, 5)
        ),
    )
    return county, township


def test_points_and_visits_are_listed_per_township(points, bob, carol, alice, township_a):
    county, township = points
    assert list(selectors.points_for(user=bob)) == [county]
    assert list(selectors.points_for(user=carol)) == [township]
    listed = selectors.points_for(user=alice, township=township_a).get()
    assert (listed.visit_count, listed.last_visit) == (2, dt.date(2025, 9, 9))
    assert [v.activity for v in selectors.visits_of(point=county)] == ["督促建立党支部", "调研协会党建"]
    assert township.township_id == carol.township_id and county.township_id is None


def test_a_visit_is_refused_outside_the_keepers_points_and_before_the_point(points, carol, alice):
    county, _township = points
    with pytest.raises(ServiceError, match="不由您所在单位管理"):
        services.record_visit(
            by=carol, point=county, data=services.VisitData(visited_on=dt.date(2025, 7, 1), visitors="x", activity="y")
        )
    with pytest.raises(ServiceError, match="不能早于"):
        services.record_visit(
            by=alice, point=county, data=services.VisitData(visited_on=dt.date(2025, 1, 1), visitors="x", activity="y")
        )
    assert county.visits.count() == 2


def test_a_clerk_links_only_his_townships_organizations_and_a_leader_once(carol, org_in_a, org_in_b, points):
    with pytest.raises(ServiceError, match="管理范围"):
        services.create_point(
            by=carol,
            data=services.PointData(
                leader_name="杨镇长", leader_position="", organization=org_in_a, started_on=dt.date(2026, 1, 1)
            ),
        )
    with pytest.raises(ServiceError, match="已联系"):
        services.create_point(
            by=carol,
            data=services.PointData(
                leader_name="杨镇长", leader_position="", organization=org_in_b, started_on=dt.date(2026, 1, 1)
            ),
        )


def test_the_visit_page_records_a_visit_and_another_township_gets_404(points, client, bob, alice):
    county, township = points
    client.force_login(bob)
    assert client.get(township.get_absolute_url()).status_code == 404
    response = client.post(
        county.get_absolute_url(), {"visited_on": "2025-11-02", "visitors": "李县长", "activity": "走访慰问党员"}
    )
    assert response.status_code == 302
    assert county.visits.filter(activity="走访慰问党员", recorded_by=bob).exists()
    assert AuditRecord.objects.filter(action=AuditAction.CREATE, object_type="liaison.visit").count() == 3


def test_demonstration_points_by_year_and_township(alice, bob, carol, org_in_a, org_in_b, township_b):
    for year, org in ((2025, org_in_a), (2026, org_in_a), (2026, org_in_b)):
        services.name_demonstration_point(
            by=alice,
            data=services.DemonstrationData(
                year=year, organization=org, reason="五个好党组织", named_by="县委两新组织党工委"
            ),
        )
    with pytest.raises(ServiceError, match="已是2026年度"):
        services.name_demonstration_point(
            by=alice, data=services.DemonstrationData(year=2026, organization=org_in_b, reason="x", named_by="x")
        )
    with pytest.raises(ServiceError, match="县级管理员"):
        services.name_demonstration_point(
            by=bob, data=services.DemonstrationData(year=2027, organization=org_in_a, reason="x", named_by="x")
        )
    assert [p.organization for p in selectors.demonstrations_for(user=alice, year=2026, township=township_b)] == [
        org_in_b
    ]
    assert [p.year for p in selectors.demonstrations_for(user=bob)] == [2026, 2025]
    assert [p.organization for p in selectors.demonstrations_for(user=carol)] == [org_in_b]


def test_the_joint_meeting_units_follow_the_departments_scope(alice, bob, dave, carol, department_x, org_in_a):
    other = DepartmentFactory(code="SWJ", name="县税务局")
    services.save_joint_unit(
        by=alice, data=services.JointUnitData(department=department_x, duties="团结引导业主支持党建", is_lead=False)
    )
    services.save_joint_unit(by=alice, data=services.JointUnitData(department=other, duties="统计纳税企业党建情况"))
    changed = services.save_joint_unit(
        by=alice,
        data=services.JointUnitData(department=department_x, duties="团结、帮助、教育和引导业主", is_lead=True),
    )
    assert changed.duties == "团结、帮助、教育和引导业主"
    assert AuditRecord.objects.filter(action=AuditAction.UPDATE, object_type="liaison.jointmeetingunit").count() == 1
    assert {u.department for u in selectors.joint_units_for(user=alice)} == {department_x, other}
    assert [u.department for u in selectors.joint_units_for(user=dave)] == [department_x]
    assert [(u.department, u.supervised) for u in selectors.joint_units_for(user=bob)] == [(department_x, 1)]
    assert list(selectors.joint_units_for(user=carol)) == []  # no organization of township B is supervised
    with pytest.raises(ServiceError):
        services.save_joint_unit(by=bob, data=services.JointUnitData(department=other, duties="x"))


def test_the_exports_hold_the_scope_and_are_audited(points, client, bob, alice, org_in_a, org_in_b):
    services.name_demonstration_point(
        by=alice, data=services.DemonstrationData(year=2026, organization=org_in_b, reason="星火示范", named_by="县委")
    )
    client.force_login(bob)
    text = body_text(client.get(reverse("liaison:point_export")))
    assert "李县长" in text and "督促建立党支部" in text and "罗平县蜂产业协会" in text
    assert "杨镇长" not in text
    assert "星火示范" not in body_text(client.get(reverse("liaison:demonstration_export")))
    client.force_login(alice)
    assert "星火示范" in body_text(client.get(reverse("liaison:demonstration_export"), {"year": 2026}))
    exports = AuditRecord.objects.filter(action=AuditAction.EXPORT).order_by("pk")
    assert [(r.object_type, r.changes["rows"]) for r in exports] == [
        ("liaison.point", 3),
        ("liaison.demonstration_point", 0),
        ("liaison.demonstration_point", 1),
    ]


def test_the_forms_find_the_organization_by_searching_not_from_a_list(alice, bob, org_in_a, org_in_b):
    """Both forms take their organization through the register's picker: the page lists no
    organization until searched for, a name typed exactly (without JavaScript) is taken, and an
    organization outside the clerk's scope is refused, by id or by name."""
    client = Client()
    client.force_login(alice)
    page = client.get(reverse("liaison:demonstrations")).content.decode()
    assert 'name="organization_q"' in page and "罗平县蜂产业协会" not in page
    response = client.post(
        reverse("liaison:demonstrations"),
        {"year": 2026, "organization_q": "罗平县蜂产业协会", "reason": "五个好", "named_by": "县委两新组织党工委"},
    )
    assert response.status_code == 302
    assert [p.organization for p in selectors.demonstrations_for(user=alice, year=2026)] == [org_in_a]
    client.force_login(bob)
    assert "罗平县蜂产业协会" not in client.get(reverse("liaison:point_create")).content.decode()
    point = {"leader_name": "王镇长", "leader_position": "镇长", "started_on": "2026-01-05"}
    by_id = client.post(reverse("liaison:point_create"), point | {"organization": org_in_b.pk})
    assert "不在您的管理范围内" in by_id.content.decode()
    by_name = client.post(reverse("liaison:point_create"), point | {"organization_q": org_in_b.name})
    assert f"没有找到名为“{org_in_b.name}”的记录" in by_name.content.decode()
    assert not selectors.points_for(user=alice).exists()
    assert client.post(reverse("liaison:point_create"), point | {"organization": org_in_a.pk}).status_code == 302
    assert [p.organization for p in selectors.points_for(user=alice)] == [org_in_a]
