"""Indicators against the hand-built county of conftest.py (figures worked out by hand there)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from liangxin.audit.models import AuditRecord
from liangxin.core.errors import ServiceError
from liangxin.coverage import selectors, services
from liangxin.coverage.values import gap
from liangxin.registry.models import Employment
from liangxin.testing.factories import MemberFactory, OrganizationFactory, ready_plan

from .conftest import ON, PAST


def _figures(group, *codes):
    return {c: (group.values[c].numerator, group.values[c].denominator) for c in codes}


def test_county_figures_as_of_a_date(county_data):
    (total,) = selectors.county_indicator_table(as_of=ON)
    assert total.key == "county"
    # a5 deregistered and a6 merged are out; the joint branch covers a3 and a4 both.
    assert _figures(total, "org_coverage", "work_coverage", "orgs_50_with_members") == {
        "org_coverage": (4, 6),
        "work_coverage": (5, 6),  # a2 has an instructor
        "orgs_50_with_members": (3, 3),
    }
    assert total.values["org_coverage"].value == Decimal("0.6667")
    assert _figures(total, "orgs_100_with_party_org", "orgs_3_full_with_party_org", "union_coverage") == {
        "orgs_100_with_party_org": (1, 2),
        "orgs_3_full_with_party_org": (2, 3),
        "union_coverage": (1, 6),
    }
    assert total.values["organizations"].numerator == 6
    assert total.values["employees"].value == 120 + 60 + 30 + 10 + 200 + 5
    assert total.values["full_members"].numerator == 5 + 1 + 3 + 4
    assert total.values["probationary_members"].numerator == 1
    assert total.values["party_organizations"].numerator == 3
    assert total.values["party_orgs_joint_branch"].numerator == 1
    assert total.values["party_orgs_branch"].numerator == 2
    assert _figures(total, "party_orgs_five_goods") == {"party_orgs_five_goods": (1, 3)}


def test_a_past_date_sees_the_records_valid_then(county_data):
    (past,) = selectors.county_indicator_table(as_of=PAST)
    # a5 still operated; the joint branch and the instructor came later; the rating was not made yet.
    assert _figures(past, "org_coverage", "work_coverage", "orgs_100_with_party_org", "party_orgs_five_goods") == {
        "org_coverage": (2, 7),
        "work_coverage": (2, 7),
        "orgs_100_with_party_org": (1, 3),
        "party_orgs_five_goods": (0, 2),
    }
    assert past.values["party_organizations"].numerator == 2


def test_targets_and_gaps_follow_the_policy_of_the_year(county_data):
    (total,) = selectors.county_indicator_table(as_of=ON)
    v = total.values["orgs_100_with_party_org"]
    assert v.target == Decimal("1") and v.gap == 1  # b1 with 200 employees has none
    five = total.values["party_orgs_five_goods"]
    assert five.target == Decimal("0.8") and five.gap == 2  # ceil(0.8 × 3) − 1
    assert total.values["org_coverage"].target is None and total.values["org_coverage"].gap is None
    (early,) = selectors.county_indicator_table(as_of=dt.date(2009, 12, 1))
    assert early.values["party_orgs_five_goods"].target is None  # not a target before 2011


def test_gap_arithmetic():
    assert gap(numerator=1, denominator=3, target=Decimal("0.8")) == 2
    assert gap(numerator=3, denominator=3, target=Decimal("0.8")) == 0
    assert gap(numerator=0, denominator=0, target=Decimal("1")) == 0
    assert gap(numerator=79, denominator=100, target=Decimal("0.8")) == 1
    assert gap(numerator=5, denominator=9, target=None) is None


def test_by_township_and_the_other_groupings(county_data, township_a, township_b, department_x):
    groups = selectors.county_indicator_table(as_of=ON, by="township")
    assert [(g.label, _figures(g, "org_coverage")["org_coverage"]) for g in groups] == [
        (township_a.name, (3, 4)),
        (township_b.name, (1, 2)),
    ]
    departments = {g.key: g for g in selectors.county_indicator_table(as_of=ON, by="department")}
    assert _figures(departments[str(department_x.pk)], "org_coverage")["org_coverage"] == (0, 1)
    assert departments["none"].label == "无主管部门"
    size = {g.key: g for g in selectors.county_indicator_table(as_of=ON, by="size")}
    assert size["above"].values["organizations"].numerator == 1 and size["below"].values["organizations"].numerator == 5
    (kind,) = selectors.county_indicator_table(as_of=ON, by="type")
    assert kind.label == "有限责任公司"
    (category,) = selectors.county_indicator_table(as_of=ON, by="category")
    assert category.values["org_coverage"].numerator == 4
    with pytest.raises(ValueError, match="unknown grouping"):
        selectors.county_indicator_table(as_of=ON, by="village")


def test_township_clerk_sees_only_his_township(county_data, bob, township_a):
    groups = selectors.indicator_table(user=bob, as_of=ON, by="township")
    assert [g.key for g in groups] == [str(township_a.pk)]
    (total,) = selectors.indicator_table(user=bob, as_of=ON)
    assert _figures(total, "org_coverage", "party_organizations") == {
        "org_coverage": (3, 4),
        "party_organizations": (2, 2),
    }


def test_department_clerk_sees_his_department(county_data, dave):
    (total,) = selectors.indicator_table(user=dave, as_of=ON)
    assert total.values["organizations"].numerator == 1
    assert total.values["org_coverage"].numerator == 0


def test_administrators_see_nothing(county_data, sysadm):
    (total,) = selectors.indicator_table(user=sysadm, as_of=ON)
    assert total.values["organizations"].numerator == 0


def test_a_new_indicator_is_data_not_code(county_data, alice):
    services.define_indicator(
        by=alice,
        code="big_with_union",
        name="从业人员50人以上的两新组织建立工会",
        numerator={"field": "has_union", "eq": True},
        denominator={"all": [{"field": "employees", "gte": 50}]},
        target_value=Decimal("0.5"),
    )
    (total,) = selectors.county_indicator_table(as_of=ON)
    v = total.values["big_with_union"]
    assert (v.numerator, v.denominator, v.target, v.gap) == (1, 3, Decimal("0.5"), 1)
    assert AuditRecord.objects.filter(object_type="coverage.indicator", action="create").exists()


def test_a_bad_definition_is_refused(alice, bob):
    with pytest.raises(ServiceError, match="指标条件有误"):
        services.define_indicator(by=alice, code="x", name="x", numerator={"field": "nope", "eq": 1})
    with pytest.raises(ServiceError, match="县级管理员"):
        services.define_indicator(by=bob, code="x", name="x")


def test_drill_down_lists_the_organizations_behind_a_figure(county_data, alice):
    indicator = selectors.Indicator.objects.get(code="orgs_3_full_with_party_org")
    names = lambda part: sorted(  # noqa: E731
        o.name
        for o in selectors.drill_down(user=alice, as_of=ON, indicator=indicator, by="county", key="county", part=part)
    )
    assert names("numerator") == ["甲一建材有限公司", "甲三物流有限公司"]
    assert names("complement") == ["乙一矿业有限公司"]  # the one still to cover: the gap
    assert len(names("denominator")) == 3
    five = selectors.Indicator.objects.get(code="party_orgs_five_goods")
    pos = selectors.drill_down(user=alice, as_of=ON, indicator=five, by="county", key="county", part="complement")
    assert sorted(p.name for p in pos) == ["乙二修理部党支部", "甲联合党支部"]


def test_drill_down_is_scoped(county_data, bob):
    indicator = selectors.Indicator.objects.get(code="org_coverage")
    orgs = selectors.drill_down(user=bob, as_of=ON, indicator=indicator, by="county", key="county", part="complement")
    assert [o.name for o in orgs] == ["甲二商贸有限公司"]
    assert orgs[0].employees_on == 60


def test_gap_list_reuses_the_formation_register(county_data, alice, township_b):
    rows = selectors.gap_rows(user=alice, as_of=ON)
    assert sorted(r.organization.name for r in rows) == ["乙一矿业有限公司", "甲二商贸有限公司"]
    only_b = selectors.gap_rows(user=alice, as_of=ON, by="township", key=str(township_b.pk))
    assert [r.organization.name for r in only_b] == ["乙一矿业有限公司"]
    assert only_b[0].recommendation.code == "form_branch"


def test_forecast_from_probationary_members_and_plans(county_data, bob):
    a2 = county_data["a2"]
    # a2: 1 full member (facts) and two probationary members on the roster, admitted in 2025 and 2026.
    for admitted in (dt.date(2025, 9, 1), dt.date(2026, 3, 1)):
        MemberFactory(status="probationary", admitted_on=admitted, full_membership_on=None, employer=a2)
    Employment.objects.filter(organization=a2).update(valid_from=dt.date(2025, 1, 1))
    result = selectors.coverage_forecast(user=bob, today=ON)
    assert (result.now.population, result.now.covered) == (4, 3)
    [(reach, org)] = selectors.reaching_organizations(result.reaching)
    assert org == a2 and reach.reaches_on == dt.date(2027, 3, 1) and reach.planned_on is None
    ready_plan(by=bob, organization=a2, planned_date=dt.date(2026, 10, 1))
    result = selectors.coverage_forecast(user=bob, today=ON)
    assert [p.covered for p in result.projections] == [4, 4]
    assert result.projections[0].coverage == Decimal("1.0000")


def test_the_table_costs_a_fixed_number_of_queries(county_data, township_a, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        selectors.county_indicator_table(as_of=ON, by="township")
    for i in range(5):
        OrganizationFactory(name=f"新增{i}有限公司", township=township_a, facts={"valid_from": dt.date(2020, 1, 1)})
    with django_assert_num_queries(len(few.captured_queries)):
        groups = selectors.county_indicator_table(as_of=ON, by="township")
    assert groups[0].values["organizations"].numerator == 4 + 5
    aggregates = [q for q in few.captured_queries if q["sql"].startswith("WITH s AS")]
    # One aggregate over the organization state, one over the party organizations.
    assert len(aggregates) == 2
