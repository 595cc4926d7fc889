"""Pages of organizations: list, search, filters, sorting, pages, exports, detail, edits."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.census.tabular.columns import LABELS
from liangxin.core import crypto
from liangxin.registry import services
from liangxin.registry.choices import OperatingStatus
from liangxin.registry.models import Employment, Organization, OrganizationFacts, PartyOrganizationCoverage
from liangxin.testing.factories import (
    DepartmentFactory,
    MemberFactory,
    OrganizationFactory,
    PartyOrganizationFactory,
    valid_uscc,
)
from liangxin.testing.responses import sent_bytes

LIST = reverse("registry:organization_list")
EXPORT = reverse("registry:organization_export")
NAME = LABELS.index("组织名称")


def _url(name: str, org: Organization) -> str:
    return reverse(f"registry:{name}", args=[org.pk])


def _listed(response) -> list[str]:
    """Names on the current page, in page order."""
    return [org.name for org in response.context["page"].object_list]


def _html(response) -> str:
    return response.content.decode()


# --- Scope -----------------------------------------------------------------------------------


def test_county_admin_sees_organizations_of_both_townships(client, alice, org_in_a, org_in_b):
    client.force_login(alice)
    response = client.get(LIST)
    assert response.status_code == 200
    assert sorted(_listed(response)) == sorted([org_in_a.name, org_in_b.name])
    assert response.context["count"] == 2
    html = _html(response)
    assert "共 2 条" in html
    assert org_in_a.name in html and org_in_b.name in html
    assert org_in_a.get_absolute_url() in html


def test_township_clerk_sees_only_his_township_and_only_it_in_the_filter(
    client, bob, org_in_a, org_in_b, township_a, township_b
):
    client.force_login(bob)
    response = client.get(LIST)
    assert _listed(response) == [org_in_a.name]
    assert list(response.context["form"].fields["township"].queryset) == [township_a]
    html = _html(response)
    assert org_in_b.name not in html
    assert township_b.name not in html


def test_township_clerk_cannot_filter_for_another_township(client, bob, org_in_a, org_in_b, township_b):
    client.force_login(bob)
    response = client.get(LIST, {"township": township_b.pk})
    assert org_in_b.name not in _html(response)
    assert response.context["form"].errors["township"]


def test_department_clerk_sees_only_his_departments_organizations(client, dave, org_in_a, org_in_b, township_a):
    other_department = DepartmentFactory.create(name="县民政局")
    OrganizationFactory.create(name="罗雄民政登记学校", township=township_a, department=other_department)
    client.force_login(dave)
    response = client.get(LIST)
    assert _listed(response) == [org_in_a.name]
    assert [d.name for d in response.context["form"].fields["department"].queryset] == ["县工商联"]
    assert "县民政局" not in _html(response)


def test_secretary_sees_only_organizations_his_branch_covers(client, sam, org_in_a, org_in_b, township_a):
    OrganizationFactory.create(name="罗雄未覆盖商贸有限公司", township=township_a)
    client.force_login(sam)
    response = client.get(LIST)
    assert _listed(response) == [org_in_a.name]


def test_administrators_see_no_business_data(client, sysadm, org_in_a, org_in_b):
    client.force_login(sysadm)
    response = client.get(LIST)
    assert response.status_code == 403
    assert org_in_a.name not in _html(response)


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("organization_detail", "get"),
        ("organization_edit", "get"),
        ("organization_edit", "post"),
        ("organization_facts", "get"),
        ("organization_facts", "post"),
        ("organization_merge", "get"),
        ("organization_merge", "post"),
        ("organization_deregister", "get"),
        ("organization_deregister", "post"),
        ("organization_member_export", "get"),
    ],
)
def test_other_township_gets_404_for_every_page_of_an_organization(client, carol, org_in_a, member_a, name, method):
    client.force_login(carol)
    response = getattr(client, method)(_url(name, org_in_a), {"on": "2026-03-01", "reason": "x", "duplicate": 1})
    assert response.status_code == 404
    org_in_a.refresh_from_db()
    assert org_in_a.version == 1
    assert org_in_a.facts.count() == 1
    assert not AuditRecord.objects.filter(actor=carol, object_type__startswith="registry.").exists()


def test_missing_organization_is_404(client, alice):
    client.force_login(alice)
    assert client.get(reverse("registry:organization_detail", args=[999999])).status_code == 404


# --- Search, filters, sorting, pages -----------------------------------------------------------


@pytest.mark.parametrize("q", ["蜂产业", "罗平县蜂产业协会", "fcyxh", "FCYXH", "fengchanye", "lpxfcyxh"])
def test_search_finds_by_name_pinyin_initials_and_full_pinyin(client, alice, org_in_a, org_in_b, q):
    client.force_login(alice)
    response = client.get(LIST, {"q": q})
    assert _listed(response) == [org_in_a.name]


def test_search_by_uscc_prefix(client, alice, org_in_a, township_b):
    target = OrganizationFactory.create(name="板桥恒达建材有限公司", township=township_b, uscc=valid_uscc(123456789))
    client.force_login(alice)
    response = client.get(LIST, {"q": target.uscc[:11]})
    assert _listed(response) == [target.name]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "social"}, ["罗平县蜂产业协会"]),
        ({"category": "economic"}, ["板桥星火煤业有限公司", "板桥停产砖厂"]),
        ({"org_type": "industry_association"}, ["罗平县蜂产业协会"]),
        ({"operating_status": "suspended"}, ["板桥停产砖厂"]),
        ({"has_party_organization": "yes"}, ["罗平县蜂产业协会"]),
        ({"has_party_organization": "no"}, ["板桥星火煤业有限公司", "板桥停产砖厂"]),
    ],
)
def test_each_filter(client, alice, org_in_a, org_in_b, branch_a, township_b, params, expected):
    OrganizationFactory.create(
        name="板桥停产砖厂", township=township_b, facts={"operating_status": OperatingStatus.SUSPENDED}
    )
    client.force_login(alice)
    response = client.get(LIST, params | {"sort": "name"})
    assert sorted(_listed(response)) == sorted(expected)


def test_township_and_department_filters(client, alice, org_in_a, org_in_b, township_a, township_b, department_x):
    client.force_login(alice)
    assert _listed(client.get(LIST, {"township": township_b.pk})) == [org_in_b.name]
    assert _listed(client.get(LIST, {"department": department_x.pk})) == [org_in_a.name]


def test_sorting_by_employees_both_ways(client, alice, org_in_a, org_in_b, township_a):
    OrganizationFactory.create(name="罗雄小卖部", township=township_a, facts={"employees": 3})
    client.force_login(alice)
    ascending = client.get(LIST, {"sort": "employees"})
    assert _listed(ascending) == ["罗雄小卖部", org_in_a.name, org_in_b.name]
    descending = client.get(LIST, {"sort": "-employees"})
    assert _listed(descending) == [org_in_b.name, org_in_a.name, "罗雄小卖部"]
    # The header link of the current ascending sort offers the descending one.
    assert "sort=-employees" in _html(ascending)
    assert "▲" in _html(ascending)


def test_pagination_keeps_the_filters(client, alice, township_a, township_b, settings):
    settings.PAGE_SIZE = 10
    OrganizationFactory.create_batch(25, township=township_a)
    OrganizationFactory.create_batch(3, township=township_b)
    client.force_login(alice)
    first = client.get(LIST, {"township": township_a.pk, "sort": "name"})
    assert first.context["count"] == 25
    assert len(_listed(first)) == 10
    html = _html(first)
    assert f"?township={township_a.pk}&amp;sort=name&amp;page=2" in html
    assert "第 1 / 3 页" in html
    third = client.get(LIST, {"township": township_a.pk, "sort": "name", "page": 3})
    assert len(_listed(third)) == 5
    assert all(o.township_id == township_a.pk for o in third.context["page"].object_list)


def test_htmx_request_gets_only_the_results(client, alice, org_in_a, org_in_b):
    client.force_login(alice)
    response = client.get(LIST, {"q": "fcyxh"}, headers={"HX-Request": "true"})
    html = _html(response)
    assert "<html" not in html
    assert 'id="results"' not in html
    assert org_in_a.name in html and org_in_b.name not in html
    assert 'hx-swap-oob="true"' in html
    assert "HX-Request" in response["Vary"]


def test_full_page_has_the_htmx_filter_form(client, alice, org_in_a):
    client.force_login(alice)
    html = _html(client.get(LIST))
    assert 'hx-target="#results"' in html
    assert 'hx-push-url="true"' in html
    assert 'id="results"' in html
    assert "<script>" not in html  # no inline script: a strict CSP comes later


def test_list_query_count_is_bounded(client, alice, township_a, village_a, department_x, django_assert_max_num_queries):
    organizations = OrganizationFactory.create_batch(
        30, township=township_a, village=village_a, department=department_x
    )
    PartyOrganizationFactory.create(township=township_a, covers=organizations[:10])
    client.force_login(alice)
    with django_assert_max_num_queries(10):
        response = client.get(LIST)
    assert response.context["count"] == 30
    assert _html(response).count('class="badge yes"') == 10


# --- Exports ---------------------------------------------------------------------------------


def _sheet_rows(response) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(sent_bytes(response)), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))


def test_xlsx_export_holds_the_filtered_list_and_is_audited(client, alice, org_in_a, org_in_b, township_b):
    OrganizationFactory.create(name='=HYPERLINK("http://evil.example","点我")', township=township_b)
    client.force_login(alice)
    response = client.get(EXPORT, {"township": township_b.pk, "sort": "name"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _sheet_rows(response)
    header, body = rows[0], rows[1:]
    # The census template's columns, so that the download can be corrected and imported again.
    assert header == LABELS
    names = [row[NAME] for row in body]
    assert len(body) == 2
    assert org_in_b.name in names
    assert org_in_a.name not in names
    assert '\'=HYPERLINK("http://evil.example","点我")' in names
    record = AuditRecord.objects.get(action=AuditAction.EXPORT)
    assert record.actor == alice
    assert record.object_type == "registry.organization"
    assert record.changes["rows"] == 2
    assert record.changes["filters"] == {"township": township_b.pk, "sort": "name"}


def test_export_is_scoped(client, bob, org_in_a, org_in_b):
    client.force_login(bob)
    rows = _sheet_rows(client.get(EXPORT))
    assert [row[NAME] for row in rows[1:]] == [org_in_a.name]


def test_csv_export_is_utf8_with_bom(client, alice, org_in_a, org_in_b):
    client.force_login(alice)
    response = client.get(EXPORT, {"format": "csv", "q": "fcyxh"})
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert tuple(rows[0]) == LABELS
    assert [row[NAME] for row in rows[1:]] == [org_in_a.name]
    assert AuditRecord.objects.get(action=AuditAction.EXPORT).changes["format"] == "csv"


def test_export_over_the_limit_is_refused_with_a_message(client, alice, org_in_a, org_in_b, settings):
    settings.EXPORT_MAX_ROWS = 1
    client.force_login(alice)
    response = client.get(EXPORT, {"has_party_organization": "no", "format": "xlsx"}, follow=True)
    assert response.redirect_chain[-1][0] == f"{LIST}?has_party_organization=no"
    assert "超过单次导出上限" in _html(response)
    # Under the limit, the same request passes.
    response = client.get(EXPORT, {"q": "fcyxh"})
    assert response.status_code == 200
    assert AuditRecord.objects.filter(action=AuditAction.EXPORT).count() == 1


def test_unknown_export_format_is_refused(client, alice, org_in_a):
    client.force_login(alice)
    assert client.get(EXPORT, {"format": "pdf"}).status_code == 400
    assert not AuditRecord.objects.filter(action=AuditAction.EXPORT).exists()


def test_member_export_of_an_organization_is_masked(client, alice, org_in_a, member_a):
    client.force_login(alice)
    rows = _sheet_rows(client.get(_url("organization_member_export", org_in_a)))
    clear = crypto.decrypt(member_a.id_number_encrypted)
    assert rows[1][0] == member_a.name
    assert member_a.id_number_masked in rows[1]
    assert all(clear not in str(cell) for row in rows for cell in row)
    record = AuditRecord.objects.get(action=AuditAction.EXPORT)
    assert record.object_type == "registry.member"
    assert record.changes["filters"] == {"organization": org_in_a.pk}


# --- Detail ----------------------------------------------------------------------------------


def test_detail_shows_facts_party_organization_members_and_roster_warning(client, alice, org_in_a, branch_a, member_a):
    client.force_login(alice)
    response = client.get(org_in_a.get_absolute_url())
    html = _html(response)
    assert org_in_a.uscc in html
    assert "行业协会" in html and "罗雄街道" in html and "九龙社区居民委员会" in html and "县工商联" in html
    assert branch_a.name in html and branch_a.get_absolute_url() in html
    assert "党支部" in html
    assert member_a.name in html and member_a.get_absolute_url() in html
    assert member_a.id_number_masked in html
    assert crypto.decrypt(member_a.id_number_encrypted) not in html
    # Census: 5 full + 1 probationary; roster: member_a alone. Shown, never reconciled.
    assert "花名册人数与普查人数不一致" in html
    facts = org_in_a.facts.get()
    assert (facts.full_members, facts.probationary_members) == (5, 1)


def test_no_roster_warning_when_the_counts_agree(client, alice, org_in_b, member_b):
    services.record_facts(
        by=alice,
        organization=org_in_b,
        facts=services.FactsData(employees=120, full_members=1),
        valid_from=dt.date(2026, 2, 1),
    )
    client.force_login(alice)
    assert "花名册人数与普查人数不一致" not in _html(client.get(org_in_b.get_absolute_url()))


def test_detail_marks_dissolved_party_organizations(client, alice, org_in_a, branch_a):
    services.dissolve_party_organization(
        by=alice, party_organization=branch_a, on=dt.date(2026, 2, 1), reason="党员全部流出"
    )
    client.force_login(alice)
    html = _html(client.get(org_in_a.get_absolute_url()))
    assert "已撤销(2026-02-01)" in html
    assert "未建党组织" in html


def test_detail_shows_facts_history_and_change_history_in_chinese(client, alice, org_in_a, township_a):
    services.record_facts(
        by=alice,
        organization=org_in_a,
        facts=services.FactsData(employees=44, full_members=5, probationary_members=1),
        valid_from=dt.date(2026, 3, 1),
    )
    org_in_a.refresh_from_db()
    data = services.OrganizationData(
        name="罗平县蜂业协会",
        category=org_in_a.category,
        org_type=org_in_a.org_type,
        township=township_a,
        uscc=org_in_a.uscc,
        village=org_in_a.village,
        department=org_in_a.department,
    )
    services.update_organization(by=alice, organization=org_in_a, data=data, expected_version=org_in_a.version)
    client.force_login(alice)
    response = client.get(org_in_a.get_absolute_url())
    html = _html(response)
    assert "2026-03-01" in html and "2026-01-01" in html
    assert html.count("手工录入") >= 2  # both intervals, each with its source
    history = response.context["history"]
    assert history[0].action == "修改"
    assert any(
        line.label == "组织名称" and line.old == "罗平县蜂产业协会" and line.new == "罗平县蜂业协会"
        for line in history[0].lines
    )
    assert any(line.label == "从业人员数" and line.old == "40" and line.new == "44" for line in history[1].lines)
    assert "罗平县蜂产业协会 → 罗平县蜂业协会" in html


def test_action_buttons_follow_the_role(client, alice, bob, lily, dave, org_in_a):
    edit = _url("organization_edit", org_in_a)
    merge = _url("organization_merge", org_in_a)
    for user, can_edit in ((alice, True), (bob, True), (lily, False), (dave, False)):
        client.force_login(user)
        html = _html(client.get(org_in_a.get_absolute_url()))
        assert (edit in html) is can_edit, user
        assert (merge in html) is can_edit, user
        assert (_url("organization_deregister", org_in_a) in html) is can_edit


@pytest.mark.parametrize(
    "name", ["organization_edit", "organization_facts", "organization_merge", "organization_deregister"]
)
def test_read_only_roles_are_refused_actions_on_visible_organizations(client, lily, dave, org_in_a, name):
    for user in (lily, dave):
        client.force_login(user)
        assert client.get(_url(name, org_in_a)).status_code == 403
        assert client.post(_url(name, org_in_a), {"on": "2026-03-01", "reason": "x"}).status_code == 403
    assert not AuditRecord.objects.filter(object_type__startswith="registry.").exists()


def test_merged_duplicate_address_leads_to_the_kept_record(client, alice, org_in_a, township_a):
    duplicate = OrganizationFactory.create(name="罗平蜂产业协会", township=township_a)
    services.merge_organizations(by=alice, keep=org_in_a, duplicate=duplicate)
    client.force_login(alice)
    response = client.get(duplicate.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == org_in_a.get_absolute_url()


# --- Create, edit, facts ---------------------------------------------------------------------


def _form_data(org: Organization, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": org.name,
        "uscc": org.uscc or "",
        "category": org.category,
        "org_type": org.org_type,
        "industry_code": "",
        "township": org.township_id,
        "village": org.village_id or "",
        "department": org.department_id or "",
        "address": "",
        "latitude": "",
        "longitude": "",
        "contact_person": "",
        "contact_phone": "",
        "owner_is_member": "",
        "version": org.version,
    }
    return data | overrides


def test_create_offers_only_the_clerks_township_and_registers(client, bob, township_a, township_b):
    client.force_login(bob)
    url = reverse("registry:organization_create")
    form = client.get(url).context["form"]
    assert list(form.fields["township"].queryset) == [township_a]
    post = {
        "name": "罗雄九龙砖沙协会",
        "uscc": valid_uscc(77, authority="5"),
        "category": "social",
        "org_type": "industry_association",
        "township": township_b.pk,
        "valid_from": "2026-03-01",
        "operating_status": "operating",
        "employees": 12,
        "full_members": 3,
        "probationary_members": 0,
    }
    refused = client.post(url, post)
    assert refused.status_code == 200
    assert "township" in refused.context["form"].errors
    response = client.post(url, post | {"township": township_a.pk})
    organization = Organization.objects.get(name="罗雄九龙砖沙协会")
    assert response["Location"] == organization.get_absolute_url()
    facts = organization.facts.get()
    assert (facts.employees, facts.full_members, facts.valid_from) == (12, 3, dt.date(2026, 3, 1))


def test_edit_saves_through_the_service(client, bob, org_in_a):
    client.force_login(bob)
    response = client.post(_url("organization_edit", org_in_a), _form_data(org_in_a, address="九龙大道1号"))
    assert response.status_code == 302
    org_in_a.refresh_from_db()
    assert org_in_a.address == "九龙大道1号"
    assert org_in_a.version == 2
    assert AuditRecord.objects.get(action=AuditAction.UPDATE, actor=bob).changes["address"] == ["", "九龙大道1号"]


def test_edit_conflict_shows_the_message_and_the_other_persons_values(client, alice, bob, org_in_a, township_a):
    stale = _form_data(org_in_a, address="我填的地址")
    data = services.OrganizationData(
        name=org_in_a.name,
        category=org_in_a.category,
        org_type=org_in_a.org_type,
        township=township_a,
        uscc=org_in_a.uscc,
        village=org_in_a.village,
        department=org_in_a.department,
        address="别人先保存的地址",
    )
    services.update_organization(by=alice, organization=org_in_a, data=data, expected_version=1)
    client.force_login(bob)
    response = client.post(_url("organization_edit", org_in_a), stale)
    assert response.status_code == 200
    html = _html(response)
    # One message, without version numbers, above the other person's changes; no second,
    # contradictory one ("refresh") among the form's errors.
    assert html.count("已被他人修改") == 1 and "您的修改没有保存" in html
    assert "版本" not in html and "刷新" not in html
    assert not response.context["form"].non_field_errors()
    assert "别人先保存的地址" in html and "我填的地址" in html
    assert [(row.label, row.theirs, row.yours) for row in response.context["conflict"]] == [
        ("地址", "别人先保存的地址", "我填的地址")
    ]
    org_in_a.refresh_from_db()
    assert org_in_a.address == "别人先保存的地址"
    # The form now carries the current version: saving again is a deliberate overwrite.
    assert response.context["form"]["version"].value() == "2"


def test_service_error_is_shown_on_its_field(client, alice, org_in_a, org_in_b):
    client.force_login(alice)
    response = client.post(_url("organization_edit", org_in_a), _form_data(org_in_a, uscc=org_in_b.uscc))
    assert response.status_code == 200
    assert "已被另一个组织使用" in response.context["form"].errors["uscc"][0]
    bad = client.post(_url("organization_edit", org_in_a), _form_data(org_in_a, uscc="91530324MA6KXYZ0O1"))
    assert "uscc" in bad.context["form"].errors


def test_recording_new_facts_closes_the_old_interval(client, bob, org_in_a):
    client.force_login(bob)
    url = _url("organization_facts", org_in_a)
    assert client.get(url).context["form"].initial["employees"] == 40
    response = client.post(
        url,
        {
            "valid_from": "2026-04-01",
            "operating_status": "operating",
            "employees": 55,
            "full_members": 6,
            "probationary_members": 0,
        },
    )
    assert response.status_code == 302
    rows = list(org_in_a.facts.order_by("valid_from"))
    assert [(r.employees, r.valid_from, r.valid_to) for r in rows] == [
        (40, dt.date(2026, 1, 1), dt.date(2026, 4, 1)),
        (55, dt.date(2026, 4, 1), None),
    ]
    assert rows[1].recorded_by == bob


def test_facts_before_the_current_interval_are_refused_on_the_date_field(client, bob, org_in_a):
    client.force_login(bob)
    response = client.post(
        _url("organization_facts", org_in_a),
        {
            "valid_from": "2025-01-01",
            "operating_status": "operating",
            "employees": 1,
            "full_members": 0,
            "probationary_members": 0,
        },
    )
    assert response.status_code == 200
    assert "起始日期不能早于" in response.context["form"].errors["valid_from"][0]
    assert org_in_a.facts.count() == 1


# --- Merge and deregister --------------------------------------------------------------------


def test_merge_search_confirm_and_move(client, bob, org_in_a, branch_a, township_a):
    duplicate = OrganizationFactory.create(name="罗平蜂产业协会(重复)", township=township_a, uscc=None)
    other_branch = PartyOrganizationFactory.create(name="罗雄联合党支部", township=township_a, covers=[duplicate])
    worker = MemberFactory.create(name="王五", relation=other_branch, employer=duplicate)
    client.force_login(bob)
    url = _url("organization_merge", org_in_a)

    search = client.get(url, {"q": "fcyxh"})
    assert list(search.context["candidates"]) == [duplicate]

    confirm = client.get(url, {"duplicate": duplicate.pk})
    html = _html(confirm)
    assert org_in_a.name in html and duplicate.name in html and "罗雄联合党支部" in html

    response = client.post(url, {"duplicate": duplicate.pk})
    assert response["Location"] == org_in_a.get_absolute_url()
    duplicate.refresh_from_db()
    assert duplicate.merged_into == org_in_a
    assert Employment.objects.get(member=worker).organization == org_in_a
    assert PartyOrganizationCoverage.objects.filter(organization=org_in_a, party_organization=other_branch).exists()
    assert set(AuditRecord.objects.filter(action=AuditAction.MERGE).values_list("object_id", flat=True)) == {
        str(org_in_a.pk),
        str(duplicate.pk),
    }
    # The merged record leaves the list.
    assert _listed(client.get(LIST)) == [org_in_a.name]


def test_merge_cannot_take_a_duplicate_out_of_scope(client, bob, org_in_a, org_in_b):
    client.force_login(bob)
    url = _url("organization_merge", org_in_a)
    assert client.get(url, {"duplicate": org_in_b.pk}).status_code == 404
    assert client.post(url, {"duplicate": org_in_b.pk}).status_code == 404
    org_in_b.refresh_from_db()
    assert org_in_b.merged_into is None
    assert list(client.get(url, {"q": "板桥"}).context["candidates"]) == []


def test_merge_is_post_only_for_the_change(client, bob, org_in_a, township_a):
    duplicate = OrganizationFactory.create(name="罗平蜂产业协会(重复)", township=township_a)
    client.force_login(bob)
    client.get(_url("organization_merge", org_in_a), {"duplicate": duplicate.pk})
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None


def test_deregister_marks_the_status_and_ends_coverage(client, bob, org_in_a, branch_a):
    client.force_login(bob)
    url = _url("organization_deregister", org_in_a)
    response = client.post(url, {"on": "2026-05-01", "reason": "经营期满解散"})
    assert response.status_code == 302
    current = OrganizationFacts.objects.get(organization=org_in_a, valid_to__isnull=True)
    assert current.operating_status == OperatingStatus.DEREGISTERED
    assert current.valid_from == dt.date(2026, 5, 1)
    coverage = PartyOrganizationCoverage.objects.get(organization=org_in_a)
    assert coverage.valid_to == dt.date(2026, 5, 1)
    record = AuditRecord.objects.get(action=AuditAction.DEREGISTER)
    assert record.changes["reason"] == "经营期满解散"
    html = _html(client.get(org_in_a.get_absolute_url()))
    assert "已注销" in html and "注销" in html
    assert url not in html  # no second deregistration offered
    again = client.post(url, {"on": "2026-06-01", "reason": "重复"})
    assert "已经注销" in _html(again)


def test_deregister_needs_a_reason(client, bob, org_in_a):
    client.force_login(bob)
    response = client.post(_url("organization_deregister", org_in_a), {"on": "2026-05-01", "reason": ""})
    assert "reason" in response.context["form"].errors
    assert org_in_a.facts.count() == 1


def test_edit_keeps_a_since_deactivated_department(client, bob, org_in_a, department_x):
    department_x.is_active = False
    department_x.save()
    client.force_login(bob)
    response = client.post(_url("organization_edit", org_in_a), _form_data(org_in_a, contact_person="李会长"))
    assert response.status_code == 302
    org_in_a.refresh_from_db()
    assert (org_in_a.contact_person, org_in_a.department) == ("李会长", department_x)
    # A new organization cannot be given the deactivated department.
    form = client.get(reverse("registry:organization_create")).context["form"]
    assert department_x not in form.fields["department"].queryset


def test_industry_code_is_picked_from_the_standard_and_a_finer_code_is_accepted(client, bob, org_in_a):
    client.force_login(bob)
    url = _url("organization_edit", org_in_a)
    html = _html(client.get(url))
    box = re.search(r'<input[^>]*name="industry_code"[^>]*>', html)
    assert box is not None and 'list="gbt4754-entries"' in box[0]
    datalist = html[html.index('<datalist id="gbt4754-entries">') : html.index("</datalist>")]
    assert datalist.count("<option") == 117  # 20 sections and 97 divisions
    assert (
        '<option value="C13">农副食品加工业</option>' in datalist
        and '<option value="F">批发和零售业</option>' in datalist
    )
    assert client.post(url, _form_data(org_in_a, industry_code="1311")).status_code == 302
    org_in_a.refresh_from_db()
    assert org_in_a.industry_code == "C1311"
    refused = client.post(url, _form_data(org_in_a, industry_code="F13"))
    assert refused.status_code == 200 and "GB/T 4754" in refused.context["form"].errors["industry_code"][0]
    org_in_a.refresh_from_db()
    assert org_in_a.industry_code == "C1311"


def test_a_township_clerk_finds_his_township_chosen_on_a_new_organization(client, bob, township_a):
    client.force_login(bob)
    html = _html(client.get(reverse("registry:organization_create")))
    township = re.search(r'<select name="township".*?</select>', html, re.S)
    assert township is not None and f'<option value="{township_a.pk}" selected>' in township[0]
