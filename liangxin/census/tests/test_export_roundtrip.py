"""Export → import is a no-op: the register written in the template columns reads back unchanged.

Covered: the command's CSV and XLSX, the register's list export from the browser (with scope), formula-
like values (neutralised on the way out, restored on the way in) and a hypothesis property over random
organizations created through the register's own service.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from liangxin.census import services, template
from liangxin.census.tabular.columns import LABELS
from liangxin.census.tabular.vocab import OPERATING_STATUS, ORGANIZATION_TYPE, OWNER_ATTITUDE
from liangxin.core.chinese import traditional_characters
from liangxin.core.dates import today
from liangxin.geo.models import AdministrativeUnit, Department
from liangxin.registry import services as registry_services
from liangxin.registry.models import Organization
from liangxin.testing.factories import InstructorAssignmentFactory, PartyOrganizationFactory, valid_uscc
from liangxin.testing.responses import sent_bytes

from .conftest import fixture_bytes

AS_OF = dt.date(2026, 11, 30)
NO_CHANGE = {"new": 0, "changed": 0, "unchanged": 4, "rejected": 0}
EXPORT = reverse("registry:organization_export")


@pytest.fixture
def media(settings, tmp_path):
    """Import batches keep the original file; keep them out of the project's var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _reimport(user, unit, data: bytes, name: str, as_of: dt.date = AS_OF):
    return services.import_file(by=user, unit=unit, data=data, file_name=name, as_of=as_of, dry_run=True)


def _canonical(alice, census_county) -> None:
    outcome = services.import_file(
        by=alice,
        unit=census_county["county"],
        data=fixture_bytes("canonical.xlsx"),
        file_name="canonical.xlsx",
        as_of=AS_OF,
    )
    assert outcome.counts()["new"] == 4


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_the_exported_register_reimports_as_no_change(alice, census_county, media, tmp_path, suffix):
    _canonical(alice, census_county)
    out = tmp_path / f"register.{suffix}"
    call_command("export_organizations", str(out), stdout=io.StringIO())
    outcome = _reimport(alice, census_county["county"], out.read_bytes(), out.name, as_of=AS_OF + dt.timedelta(days=1))
    assert outcome.counts() == NO_CHANGE
    assert outcome.error_count == 0
    # 小王餐馆 has no code, as imported: a row the register holds as it is repeats no warning about it.
    assert outcome.problems == []


def test_the_csv_export_is_utf8_with_bom_and_the_template_columns(alice, census_county, media, tmp_path):
    _canonical(alice, census_county)
    out = tmp_path / "register.csv"
    call_command("export_organizations", str(out), stdout=io.StringIO())
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == LABELS
    bee = next(dict(zip(LABELS, row, strict=True)) for row in rows[1:] if row[0] == "91530324MA6K3BQ103")
    assert bee["组织类别"] == "新经济组织" and bee["组织类型"] == "有限责任公司"
    assert (
        bee["所属乡镇"] == "罗雄街道"
        and bee["所属村(社区)"] == "九龙社区居民委员会"
        and bee["行业主管部门"] == "县工商联"
    )
    assert bee["是否规模以上"] == "是" and bee["有无妇联组织"] == "否" and bee["备注"] == ""
    assert (bee["从业人员数"], bee["正式党员数"], bee["预备党员数"], bee["工资总额(万元)"]) == (
        "120",
        "5",
        "1",
        "350.50",
    )
    assert bee["是否已建党组织"] == "是" and bee["党组织名称"] == "罗平县蜂业有限公司党支部"
    assert bee["党建指导员"] == "李四" and bee["业主对组建党组织态度"] == "支持"


def test_a_township_export_holds_only_its_organizations(alice, census_county, media, tmp_path):
    _canonical(alice, census_county)
    out = tmp_path / "luoxiong.xlsx"
    call_command("export_organizations", str(out), "--unit", "530324001", stdout=io.StringIO())
    rows = list(load_workbook(out, read_only=True).active.iter_rows(values_only=True))
    assert rows[0] == LABELS
    assert [row[1] for row in rows[1:]] == ["罗平县蜂业有限公司"]
    assert rows[1][LABELS.index("工资总额(万元)")] == 350.5  # a number, not text


def test_the_export_command_refuses_other_files_and_units(census_county, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("export_organizations", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError):
        call_command("export_organizations", str(tmp_path / "x.csv"), "--unit", "530324001001")  # a village


def test_the_template_rows_cost_a_fixed_number_of_queries(alice, census_county, media, django_assert_num_queries):
    _canonical(alice, census_county)
    organizations = template.organizations_of_unit(None)
    # One for the organizations, and per chunk one each for facts, coverage and instructors.
    with django_assert_num_queries(4):
        rows = list(template.template_rows(organizations))
    assert len(rows) == 4
    with django_assert_num_queries(1 + 3 * 4):
        assert len(list(template.template_rows(organizations, chunk_size=1))) == 4


# --- From the browser ----------------------------------------------------------------------------


def _download(client, **params: str) -> tuple[bytes, str]:
    response = client.get(EXPORT, params)
    assert response.status_code == 200
    if params.get("format") == "csv":
        return b"".join(response.streaming_content), "两新组织.csv"
    return sent_bytes(response), "两新组织.xlsx"


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_register_list_download_has_the_template_header_and_reimports_as_no_change(
    client, alice, census_county, media, file_format
):
    _canonical(alice, census_county)
    client.force_login(alice)
    data, name = _download(client, format=file_format)
    if file_format == "csv":
        header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    else:
        header = next(load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))
    assert tuple(header) == LABELS
    assert _reimport(alice, census_county["county"], data, name).counts() == NO_CHANGE


def test_a_clerk_downloads_his_township_and_imports_it_back_unchanged(client, alice, bob, census_county, media):
    _canonical(alice, census_county)
    client.force_login(bob)
    data, name = _download(client, format="xlsx")
    outcome = _reimport(bob, census_county["luoxiong"], data, name)
    assert outcome.counts() == {"new": 0, "changed": 0, "unchanged": 1, "rejected": 0}
    assert outcome.error_count == 0


def test_a_filtered_download_reimports_as_no_change(client, alice, census_county, media):
    _canonical(alice, census_county)
    client.force_login(alice)
    data, name = _download(client, format="csv", township=str(census_county["banqiao"].pk), sort="-employees")
    assert _reimport(alice, census_county["county"], data, name).counts() == {
        "new": 0,
        "changed": 0,
        "unchanged": 2,
        "rejected": 0,
    }


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_formula_like_values_are_neutralised_and_read_back_as_they_were(
    client, alice, census_county, media, file_format
):
    evil = '=HYPERLINK("http://evil.example","点我")'
    registry_services.create_organization(
        by=alice,
        data=registry_services.OrganizationData(
            name=evil,
            category="economic",
            org_type="private_enterprise",
            township=census_county["banqiao"],
            uscc=valid_uscc(7),
            address="@板桥镇",
            contact_phone="+86 13800000000",
            contact_person="-",
        ),
        facts=registry_services.FactsData(employees=3),
    )
    client.force_login(alice)
    data, name = _download(client, format=file_format)
    if file_format == "csv":
        row = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1]
    else:
        workbook = load_workbook(io.BytesIO(data))
        cell = workbook.active["B2"]
        assert cell.data_type == "s"  # text, not a formula
        row = [c.value for c in workbook.active[2]]
    assert row[1] == "'" + evil
    assert row[LABELS.index("地址")] == "'@板桥镇"
    assert row[LABELS.index("联系电话")] == "'+86 13800000000"
    assert row[LABELS.index("联系人")] == "'-"
    outcome = _reimport(alice, census_county["county"], data, name, as_of=today())
    assert outcome.counts() == {"new": 0, "changed": 0, "unchanged": 1, "rejected": 0}


# --- Property: random organizations of the register export and re-import unchanged --------------

# Simplified characters, NFKC-stable, that cannot spell 合计, 填表人, 组织名称 and the like.
HANZI = (
    "罗平县鑫源建材有限公司蜂业协会商贸物流农机合作社酒店餐饮科技兴隆板桥马街东胜九龙大道号路"
    "金鸡花海油菜生态旅游民宿茶叶"
)
PREFIXES = ("罗平县", "罗平", "板桥镇", "马街镇", "罗雄街道", "九龙")
SUFFIXES = ("有限公司", "有限责任公司", "专业合作社", "商贸部", "协会", "餐馆", "(普通合伙)", "律师事务所", "")
assert traditional_characters().isdisjoint(HANZI + "".join(PREFIXES) + "".join(SUFFIXES))
assert all(unicodedata.normalize("NFKC", t) == t for t in (HANZI, *PREFIXES, *SUFFIXES))

names = st.builds(
    lambda prefix, middle, latin, suffix: prefix + middle + latin + suffix,
    st.sampled_from(PREFIXES),
    st.text(HANZI, min_size=1, max_size=12),
    st.sampled_from(["", "ABC", "Tech", "A B", "(云南)", "123"]),
    st.sampled_from(SUFFIXES),
)
texts = st.text(HANZI + "0123456789号-", min_size=1, max_size=30).map(str.strip).filter(bool)
phones = st.one_of(
    st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    st.from_regex(r"0874-[0-9]{7}", fullmatch=True),
    st.just("+86 13900000000"),
)
counts = st.integers(min_value=0, max_value=1_000_000)
amounts = st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2, allow_nan=False, allow_infinity=False)


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


@st.composite
def organizations(draw: st.DrawFn) -> dict[str, Any]:
    org_type = draw(st.sampled_from(list(ORGANIZATION_TYPE)))
    # The census requires a code from every organization but an individual business; the register
    # holds what the census accepted.
    has_uscc = org_type != "individual_business" or draw(st.booleans())
    return {
        "name": draw(names),
        "category": draw(st.sampled_from(["economic", "social"])),
        "org_type": org_type,
        "has_uscc": has_uscc,
        "authority": draw(st.sampled_from(["9", "5"])),
        "township": draw(st.sampled_from(["luoxiong", "banqiao", "majie"])),
        "village": draw(st.booleans()),
        "department": draw(optional(st.sampled_from(["GSL", "SCJG", "MZJ"]))),
        "industry_code": draw(st.sampled_from(["", "C", "C13", "C1311", "F51", "A05", "H62", "S95"])),
        "above_designated_size": draw(st.booleans()),
        "address": draw(st.sampled_from([""]) | texts),
        "contact_person": draw(st.sampled_from(["", "张三", "李四", "王小二", "欧阳明"])),
        "contact_phone": draw(st.just("") | phones),
        "owner_is_member": draw(optional(st.booleans())),
        "facts": registry_services.FactsData(
            employees=draw(counts),
            full_members=draw(counts),
            probationary_members=draw(counts),
            operating_status=draw(st.sampled_from(list(OPERATING_STATUS))),
            owner_attitude=draw(st.sampled_from(["", *OWNER_ATTITUDE])),
            secretary_candidate_available=draw(optional(st.booleans())),
            payroll=draw(optional(amounts)),
            has_union=draw(optional(st.booleans())),
            has_youth_league=draw(optional(st.booleans())),
            has_womens_federation=draw(optional(st.booleans())),
        ),
        # A party organization covering it ("A" on two rows of one township: a joint branch).
        "party_organization": draw(optional(st.sampled_from(["A", "B", "C"]))),
        "instructor": draw(optional(st.sampled_from(["赵指导", "钱指导"]))),
    }


def _create(alice, census_county, specs: list[dict[str, Any]]) -> None:
    townships = ("luoxiong", "banqiao", "majie")
    villages = {
        t: AdministrativeUnit.objects.filter(parent=census_county[t]).order_by("code").first() for t in townships
    }
    departments = {d.code: d for d in Department.objects.all()}
    party_organizations: dict[tuple[str, str], list[Organization]] = {}
    for seq, spec in enumerate(specs, start=1):
        township = census_county[spec["township"]]
        organization = registry_services.create_organization(
            by=alice,
            data=registry_services.OrganizationData(
                name=spec["name"],
                category=spec["category"],
                org_type=spec["org_type"],
                township=township,
                uscc=valid_uscc(seq, authority=spec["authority"]) if spec["has_uscc"] else None,
                village=villages[spec["township"]] if spec["village"] else None,
                department=departments[spec["department"]] if spec["department"] else None,
                industry_code=spec["industry_code"],
                above_designated_size=spec["above_designated_size"],
                address=spec["address"],
                contact_person=spec["contact_person"],
                contact_phone=spec["contact_phone"],
                owner_is_member=spec["owner_is_member"],
            ),
            facts=spec["facts"],
            as_of=AS_OF,
        )
        if spec["party_organization"]:
            party_organizations.setdefault((spec["township"], spec["party_organization"]), []).append(organization)
        if spec["instructor"]:
            InstructorAssignmentFactory(organization=organization, instructor_name=spec["instructor"], valid_from=AS_OF)
    for (township, label), covered in party_organizations.items():
        township_unit = census_county[township]
        kind = "联合党支部" if len(covered) > 1 else "党支部"
        PartyOrganizationFactory(name=f"{township_unit.name}{label}{kind}", township=township_unit, covers=covered)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    specs=st.lists(
        organizations(), min_size=1, max_size=5, unique_by=lambda s: (s["township"], s["name"].replace(" ", ""))
    )
)
def test_any_register_exports_and_reimports_without_change(alice, census_county, media, tmp_path, specs):
    with transaction.atomic():
        _create(alice, census_county, specs)
        for suffix in ("csv", "xlsx"):
            out = tmp_path / f"register.{suffix}"
            template.write_export(out, template.organizations_of_unit(None))
            outcome = _reimport(alice, census_county["county"], out.read_bytes(), out.name)
            changed = [(r.row.excel_row, r.changes) for r in outcome.plan.rows if r.kind != "unchanged"]
            assert changed == [], suffix
            assert outcome.counts() == {"new": 0, "changed": 0, "unchanged": len(specs), "rejected": 0}
            assert outcome.error_count == 0, [p.to_dict() for p in outcome.problems if p.is_error]
        transaction.set_rollback(True)  # the next example starts from an empty register
