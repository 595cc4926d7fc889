"""Pages of members: list, filters, export with masked ID numbers, detail, audited reveal."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.core import crypto
from liangxin.registry.models import Member
from liangxin.testing.factories import MemberFactory, OrganizationFactory, PartyOrganizationFactory
from liangxin.testing.responses import sent_bytes

LIST = reverse("registry:member_list")
EXPORT = reverse("registry:member_export")


def _clear(member: Member) -> str:
    return crypto.decrypt(member.id_number_encrypted)


def _reveal_url(member: Member) -> str:
    return reverse("registry:member_reveal_id_number", args=[member.pk])


def _listed(response) -> list[str]:
    return [m.name for m in response.context["page"].object_list]


def test_county_admin_sees_all_members_masked(client, alice, member_a, member_b):
    client.force_login(alice)
    response = client.get(LIST)
    assert _listed(response) == ["张三", "李四"]
    html = response.content.decode()
    assert member_a.id_number_masked in html and member_b.id_number_masked in html
    assert _clear(member_a) not in html and _clear(member_b) not in html
    assert "罗平县蜂产业协会党支部" in html  # today's party organization, annotated


def test_township_clerk_and_secretary_see_only_their_members(client, bob, sam, member_a, member_b):
    for user in (bob, sam):
        client.force_login(user)
        assert _listed(client.get(LIST)) == ["张三"]


def test_department_clerk_sees_members_working_in_his_departments_organizations(client, dave, member_a, member_b):
    client.force_login(dave)
    assert _listed(client.get(LIST)) == ["张三"]


def test_member_filters(client, alice, member_a, member_b, branch_a, township_a, township_b):
    MemberFactory.create(name="赵六", relation=branch_a, status="probationary", full_membership_on=None, is_mobile=True)
    client.force_login(alice)
    assert _listed(client.get(LIST, {"q": "张"})) == ["张三"]
    assert _listed(client.get(LIST, {"status": "probationary"})) == ["赵六"]
    assert _listed(client.get(LIST, {"status": "full"})) == ["张三", "李四"]
    assert _listed(client.get(LIST, {"township": township_a.pk})) == ["张三", "赵六"]
    assert _listed(client.get(LIST, {"township": township_b.pk})) == ["李四"]
    assert _listed(client.get(LIST, {"is_mobile": "yes"})) == ["赵六"]
    assert _listed(client.get(LIST, {"is_mobile": "no"})) == ["张三", "李四"]


def test_township_filter_also_matches_the_employer(client, alice, branch_b, org_in_a, township_a):
    # Relation held in township B, working in township A (dual activity): found from A too.
    MemberFactory.create(name="钱七", relation=branch_b, employer=org_in_a)
    client.force_login(alice)
    assert _listed(client.get(LIST, {"township": township_a.pk})) == ["钱七"]


def test_member_list_query_count_is_bounded(client, alice, branch_a, org_in_a, django_assert_max_num_queries):
    MemberFactory.create_batch(30, relation=branch_a, employer=org_in_a)
    client.force_login(alice)
    with django_assert_max_num_queries(8):
        response = client.get(LIST)
    assert response.context["count"] == 30
    assert response.content.decode().count("罗平县蜂产业协会党支部") == 30


def test_secretary_list_query_count_is_bounded(client, sam, branch_a, org_in_a, django_assert_max_num_queries):
    MemberFactory.create_batch(30, relation=branch_a, employer=org_in_a)
    client.force_login(sam)
    with django_assert_max_num_queries(8):
        response = client.get(LIST)
    assert response.context["count"] == 30


def test_xlsx_export_has_only_masked_numbers(client, alice, member_a, member_b):
    client.force_login(alice)
    response = client.get(EXPORT, {"q": "张"})
    rows = list(load_workbook(io.BytesIO(sent_bytes(response)), read_only=True).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("姓名", "公民身份号码")
    assert [row[:2] for row in rows[1:]] == [("张三", member_a.id_number_masked)]
    cells = " ".join(str(cell) for row in rows for cell in row)
    assert _clear(member_a) not in cells
    record = AuditRecord.objects.get(action=AuditAction.EXPORT)
    assert record.object_type == "registry.member"
    assert record.changes == {"filters": {"q": "张"}, "rows": 1, "format": "xlsx"}


def test_csv_export_has_bom_and_only_masked_numbers(client, bob, member_a, member_b):
    client.force_login(bob)
    response = client.get(EXPORT, {"format": "csv"})
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert [row[:2] for row in rows[1:]] == [["张三", member_a.id_number_masked]]
    assert _clear(member_a) not in text and "李四" not in text


def test_member_detail_shows_masked_number_and_dated_history(client, alice, member_a, org_in_b):
    from liangxin.registry import services

    services.change_employment(by=alice, member=member_a, organization=org_in_b, position="会计")
    client.force_login(alice)
    response = client.get(member_a.get_absolute_url())
    html = response.content.decode()
    assert member_a.id_number_masked in html
    assert _clear(member_a) not in html
    assert "罗平县蜂产业协会党支部" in html and "2020-07-01" in html
    # Employment history: the old employer with its end date, the new one open.
    assert [e.organization.name for e in response.context["employments"]] == [
        "板桥星火煤业有限公司",
        "罗平县蜂产业协会",
    ]
    assert "会计" in html and "至今" in html


def test_other_township_gets_404_for_member_pages(client, carol, member_a):
    client.force_login(carol)
    assert client.get(member_a.get_absolute_url()).status_code == 404
    # A township clerk may not reveal ID numbers at all: 403 for any member, existing or not,
    # decided before the member is looked up, so it confirms nothing.
    assert client.post(_reveal_url(member_a)).status_code == 403
    assert client.get(_reveal_url(member_a)).status_code == 403
    assert client.post(reverse("registry:member_reveal_id_number", args=[987654321])).status_code == 403
    # Nobody may send to a member's page: 403 before the lookup, whichever member.
    assert client.post(member_a.get_absolute_url()).status_code == 403
    assert client.post(reverse("registry:member_detail", args=[987654321])).status_code == 403
    assert not AuditRecord.objects.filter(action=AuditAction.VIEW_ID_NUMBER).exists()


def test_reveal_button_only_for_roles_that_may(client, alice, bob, lily, dave, sam, member_a):
    for user, shown in ((alice, True), (sam, True), (bob, False), (lily, False), (dave, False)):
        client.force_login(user)
        html = client.get(member_a.get_absolute_url()).content.decode()
        assert ("显示完整身份证号" in html) is shown, user
        assert (_reveal_url(member_a) in html) is shown, user


def test_reveal_returns_the_number_in_a_fragment_and_is_audited(client, alice, member_a):
    client.force_login(alice)
    response = client.post(_reveal_url(member_a), headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert _clear(member_a) in html
    assert "<html" not in html
    assert "no-store" in response["Cache-Control"]
    record = AuditRecord.objects.get(action=AuditAction.VIEW_ID_NUMBER)
    assert record.actor == alice
    assert record.object_type == "registry.member"
    assert record.object_id == str(member_a.pk)
    # No audit row anywhere holds the clear number.
    for row in AuditRecord.objects.all():
        assert _clear(member_a) not in json.dumps(row.changes, ensure_ascii=False)
        assert _clear(member_a) not in row.object_repr


def test_reveal_without_javascript_shows_the_page_with_the_number(client, alice, member_a):
    client.force_login(alice)
    response = client.post(_reveal_url(member_a))
    html = response.content.decode()
    assert "<html" in html and _clear(member_a) in html
    assert AuditRecord.objects.filter(action=AuditAction.VIEW_ID_NUMBER).count() == 1


def test_secretary_reveals_only_members_of_his_own_branch(client, sam, member_a, branch_a, org_in_a, township_a):
    client.force_login(sam)
    assert _clear(member_a) in client.post(_reveal_url(member_a), headers={"HX-Request": "true"}).content.decode()
    # A member working in the covered organization but whose relation is held elsewhere is not
    # in the secretary's scope at all.
    elsewhere = PartyOrganizationFactory.create(name="罗雄社区党委", township=township_a)
    other = MemberFactory.create(name="孙八", relation=elsewhere, employer=org_in_a)
    assert client.post(_reveal_url(other)).status_code == 404


@pytest.mark.parametrize("who", ["bob", "lily", "dave"])
def test_roles_without_the_permission_are_refused(client, request, who, member_a):
    client.force_login(request.getfixturevalue(who))
    response = client.post(_reveal_url(member_a), headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert _clear(member_a) not in response.content.decode()
    assert not AuditRecord.objects.filter(action=AuditAction.VIEW_ID_NUMBER).exists()


def test_reveal_is_post_only(client, alice, member_a):
    client.force_login(alice)
    assert client.get(_reveal_url(member_a)).status_code == 405
    assert not AuditRecord.objects.filter(action=AuditAction.VIEW_ID_NUMBER).exists()


def test_organization_detail_members_are_masked_for_every_role(client, alice, sam, org_in_a, member_a):
    OrganizationFactory.create(name="无关组织", township=org_in_a.township)
    for user in (alice, sam):
        client.force_login(user)
        html = client.get(org_in_a.get_absolute_url()).content.decode()
        assert member_a.id_number_masked in html
        assert _clear(member_a) not in html
