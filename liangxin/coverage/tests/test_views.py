"""The pages: what they show, to whom, and the export."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from html import unescape

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from liangxin.audit.models import AuditRecord
from liangxin.coverage import selectors
from liangxin.security.tests.test_pages_csp import problems_in
from liangxin.testing.factories import MemberFactory, PartyOrganizationFactory, TownshipFactory
from liangxin.testing.responses import sent_bytes

from .conftest import ON, SINCE, _org

DASHBOARD = reverse("coverage:dashboard")


def _get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


def test_county_dashboard_shows_headline_figures_rankings_and_trend(client, county_data, alice, township_a):
    response = _get(client, alice, DASHBOARD, as_of=ON.isoformat())
    html = response.content.decode()
    assert response.status_code == 200
    assert "组织覆盖率" in html and "66.7%" in html  # 4 of 6
    assert "还差 1 个" in html  # ≥100 employees: b1 has none
    assert "乡镇(街道)排名" in html and township_a.name in html
    assert "行业主管部门排名" in html
    charts = [json.loads(unescape(m)) for m in re.findall(r'data-chart="([^"]*)"', html)]
    trend = charts[0]
    assert len(trend["xAxis"]["data"]) == 12 and trend["xAxis"]["data"][-1] == "2026-06"
    assert trend["series"][0]["data"][-1] == 66.7
    ranking = charts[1]
    assert ranking["yAxis"]["data"][-1] == township_a.name  # 75% ranks first (on top)
    assert 'src="/static/vendor/echarts-5.6.0.min.js"' in html
    assert not problems_in(html)


def test_each_figure_drills_down_to_its_organizations(client, county_data, alice):
    html = _get(client, alice, DASHBOARD, as_of=ON.isoformat()).content.decode()
    links = [unescape(u) for u in re.findall(r'href="(/coverage/organizations/\?[^"]+)"', html)]
    complement = next(u for u in links if "indicator=orgs_100_with_party_org" in u and "part=complement" in u)
    listing = client.get(complement).content.decode()
    assert "乙一矿业有限公司" in listing and "甲一建材有限公司" not in listing
    assert "共 1 个" in listing


def test_township_clerk_gets_his_township_only(client, county_data, bob, township_b):
    html = _get(client, bob, DASHBOARD, as_of=ON.isoformat()).content.decode()
    assert "75.0%" in html  # 3 of 4 in township A
    assert township_b.name not in html
    assert "乡镇(街道)排名" not in html  # one township: nothing to rank
    url = reverse("coverage:drill_down")
    listing = client.get(
        url,
        {
            "indicator": "org_coverage",
            "by": "township",
            "key": str(township_b.pk),
            "part": "denominator",
            "as_of": ON.isoformat(),
        },
    )
    assert listing.status_code == 404  # another township's group: out of scope, like an object URL


def test_table_page_shows_every_indicator_by_grouping(client, county_data, alice, department_x):
    response = _get(client, alice, reverse("coverage:table"), by="department", as_of=ON.isoformat())
    html = response.content.decode()
    assert department_x.name in html and "无主管部门" in html
    assert "“五个好”党组织" in html and "80.0%" in html
    partial = client.get(reverse("coverage:table"), {"by": "size"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "规模以上" in partial


def test_drill_down_of_party_organizations(client, county_data, alice):
    response = _get(
        client,
        alice,
        reverse("coverage:drill_down"),
        indicator="party_orgs_five_goods",
        part="numerator",
        as_of=ON.isoformat(),
    )
    html = response.content.decode()
    assert "甲一建材有限公司党支部" in html and "甲联合党支部" not in html


def test_bad_drill_down_parameters_are_404(client, county_data, alice):
    url = reverse("coverage:drill_down")
    client.force_login(alice)
    assert client.get(url, {"indicator": "nope"}).status_code == 404
    assert client.get(url, {"indicator": "org_coverage", "by": "township", "key": "x"}).status_code == 404
    assert client.get(url, {"indicator": "org_coverage", "by": "type", "key": "spaceship"}).status_code == 404


def test_gap_list_and_its_xlsx_export(client, county_data, alice):
    html = _get(client, alice, reverse("coverage:gap_list"), as_of=ON.isoformat()).content.decode()
    assert "乙一矿业有限公司" in html and "甲二商贸有限公司" in html and "甲一建材有限公司" not in html
    assert "独立组建党支部" in html and "无方案" in html
    before = AuditRecord.objects.filter(action="export").count()
    response = client.get(reverse("coverage:gap_export"), {"as_of": ON.isoformat()})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(sent_bytes(response)))
    assert wb.sheetnames == ["空白点台账", "乡镇汇总"]  # the register's workbook under the gap list's title
    rows = list(wb["空白点台账"].iter_rows(values_only=True))
    assert rows[0][0] == "空白点台账" and rows[2][:3] == ("序号", "乡镇(街道)", "组织名称")
    assert {r[2] for r in rows[3:]} == {"乙一矿业有限公司", "甲二商贸有限公司"}
    header = rows[2]
    b1 = dict(zip(header, next(r for r in rows[3:] if r[2] == "乙一矿业有限公司"), strict=True))
    assert (b1["行业主管部门"], b1["规模以上"], b1["从业人员"], b1["建议组建方式"]) == (
        "县工商联",
        "是",
        200,
        "独立组建党支部",
    )
    record = AuditRecord.objects.filter(action="export").latest("pk")
    assert AuditRecord.objects.filter(action="export").count() == before + 1
    assert record.object_type == "coverage.gaps" and record.changes["rows"] == 2


def test_gap_list_for_one_group(client, county_data, alice, township_b):
    html = _get(client, alice, reverse("coverage:gap_list"), by="township", key=str(township_b.pk)).content.decode()
    assert "乙一矿业有限公司" in html and "甲二商贸有限公司" not in html


def test_forecast_is_on_the_dashboard(client, county_data, alice):
    html = _get(client, alice, DASHBOARD, as_of=ON.isoformat()).content.decode()
    assert "覆盖预测" in html and "预计 2026-12-31" in html and "预计 2027-12-31" in html


@pytest.mark.parametrize("who", ["alice", "lily", "bob", "dave"])
def test_dashboard_roles_see_the_pages(client, county_data, request, who):
    client.force_login(request.getfixturevalue(who))
    for name in ("dashboard", "table", "forecast", "gap_list"):
        assert client.get(reverse(f"coverage:{name}")).status_code == 200


@pytest.mark.parametrize("who", ["sam", "sysadm", "secadm", "auditor"])
def test_secretaries_and_administrators_do_not(client, county_data, request, who):
    client.force_login(request.getfixturevalue(who))
    for name in ("dashboard", "table", "forecast", "gap_list", "gap_export"):
        assert client.get(reverse(f"coverage:{name}")).status_code == 403
    assert client.get(reverse("coverage:drill_down"), {"indicator": "org_coverage"}).status_code == 403


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_trend_by_quarter(client, county_data, alice):
    html = _get(client, alice, DASHBOARD, as_of=ON.isoformat(), period="quarter").content.decode()
    trend = json.loads(unescape(re.findall(r'data-chart="([^"]*)"', html)[0]))
    assert trend["xAxis"]["data"][-3:] == ["2025-12", "2026-03", "2026-06"]
    assert "近8个季度" in html


GROUP_PAGES = [
    ("coverage:gap_list", {}),
    ("coverage:gap_export", {}),
    ("coverage:drill_down", {"indicator": "org_coverage", "part": "denominator"}),
    ("coverage:drill_down", {"indicator": "party_orgs_five_goods", "part": "numerator"}),
]


def _groups_outside(who, township_a, township_b, department_x, other_department):
    """(by, key) of groups no organization of the user's scope belongs to, and of one it does."""
    return {
        "bob": ([("township", township_b.pk), ("township", 987654321), ("department", department_x.pk)],
                ("township", township_a.pk)),
        "dave": ([("department", other_department.pk), ("department", "none"), ("township", township_a.pk)],
                 ("department", department_x.pk)),
        "alice": ([("township", 987654321), ("department", 987654321)], ("township", township_b.pk)),
    }[who]  # fmt: skip


@pytest.mark.parametrize("who", ["bob", "dave", "alice"])
@pytest.mark.parametrize(("name", "params"), GROUP_PAGES)
def test_a_group_outside_the_scope_is_404_on_every_group_page(
    client, county_data, request, who, name, params, township_a, township_b, department_x
):
    """A township clerk asking for another township's gap list (or its export, or a drill-down)
    got an empty page and an empty file; like every out-of-scope request it is 404, and so is a
    group that does not exist. A group of the user's own scope still answers."""
    from liangxin.testing.factories import DepartmentFactory

    other_department = DepartmentFactory(code="JYJ", name="县教育局")
    outside, inside = _groups_outside(who, township_a, township_b, department_x, other_department)
    client.force_login(request.getfixturevalue(who))
    exports = AuditRecord.objects.filter(action="export").count()
    for by, key in outside:
        response = client.get(reverse(name), {**params, "by": by, "key": key, "as_of": ON.isoformat()})
        assert response.status_code == 404, (by, key)
    assert AuditRecord.objects.filter(action="export").count() == exports  # no empty export was logged
    by, key = inside
    assert client.get(reverse(name), {**params, "by": by, "key": key, "as_of": ON.isoformat()}).status_code == 200


def test_gap_list_has_the_registers_search_and_filters(client, county_data, alice, township_b):
    url = reverse("coverage:gap_list")
    both = _get(client, alice, url, as_of=ON.isoformat()).content.decode()
    assert 'name="q"' in both and 'name="township"' in both and 'name="plan_status"' in both
    by_name = _get(client, alice, url, as_of=ON.isoformat(), q="乙一").content.decode()
    assert "乙一矿业有限公司" in by_name and "甲二商贸有限公司" not in by_name
    by_initials = _get(client, alice, url, as_of=ON.isoformat(), q="jesm").content.decode()  # 甲二商贸
    assert "甲二商贸有限公司" in by_initials and "乙一矿业有限公司" not in by_initials
    by_township = _get(client, alice, url, as_of=ON.isoformat(), township=township_b.pk).content.decode()
    assert "乙一矿业有限公司" in by_township and "甲二商贸有限公司" not in by_township
    with_plan = _get(client, alice, url, as_of=ON.isoformat(), plan_status="planned").content.decode()
    assert "乙一矿业有限公司" not in with_plan and "甲二商贸有限公司" not in with_plan
    response = client.get(reverse("coverage:gap_export"), {"as_of": ON.isoformat(), "q": "乙一"})
    rows = list(load_workbook(io.BytesIO(sent_bytes(response)))["空白点台账"].iter_rows(values_only=True))
    assert {r[2] for r in rows[3:]} == {"乙一矿业有限公司"}
    record = AuditRecord.objects.filter(action="export").latest("pk")
    assert record.changes["rows"] == 1 and record.changes["filters"]["q"] == "乙一"


def test_a_card_with_no_data_says_so_and_the_dashboard_says_from_when_the_register_holds_data(
    client, county_data, alice
):
    before = _get(client, alice, DASHBOARD, as_of="2019-06-01")
    html = before.content.decode()
    cards = html[html.index('class="cov-cards"') : html.index("</section>", html.index('class="cov-cards"'))]
    assert "无数据" in cards and "已达标" not in cards
    assert all(f.no_data and not f.met for f in before.context["headline"])
    assert "登记册的数据从 2020年1月1日 起" in html and "所选日期早于登记册的数据" in html
    now = _get(client, alice, DASHBOARD, as_of=ON.isoformat()).content.decode()
    cards = now[now.index('class="cov-cards"') : now.index("</section>", now.index('class="cov-cards"'))]
    assert "无数据" not in cards and "66.7%" in cards
    assert "登记册的数据从 2020年1月1日 起" in now and "所选日期早于登记册的数据" not in now


def test_drill_down_sorts_by_its_columns_and_exports_what_it_shows_audited(client, county_data, alice, bob, township_b):
    url = reverse("coverage:drill_down")
    params = {"indicator": "org_coverage", "part": "denominator", "as_of": ON.isoformat()}
    by_name = _get(client, alice, url, **params).context["page"].object_list
    default = [o.name for o in by_name]
    by_employees = [o.name for o in client.get(url, {**params, "sort": "-employees"}).context["page"].object_list]
    assert sorted(default) == sorted(by_employees) and by_employees != default
    staff = [o.employees_on for o in client.get(url, {**params, "sort": "-employees"}).context["page"].object_list]
    assert staff == sorted(staff, reverse=True) and staff[0] == 200  # 乙一矿业
    html = client.get(url, {**params, "sort": "employees"}).content.decode()
    assert "sort=-employees" in html  # the header reverses the current sort
    assert client.get(url, {**params, "sort": "bogus"}).status_code == 404

    before = AuditRecord.objects.filter(action="export").count()
    export = client.get(reverse("coverage:drill_down_export"), {**params, "sort": "-employees"})
    assert export["Content-Type"].startswith("text/csv")
    lines = sent_bytes(export).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("乡镇(街道),组织名称,统一社会信用代码")
    assert [line.split(",")[1] for line in lines[1:]] == by_employees
    record = AuditRecord.objects.filter(action="export").latest("pk")
    assert AuditRecord.objects.filter(action="export").count() == before + 1
    assert record.object_type == "coverage.drill_down" and record.changes["rows"] == len(by_employees)
    # The export keeps to the scope like the page: another township's group is a 404.
    client.force_login(bob)
    outside = {**params, "by": "township", "key": str(township_b.pk)}
    assert client.get(reverse("coverage:drill_down_export"), outside).status_code == 404


def test_exports_audit_the_cleaned_filters_not_the_raw_query(client, county_data, alice):
    client.force_login(alice)
    response = client.get(reverse("coverage:gap_export"), {"as_of": "\x00", "by": "", "key": "", "q": "乙一"})
    assert response.status_code == 200
    record = AuditRecord.objects.filter(action="export").latest("pk")
    assert "\x00" not in json.dumps(record.changes) and record.changes["filters"]["as_of"] != ""
    assert record.changes["filters"]["q"] == "乙一"


# --- A long ranking, a long forecast list -------------------------------------------------------


@pytest.fixture
def seven_townships(county):
    """Seven townships, the i-th (from 1) with i organizations of which one is covered: coverage
    1/1, 1/2, … 1/7, so the ranking's order is known."""
    townships = []
    for i in range(1, 8):
        township = TownshipFactory(parent=county, code=f"530324{800 + i:03d}", name=f"排名{i}镇")
        orgs = [_org(f"排名{i}镇第{n}有限公司", township, employees=10) for n in range(i)]
        PartyOrganizationFactory(name=f"排名{i}镇党支部", township=township, founded_on=SINCE, covers=orgs[:1])
        townships.append(township)
    return townships


def _ranking_rows(html, title):
    """(rank, township, "numerator/denominator" of the first column) of one ranking's table."""
    section = html.split(f"<h2>{title}</h2>", 1)[1].split("</section>", 1)[0]
    cell = r"<td[^>]*><a [^>]*>[^<]*</a> <span[^>]*>\((\d+/\d+)\)"
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td>\s*" + cell, section)
    return [(int(rank), name, figures) for rank, name, figures in rows], section


def test_a_short_ranking_is_shown_whole(client, seven_townships, alice):
    html = _get(client, alice, DASHBOARD, as_of=ON.isoformat()).content.decode()
    rows, section = _ranking_rows(html, "乡镇(街道)排名")
    assert [rank for rank, _name, _f in rows] == [1, 2, 3, 4, 5, 6, 7]
    assert [name for _rank, name, _f in rows] == [f"排名{i}镇" for i in range(1, 8)]
    assert "此处只列前后各" not in section and "/coverage/table/" not in section


def test_a_long_ranking_shows_its_ends_and_links_to_the_whole_table(client, seven_townships, alice, monkeypatch):
    monkeypatch.setattr(selectors, "SHOWN_WHOLE", 4)
    monkeypatch.setattr(selectors, "SHOWN_AT_EACH_END", 2)
    html = _get(client, alice, DASHBOARD, as_of=ON.isoformat()).content.decode()
    rows, section = _ranking_rows(html, "乡镇(街道)排名")
    assert [(rank, name) for rank, name, _f in rows] == [(1, "排名1镇"), (2, "排名2镇"), (6, "排名6镇"), (7, "排名7镇")]
    # The figures are the indicator table's, township by township.
    table = {g.label: g.values["org_coverage"] for g in selectors.indicator_table(user=alice, as_of=ON, by="township")}
    assert [f for _rank, _name, f in rows] == [
        f"{table[name].numerator}/{table[name].denominator}" for _rank, name, _f in rows
    ]
    assert [f for _rank, _name, f in rows] == ["1/1", "1/2", "1/6", "1/7"]
    assert "共 7 个,此处只列前后各 2 个" in section
    link = unescape(re.search(r'href="(/coverage/table/\?[^"]+)"', section).group(1))
    assert link == f"/coverage/table/?by=township&as_of={ON.isoformat()}"
    whole = client.get(link).content.decode()
    assert all(f"排名{i}镇" in whole for i in range(1, 8))
    chart = json.loads(unescape(re.search(r'data-chart="([^"]*)"', section).group(1)))
    assert chart["yAxis"]["data"] == ["排名7镇", "排名6镇", "排名2镇", "排名1镇"]  # the best on top


@pytest.fixture
def three_reaching(township_a, township_b):
    """Three organizations with 2 full members and a probationary one, who becomes a full member
    on 2026-09-01 (A), 2026-11-01 (B), 2027-02-01 (A): all reach 3 by the end of 2027."""
    found = []
    for name, township, admitted in (
        ("甲将达标一公司", township_a, dt.date(2025, 9, 1)),
        ("乙将达标二公司", township_b, dt.date(2025, 11, 1)),
        ("甲将达标三公司", township_a, dt.date(2026, 2, 1)),
    ):
        org = _org(name, township, employees=20, full_members=2)
        MemberFactory(status="probationary", admitted_on=admitted, full_membership_on=None, employer=org)
        found.append(org)
    return found


def _reaching_names(html):
    return re.findall(r'<tr><td><a href="/formation/[^"]*">([^<]+)</a></td>', html)


def test_a_long_forecast_list_shows_the_earliest_and_links_to_the_whole_list(
    client, three_reaching, alice, bob, monkeypatch, settings
):
    html = _get(client, alice, DASHBOARD, as_of=ON.isoformat()).content.decode()
    assert _reaching_names(html) == ["甲将达标一公司", "乙将达标二公司", "甲将达标三公司"]
    assert "/coverage/forecast/" not in html
    monkeypatch.setattr(selectors, "SHOWN_WHOLE", 2)
    monkeypatch.setattr(selectors, "SHOWN_AT_EACH_END", 1)
    html = _get(client, alice, DASHBOARD, as_of=ON.isoformat()).content.decode()
    assert _reaching_names(html) == ["甲将达标一公司", "乙将达标二公司"]
    link = unescape(re.search(r'href="(/coverage/forecast/\?[^"]+)"', html).group(1))
    assert link == f"/coverage/forecast/?as_of={ON.isoformat()}"
    assert "全部 3 个将达到组建条件的组织" in html
    settings.PAGE_SIZE = 2
    page = client.get(link).content.decode()
    assert _reaching_names(page) == ["甲将达标一公司", "乙将达标二公司"] and "共 3 个" in page
    assert "预计 2027-12-31" in page  # the projection too
    assert _reaching_names(client.get(link + "&page=2").content.decode()) == ["甲将达标三公司"]
    # A township clerk's list is his township's.
    assert _reaching_names(_get(client, bob, reverse("coverage:forecast"), as_of=ON.isoformat()).content.decode()) == [
        "甲将达标一公司",
        "甲将达标三公司",
    ]


def test_a_long_table_is_shown_a_page_at_a_time_and_exported_whole(
    client, county_data, alice, bob, township_a, township_b, settings
):
    settings.PAGE_SIZE = 1
    url = reverse("coverage:table")
    first = _get(client, alice, url, by="township", as_of=ON.isoformat()).content.decode()
    second = client.get(url, {"by": "township", "as_of": ON.isoformat(), "page": "2"}).content.decode()
    assert township_a.name in first and township_b.name not in first and "共 2 组" in first
    assert township_b.name in second and township_a.name not in second
    assert 'rel="next"' in first and 'rel="prev"' in second
    before = AuditRecord.objects.filter(action="export").count()
    response = client.get(reverse("coverage:table_export"), {"by": "township", "as_of": ON.isoformat()})
    rows = list(load_workbook(io.BytesIO(sent_bytes(response))).active.iter_rows(values_only=True))
    header = rows[0]
    assert header[:6] == (
        "分组",
        "组织覆盖率·覆盖数",
        "组织覆盖率·总数",
        "组织覆盖率·比例",
        "组织覆盖率·目标",
        "组织覆盖率·差额",
    )
    by_township = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert set(by_township) == {township_a.name, township_b.name}  # every group, not one page
    a = by_township[township_a.name]
    assert (a["组织覆盖率·覆盖数"], a["组织覆盖率·总数"]) == (3, 4)
    record = AuditRecord.objects.filter(action="export").latest("pk")
    assert AuditRecord.objects.filter(action="export").count() == before + 1
    assert record.object_type == "coverage.table" and record.changes["rows"] == 2
    # A township clerk's workbook is his township's.
    client.force_login(bob)
    response = client.get(reverse("coverage:table_export"), {"by": "township", "as_of": ON.isoformat()})
    rows = list(load_workbook(io.BytesIO(sent_bytes(response))).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [township_a.name]
