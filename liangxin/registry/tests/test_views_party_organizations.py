"""Pages of party organizations: list, filters, export, detail with roster, dissolution."""

from __future__ import annotations

import datetime as dt
import io

from django.urls import reverse
from openpyxl import load_workbook

from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.core import crypto
from liangxin.registry.models import PartyOrganization, PartyOrganizationCoverage
from liangxin.testing.factories import MemberFactory, OrganizationFactory, PartyOrganizationFactory
from liangxin.testing.responses import sent_bytes

LIST = reverse("registry:party_organization_list")
EXPORT = reverse("registry:party_organization_export")


def _listed(response) -> list[str]:
    return [p.name for p in response.context["page"].object_list]


def _dissolve_url(party_organization: PartyOrganization) -> str:
    return reverse("registry:party_organization_dissolve", args=[party_organization.pk])


def test_scope_of_the_list(client, alice, bob, carol, dave, sam, branch_a, branch_b):
    expected = {
        alice: [branch_a.name, branch_b.name],
        bob: [branch_a.name],
        carol: [branch_b.name],
        dave: [branch_a.name],  # covers an organization of his department
        sam: [branch_a.name],
    }
    for user, names in expected.items():
        client.force_login(user)
        assert _listed(client.get(LIST)) == names, user


def test_list_shows_counts_and_search_and_filters(client, alice, branch_a, branch_b, member_a, township_a):
    joint = PartyOrganizationFactory.create(
        name="罗雄联合党支部", township=township_a, kind="joint_branch", formation_method="joint"
    )
    joint_dissolved = PartyOrganizationFactory.create(
        name="罗雄临时党支部", township=township_a, kind="temporary_branch", founded_on=dt.date(2021, 1, 1)
    )
    joint_dissolved.dissolved_on = dt.date(2022, 1, 1)
    joint_dissolved.dissolution_reason = "项目结束"
    joint_dissolved.save()
    client.force_login(alice)
    response = client.get(LIST, {"q": "蜂产业"})
    assert _listed(response) == [branch_a.name]
    page = response.context["page"].object_list
    assert (page[0].organization_count, page[0].member_count) == (1, 1)
    assert _listed(client.get(LIST, {"kind": "joint_branch"})) == [joint.name]
    assert _listed(client.get(LIST, {"dissolved": "yes"})) == [joint_dissolved.name]
    assert joint_dissolved.name not in _listed(client.get(LIST, {"dissolved": "no"}))
    assert set(_listed(client.get(LIST, {"township": township_a.pk}))) == {
        branch_a.name,
        joint.name,
        joint_dissolved.name,
    }
    assert '<span class="badge no">2022-01-01</span>' in client.get(LIST, {"dissolved": "yes"}).content.decode()


def test_list_query_count_is_bounded(client, alice, township_a, django_assert_max_num_queries):
    for i in range(30):
        organization = OrganizationFactory.create(township=township_a)
        party_org = PartyOrganizationFactory.create(township=township_a, covers=[organization])
        MemberFactory.create(name=f"党员甲{i}", relation=party_org, employer=organization)
    client.force_login(alice)
    with django_assert_max_num_queries(8):
        response = client.get(LIST)
    assert response.context["count"] == 30
    assert all(p.member_count == 1 for p in response.context["page"].object_list)


def test_xlsx_and_csv_export(client, bob, branch_a, branch_b, member_a):
    client.force_login(bob)
    rows = list(
        load_workbook(io.BytesIO(sent_bytes(client.get(EXPORT))), read_only=True).active.iter_rows(values_only=True)
    )
    assert rows[0][0] == "党组织名称"
    assert [row[0] for row in rows[1:]] == [branch_a.name]
    body = b"".join(client.get(EXPORT, {"format": "csv"}).streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    assert branch_b.name not in body.decode("utf-8-sig")
    assert AuditRecord.objects.filter(action=AuditAction.EXPORT, object_type="registry.partyorganization").count() == 2


def test_detail_shows_kind_covered_organizations_and_masked_roster(client, alice, branch_a, org_in_a, member_a):
    client.force_login(alice)
    response = client.get(branch_a.get_absolute_url())
    html = response.content.decode()
    assert "党支部" in html and "独立建" in html and "罗雄街道" in html and "2020-07-01" in html
    assert org_in_a.name in html and org_in_a.get_absolute_url() in html
    assert member_a.name in html and member_a.id_number_masked in html
    assert crypto.decrypt(member_a.id_number_encrypted) not in html
    assert "撤销党组织" in html  # the county administrator may dissolve


def test_detail_is_404_out_of_scope(client, carol, branch_a, member_a):
    client.force_login(carol)
    assert client.get(branch_a.get_absolute_url()).status_code == 404
    export = reverse("registry:party_organization_member_export", args=[branch_a.pk])
    assert client.get(export).status_code == 404
    assert (
        client.post(_dissolve_url(branch_a), {"dissolved_on": "2026-03-01", "dissolution_reason": "x"}).status_code
        == 404
    )
    assert client.get(_dissolve_url(branch_a)).status_code == 404
    branch_a.refresh_from_db()
    assert branch_a.dissolved_on is None


def test_read_only_roles_neither_see_nor_may_dissolve(client, lily, branch_a):
    client.force_login(lily)
    assert "撤销党组织" not in client.get(branch_a.get_absolute_url()).content.decode()
    response = client.post(_dissolve_url(branch_a), {"dissolved_on": "2026-03-01", "dissolution_reason": "x"})
    assert response.status_code == 403
    branch_a.refresh_from_db()
    assert branch_a.dissolved_on is None


def test_dissolving_keeps_the_record_and_ends_coverage(client, bob, branch_a, org_in_a):
    client.force_login(bob)
    response = client.post(
        _dissolve_url(branch_a), {"dissolved_on": "2026-03-01", "dissolution_reason": "党员全部外出务工"}
    )
    assert response["Location"] == branch_a.get_absolute_url()
    branch_a.refresh_from_db()
    assert branch_a.dissolved_on == dt.date(2026, 3, 1)
    assert branch_a.dissolution_reason == "党员全部外出务工"
    assert PartyOrganizationCoverage.objects.get(party_organization=branch_a).valid_to == dt.date(2026, 3, 1)
    html = client.get(branch_a.get_absolute_url()).content.decode()
    assert "已撤销" in html and "党员全部外出务工" in html
    assert org_in_a.name in html  # under "曾经覆盖"
    assert "撤销党组织" not in html


def test_dissolving_needs_a_reason_and_a_date_after_founding(client, bob, branch_a):
    client.force_login(bob)
    response = client.post(_dissolve_url(branch_a), {"dissolved_on": "2026-03-01", "dissolution_reason": "  "})
    assert "dissolution_reason" in response.context["dissolve_form"].errors
    early = client.post(_dissolve_url(branch_a), {"dissolved_on": "2019-01-01", "dissolution_reason": "建错了"})
    assert "撤销日期不能早于成立日期" in early.context["dissolve_form"].errors["dissolved_on"][0]
    branch_a.refresh_from_db()
    assert branch_a.dissolved_on is None


def test_dissolve_is_post_only(client, bob, branch_a):
    client.force_login(bob)
    assert client.get(_dissolve_url(branch_a)).status_code == 405


def test_roster_export_is_masked_and_audited(client, sam, branch_a, member_a):
    client.force_login(sam)
    response = client.get(reverse("registry:party_organization_member_export", args=[branch_a.pk]), {"format": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert member_a.id_number_masked in text
    assert crypto.decrypt(member_a.id_number_encrypted) not in text
    record = AuditRecord.objects.get(action=AuditAction.EXPORT)
    assert record.changes["filters"] == {"party_organization": branch_a.pk}
