"""The register: which organizations, which recommendation, filters, scope, queries, export."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from liangxin.audit.models import AuditRecord
from liangxin.formation import selectors, services
from liangxin.formation.export import REGISTER_HEADER, REGISTER_TITLE, SUMMARY_TITLE
from liangxin.testing.factories import OrganizationFactory
from liangxin.testing.responses import sent_bytes

from .conftest import ON


@pytest.fixture
def county_register(three_members, no_members, org_in_a, branch_a, org_in_b, township_a):
    """A: three_members (form_branch), no_members (instructor_first), org_in_a (covered: off the
    register), a deregistered one (off), a 停产 one; B: org_in_b (no members)."""
    OrganizationFactory(
        name="已注销的公司", township=township_a, facts={"full_members": 4, "operating_status": "deregistered"}
    )
    idle = OrganizationFactory(
        name="停产的公司", township=township_a, facts={"full_members": 3, "operating_status": "suspended"}
    )
    return {"idle": idle}


def _codes(rows):
    return {r.organization.name: r.recommendation.code for r in rows}


def test_register_lists_organizations_without_a_party_organization(alice, county_register, org_in_b):
    rows = selectors.register_rows(user=alice, on=ON)
    assert _codes(rows) == {
        "罗平县三友建材有限公司": "form_branch",  # >= 3 full members
        "罗平县空白商贸有限公司": "instructor_first",  # no members
        "停产的公司": "form_branch",
        "板桥星火煤业有限公司": "instructor_first",
    }
    idle = next(r for r in rows if r.organization.name == "停产的公司")
    assert [b.code for b in idle.recommendation.blockers] == ["not_operating"]
    assert "停产或歇业" in idle.blockers
    three = next(r for r in rows if r.organization.name == "罗平县三友建材有限公司")
    assert three.recommendation.label == "独立组建党支部"
    assert "3名以上正式党员" in three.recommendation.rule
    assert (three.facts.full_members, three.plan, three.overdue) == (3, None, False)


def test_register_is_scoped(bob, carol, dave, sam, county_register):
    assert set(_codes(selectors.register_rows(user=bob, on=ON))) == {
        "罗平县三友建材有限公司",
        "罗平县空白商贸有限公司",
        "停产的公司",
    }
    assert set(_codes(selectors.register_rows(user=carol, on=ON))) == {"板桥星火煤业有限公司"}
    assert selectors.register_rows(user=dave, on=ON) == []  # department X supervises only the covered org_in_a
    assert selectors.register_rows(user=sam, on=ON) == []


def test_filters(alice, bob, county_register, ready_plan, not_ready_plan, township_b):
    def names(**kw):
        return sorted(_codes(selectors.register_rows(user=alice, on=ON, filters=selectors.RegisterFilter(**kw))))

    assert names(township=township_b.pk) == ["板桥星火煤业有限公司"]
    assert names(recommendation="instructor_first") == ["板桥星火煤业有限公司", "罗平县空白商贸有限公司"]
    assert names(plan_status="none") == ["停产的公司", "板桥星火煤业有限公司"]
    assert names(plan_status="planned") == ["罗平县三友建材有限公司", "罗平县空白商贸有限公司"]
    services.suspend_plan(by=bob, plan=not_ready_plan, reason="等待")
    assert names(plan_status="suspended") == ["罗平县空白商贸有限公司"]


def test_overdue_with_a_fixed_date(alice, bob, county_register, ready_plan, not_ready_plan, monkeypatch):
    # ready_plan is due 2026-09-30; not_ready_plan has no date.
    before = selectors.RegisterFilter(overdue=True)
    assert selectors.register_rows(user=alice, on=dt.date(2026, 9, 30), filters=before) == []
    rows = selectors.register_rows(user=alice, on=dt.date(2026, 10, 1), filters=before)
    assert [r.organization.name for r in rows] == ["罗平县三友建材有限公司"]
    services.suspend_plan(by=bob, plan=ready_plan, reason="等待")
    assert selectors.register_rows(user=alice, on=dt.date(2026, 10, 1), filters=before) == []
    # The page uses the business date.
    services.resume_plan(by=bob, plan=ready_plan)
    monkeypatch.setattr("liangxin.formation.views.today", lambda: dt.date(2026, 10, 1))
    from django.test import Client

    client = Client()
    client.force_login(alice)
    page = client.get(reverse("formation:register_list"), {"overdue": "on"}).content.decode()
    assert "罗平县三友建材有限公司" in page and "逾期 1 个" in page and "板桥星火煤业" not in page
    monkeypatch.setattr("liangxin.formation.views.today", lambda: dt.date(2026, 9, 1))
    page = client.get(reverse("formation:register_list"), {"overdue": "on"}).content.decode()
    assert "罗平县三友建材有限公司" not in page


def test_register_page_query_count_is_bounded(
    client, alice, county_register, township_a, django_assert_max_num_queries
):
    client.force_login(alice)
    url = reverse("formation:register_list")
    client.get(url)
    with django_assert_max_num_queries(25) as small:
        assert client.get(url).status_code == 200
    for i in range(30):
        org = OrganizationFactory(name=f"新增{i}号公司", township=township_a, facts={"full_members": i % 5})
        if i % 3 == 0:
            services.create_plan(
                by=alice,
                organization=org,
                data=services.PlanData(ready=False, responsible_person="王", reason="no_members", countermeasure="x"),
            )
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = client.get(url)
    assert response.status_code == 200 and "新增29号公司" in response.content.decode()
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_register_page_works_out_the_recommendations_of_its_own_rows_only(
    client, alice, county_register, township_a, monkeypatch, settings
):
    """A county's register is a thousand rows and a page shows fifty: the engine runs for the rows
    shown, unless the register is filtered by recommendation (then for every row, to filter)."""
    from liangxin.policy import engine

    for i in range(12):
        OrganizationFactory(name=f"新增{i:02d}号公司", township=township_a, facts={"full_members": i % 3})
    settings.PAGE_SIZE = 5
    asked = []
    recommend = engine.recommend
    monkeypatch.setattr(engine, "recommend", lambda org, *a, **kw: asked.append(org.id) or recommend(org, *a, **kw))
    client.force_login(alice)
    url = reverse("formation:register_list")
    response = client.get(url)
    rows = list(response.context["rows"])
    assert response.context["count"] == 16 and len(rows) == 5
    assert sorted(asked) == sorted(str(r.organization_id) for r in rows)
    assert all(r.recommendation.label in response.content.decode() for r in rows)
    asked.clear()
    response = client.get(url, {"recommendation": "joint"})
    assert len(asked) == 16  # every row on the register, to keep the joint ones
    assert response.context["count"] == 8  # the new ones with one or two full members, partners of each other
    assert {r.recommendation.code for r in response.context["rows"]} == {"joint"}


def test_register_page_htmx_partial_and_pages(client, bob, county_register):
    client.force_login(bob)
    response = client.get(reverse("formation:register_list"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and "共 3 个组织" in body and "独立组建党支部" in body


def test_export_sheets_and_figures(client, alice, bob, county_register, ready_plan, not_ready_plan, monkeypatch):
    monkeypatch.setattr("liangxin.formation.views.today", lambda: dt.date(2026, 10, 1))
    client.force_login(alice)
    response = client.get(reverse("formation:register_export"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(sent_bytes(response)))
    assert wb.sheetnames == [REGISTER_TITLE, SUMMARY_TITLE]
    ws = wb[REGISTER_TITLE]
    assert ws["A1"].value == REGISTER_TITLE and "A1" in str(ws.merged_cells)
    assert ws["A2"].value == "填报单位:全县"
    assert any(c.value == "截至日期:2026年10月01日" for c in ws[2])
    assert [c.value for c in ws[3]] == [h for h, _w in REGISTER_HEADER]
    assert ws.freeze_panes == "A4"
    assert ws.page_setup.orientation == "landscape"
    body = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    assert [r[0] for r in body] == [1, 2, 3, 4]
    three = next(r for r in body if r[2] == "罗平县三友建材有限公司")
    header = [h for h, _w in REGISTER_HEADER]
    record = dict(zip(header, three, strict=True))
    assert record["建议组建方式"] == "独立组建党支部"
    assert record["方案状态"] == "计划" and record["组建方式"] == "独立建" and record["拟建类别"] == "党支部"
    assert record["正式党员"] == 3 and record["责任人"] == "王书记" and record["是否逾期"] == "是"
    blank = dict(zip(header, next(r for r in body if r[2] == "罗平县空白商贸有限公司"), strict=True))
    assert blank["未能组建原因"] == "暂无党员" and blank["对策措施"].startswith("选派") and blank["是否逾期"] == "否"

    summary = wb[SUMMARY_TITLE]
    head = [c.value for c in summary[3]]
    lines = {row[0]: dict(zip(head, row, strict=True)) for row in summary.iter_rows(min_row=4, values_only=True)}
    assert set(lines) == {"罗雄街道", "板桥镇", "合计"}
    a = lines["罗雄街道"]
    assert (a["未建党组织数"], a["独立组建党支部"], a["选派党建工作指导员、先建群团组织、推荐党员就业"]) == (3, 2, 1)
    assert (a["无方案"], a["计划"], a["筹建中"], a["暂缓"], a["逾期"]) == (1, 2, 0, 0, 1)
    assert lines["板桥镇"]["未建党组织数"] == 1 and lines["板桥镇"]["无方案"] == 1
    total = lines["合计"]
    assert (total["未建党组织数"], total["独立组建党支部"], total["无方案"], total["逾期"]) == (4, 2, 2, 1)
    assert AuditRecord.objects.filter(action="export", object_type="formation.register").get().changes["rows"] == 4


def test_export_is_scoped(client, carol, county_register):
    client.force_login(carol)
    wb = load_workbook(io.BytesIO(sent_bytes(client.get(reverse("formation:register_export")))))
    names = [row[2] for row in wb[REGISTER_TITLE].iter_rows(min_row=4, values_only=True)]
    assert names == ["板桥星火煤业有限公司"]
    assert wb[REGISTER_TITLE]["A2"].value == "填报单位:板桥镇"


def test_export_neutralizes_formulas(client, alice, township_a):
    OrganizationFactory(name="=HYPERLINK(1)", township=township_a, facts={"full_members": 1})
    client.force_login(alice)
    wb = load_workbook(io.BytesIO(sent_bytes(client.get(reverse("formation:register_export")))))
    names = [row[2] for row in wb[REGISTER_TITLE].iter_rows(min_row=4, values_only=True)]
    assert names == ["'=HYPERLINK(1)"]


def test_empty_export_still_has_both_sheets(client, dave, county_register):
    client.force_login(dave)
    wb = load_workbook(io.BytesIO(sent_bytes(client.get(reverse("formation:register_export")))))
    assert list(wb[REGISTER_TITLE].iter_rows(min_row=4, values_only=True)) == []
    totals = list(wb[SUMMARY_TITLE].iter_rows(min_row=4, values_only=True))
    assert len(totals) == 1 and totals[0][0] == "合计" and set(totals[0][1:]) == {0}
    assert wb[REGISTER_TITLE]["A2"].value == "填报单位:县工商联"


def _export_queries(client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("formation:register_export"))
        rows = sum(1 for r in load_workbook(io.BytesIO(sent_bytes(response)))[REGISTER_TITLE].iter_rows(min_row=4))
    return len(queries.captured_queries), rows, response


def test_the_export_streams_and_its_queries_do_not_grow_with_its_rows(
    client, alice, county_register, township_a, township_b, django_assert_max_num_queries
):
    """The formation register export for 20 and for 80 more organizations (with plans, in the
    same townships): the same number of queries, and a response sent from a file in chunks.
    (Its time at 100,000 rows is measured by bench/export_bench.py, not here.)"""
    client.force_login(alice)

    def add(n, start):
        for i in range(start, start + n):
            org = OrganizationFactory(
                name=f"新增{i}号公司", township=(township_a, township_b)[i % 2], facts={"full_members": i % 5}
            )
            if i % 3 == 0:
                services.create_plan(
                    by=alice,
                    organization=org,
                    data=services.PlanData(
                        ready=False, responsible_person="王", reason="no_members", countermeasure="x"
                    ),
                )

    add(20, 0)
    client.get(reverse("formation:register_export"))  # warm: the first read refreshes derived state
    small, small_rows, response = _export_queries(client, django_assert_max_num_queries)
    assert response.streaming and not hasattr(response, "content")
    add(80, 20)
    large, large_rows, _response = _export_queries(client, django_assert_max_num_queries)
    assert large_rows >= small_rows + 80
    assert large == small, (small, large)


def test_batches_of_townships_give_the_whole_scopes_register(
    alice, county_register, monkeypatch, township_a, township_b
):
    """The export reads the register a batch of townships at a time; partners are looked for in the
    organization's own township, so a batch's recommendations are the whole scope's."""
    from liangxin.geo.models import AdministrativeUnit, UnitLevel

    for i in range(3):
        township = AdministrativeUnit.objects.create(
            code=f"530324{900 + i}", name=f"第{i}镇", level=UnitLevel.TOWNSHIP, parent=township_a.parent,
            path=f"{township_a.parent.path}/530324{900 + i}",
        )  # fmt: skip
        for j in range(4):
            OrganizationFactory(name=f"第{i}镇{j}号公司", township=township, facts={"full_members": j % 3})
    whole = [(r.organization.pk, r.recommendation) for r in selectors.register_rows(user=alice, on=ON)]
    monkeypatch.setattr(selectors, "REGISTER_BATCH", 3)
    batched = [(r.organization.pk, r.recommendation) for r in selectors.iter_register_rows(user=alice, on=ON)]
    assert len(selectors._township_batches(selectors.organizations_for(user=alice))) >= 4
    assert batched == whole and len(whole) > 12


def test_register_list_searches_by_name_pinyin_initials_and_code(client, alice, county_register, three_members):
    client.force_login(alice)
    url = reverse("formation:register_list")
    assert 'name="q"' in client.get(url).content.decode()
    for q in ("三友", "lpxsy", "sanyou"):
        rows = client.get(url, {"q": q}).context["rows"]
        assert [r.organization.name for r in rows] == ["罗平县三友建材有限公司"], q
        assert rows[0].recommendation.code == "form_branch"  # recommended as without the search
    if three_members.uscc:
        rows = client.get(url, {"q": three_members.uscc}).context["rows"]
        assert [r.organization.pk for r in rows] == [three_members.pk]
    assert list(client.get(url, {"q": "不存在的名字"}).context["rows"]) == []
