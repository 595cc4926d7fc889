"""The dashboard's shared queries give exactly the figures of the one-table-per-question paths:
the total and the rankings (``dashboard_tables``) against ``indicator_table``, the trend from one
query over the census intervals (``indicator_series``) against ``indicator_table`` on each date,
and the forecast counted by the database against the projection over the whole population."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from liangxin.coverage import compiler, forecast, selectors
from liangxin.formation.models import FormationPlan
from liangxin.formation.transitions import ACTIVE_STATUSES
from liangxin.registry.choices import MemberStatus, OperatingStatus
from liangxin.registry.models import (
    Employment,
    OrganizationFacts,
    PartyOrganizationCoverage,
)
from liangxin.talent.models import InstructorAssignment
from liangxin.testing.factories import (
    InstructorAssignmentFactory,
    MemberFactory,
    OrganizationFactory,
    PartyOrganizationFactory,
    ready_plan,
)

from .conftest import ON

USERS = ["alice", "lily", "bob", "carol", "dave", "sysadm"]
RANKED = ["org_coverage", "work_coverage", "orgs_3_full_with_party_org", "party_orgs_five_goods"]
TREND = ["org_coverage", "work_coverage", "orgs_3_full_with_party_org"]


@pytest.fixture
def history(county_data, township_a, township_b, department_x):
    """Changes on and around period ends: an interval ending on a month end, one starting on it,
    coverage and an instructor that come and go, a party organization dissolved mid-year."""
    a2, a3, b1 = county_data["a2"], county_data["a3"], county_data["b1"]
    facts = OrganizationFacts.objects.get(organization=a3)
    facts.valid_to = dt.date(2026, 2, 28)
    facts.save()
    OrganizationFacts.objects.create(
        organization=a3, valid_from=dt.date(2026, 2, 28), employees=55, full_members=2, source="edit"
    )
    c1 = OrganizationFactory(
        name="丙一科技有限公司",
        township=township_b,
        department=department_x,
        facts={"valid_from": dt.date(2025, 9, 30), "employees": 150, "full_members": 3, "has_union": False},
    )
    facts = OrganizationFacts.objects.get(organization=c1)
    facts.valid_to = dt.date(2026, 4, 30)
    facts.save()
    OrganizationFacts.objects.create(
        organization=c1,
        valid_from=dt.date(2026, 4, 30),
        employees=150,
        operating_status=OperatingStatus.SUSPENDED,
        source="edit",
    )
    po = PartyOrganizationFactory(name="丙一临时党支部", township=township_b, founded_on=dt.date(2025, 10, 31))
    PartyOrganizationCoverage.objects.create(
        party_organization=po, organization=c1, valid_from=dt.date(2025, 10, 31), valid_to=dt.date(2026, 1, 31)
    )
    PartyOrganizationCoverage.objects.create(
        party_organization=po, organization=b1, valid_from=dt.date(2025, 12, 31), valid_to=dt.date(2026, 3, 15)
    )
    po.dissolved_on = dt.date(2026, 3, 31)
    po.dissolution_reason = "项目结束"
    po.save()
    InstructorAssignmentFactory(
        organization=b1, instructor_name="李指导", valid_from=dt.date(2025, 7, 31), valid_to=dt.date(2025, 11, 30)
    )
    InstructorAssignmentFactory(organization=c1, instructor_name="赵指导", valid_from=dt.date(2026, 5, 31))
    InstructorAssignment.objects.filter(organization=a2).update(valid_from=dt.date(2025, 12, 31))
    return county_data


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("period", [("month", 12), ("quarter", 8), ("year", 5)])
def test_the_trend_from_one_query_equals_the_table_on_each_date(history, request, who, period):
    user = request.getfixturevalue(who)
    name, count = period
    series = selectors.indicator_series(user=user, end=ON, period=name, count=count)
    assert [p.on for p in series] == forecast.period_ends(ON, name, count)
    for point in series:
        (expected,) = selectors.indicator_table(user=user, as_of=point.on)
        assert point.values == expected.values, point.on


def test_the_trend_is_one_query_for_the_organizations(history, alice):
    codes = ["org_coverage", "work_coverage", "orgs_3_full_with_party_org"]
    with CaptureQueriesContext(connection) as queries:
        selectors.indicator_series(user=alice, end=ON, codes=codes)
    assert len([q for q in queries.captured_queries if q["sql"].startswith("WITH s AS")]) == 1


def test_history_on_any_day_equals_the_state_of_that_day(history, alice):
    """Every day of a year of changes, not only period ends."""
    definitions = selectors.indicators()
    org_defs = [compiler.compile_indicator(d) for d in definitions if d.subject == "organization"]
    days = [dt.date(2025, 6, 1) + dt.timedelta(days=n) for n in range(0, 370, 13)][:30]
    state = compiler.organization_history(dates=days, scope=selectors.scope_of(alice).states, by="township")
    found = compiler.aggregate_on_dates(history=state, dates=days, wanted=[org_defs] * len(days), grouped=True)
    for i, day in enumerate(days):
        single = compiler.aggregate(
            state=compiler.organization_state(on=day, scope=selectors.scope_of(alice).states, by="township"),
            indicators=org_defs,
            grouped=True,
        )
        assert found[i] == single, day


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("on", [ON, dt.date(2026, 2, 28), dt.date(2025, 6, 1)])
@pytest.mark.parametrize("trend", [TREND, [*TREND, "party_orgs_five_goods", "employees"], []])
def test_dashboard_tables_equal_the_tables_they_replace(history, request, who, on, trend):
    user = request.getfixturevalue(who)
    groupings = selectors.ranking_groupings(user)
    tables = selectors.dashboard_tables(
        user=user,
        as_of=on,
        groupings=groupings,
        ranking_codes=RANKED,
        trend_dates=forecast.period_ends(on, "quarter", 8),
        trend_codes=trend,
    )
    (total,) = selectors.indicator_table(user=user, as_of=on)
    assert tables.total == total
    if trend:
        assert tables.series == selectors.indicator_series(user=user, end=on, period="quarter", count=8, codes=trend)
    else:
        assert [p.values for p in tables.series] == [{}] * 8
    assert list(tables.rankings) == groupings
    for by, groups in tables.rankings.items():
        expected = selectors.indicator_table(user=user, as_of=on, by=by)
        assert [(g.key, g.label) for g in groups] == [(g.key, g.label) for g in expected]
        for got, want in zip(groups, expected, strict=True):
            assert got.values == {code: v for code, v in want.values.items() if code in RANKED}


def test_a_ranking_the_scope_pins_to_one_group_is_not_computed(bob, dave, alice):
    assert selectors.ranking_groupings(alice) == ["township", "department"]
    assert selectors.ranking_groupings(bob) == ["department"]
    assert selectors.ranking_groupings(dave) == ["township"]


def _reference_outlooks(user, on):
    """The whole population with what the projection needs (the computation the forecast
    replaced: every organization in Python)."""
    scope = selectors.scope_of(user)
    state = compiler.organization_state(on=on, scope=scope.states)
    rows = {r["s_id"]: r for r in state.values("s_id", "s_full_members", "s_covered")}
    conversions = defaultdict(list)
    employments = Employment.objects.filter(
        compiler._valid_on(on), organization_id__in=list(rows), member__status=MemberStatus.PROBATIONARY
    ).values_list("organization_id", "member__admitted_on")
    for org_id, admitted_on in employments:
        conversions[org_id].append(max(on, forecast.add_year(admitted_on)))
    plans = dict(
        FormationPlan.objects.filter(
            organization_id__in=list(rows), status__in=sorted(ACTIVE_STATUSES), ready=True, planned_date__isnull=False
        ).values_list("organization_id", "planned_date")
    )
    return [
        forecast.Outlook(
            id=org_id,
            covered=bool(r["s_covered"]),
            full_members=r["s_full_members"],
            conversions=tuple(sorted(conversions.get(org_id, ()))),
            planned_on=plans.get(org_id),
        )
        for org_id, r in sorted(rows.items())
    ]


@pytest.mark.parametrize("who", ["alice", "bob", "carol", "dave"])
def test_the_forecast_equals_the_projection_of_the_whole_population(history, request, who, alice, bob):
    a2, a4, b1 = history["a2"], history["a4"], history["b1"]
    for org, admitted in ((a2, dt.date(2025, 9, 1)), (a2, dt.date(2026, 3, 1)), (a4, dt.date(2024, 2, 29))):
        MemberFactory(status="probationary", admitted_on=admitted, full_membership_on=None, employer=org)
    MemberFactory(status="probationary", admitted_on=dt.date(2026, 1, 5), full_membership_on=None, employer=b1)
    Employment.objects.update(valid_from=dt.date(2025, 1, 1))
    ready_plan(by=bob, organization=a2, planned_date=dt.date(2027, 10, 1))
    # b1 (4 full members, not covered) has a probationary member too and a plan: the conversion
    # changes nothing there, the plan does.
    ready_plan(by=alice, organization=b1, planned_date=dt.date(2026, 11, 1), responsible_person="李书记")
    user = request.getfixturevalue(who)
    result = selectors.coverage_forecast(user=user, today=ON)
    if who != "bob":  # b1 is in their scope
        assert result.projections[0].covered > result.now.covered
    orgs = _reference_outlooks(user, ON)
    horizons = [dt.date(2026, 12, 31), dt.date(2027, 12, 31)]
    assert result.now == forecast.current(orgs, ON, min_full=result.min_full)
    assert result.projections == [forecast.project(orgs, h, min_full=result.min_full) for h in horizons]
    assert result.reaching == forecast.reaching(orgs, horizons[-1], min_full=result.min_full)
    tally = selectors.dashboard_tables(
        user=user, as_of=ON, groupings=selectors.ranking_groupings(user), ranking_codes=RANKED
    ).forecast_tally
    assert tally == selectors.forecast_tally(user=user, on=ON, min_full=result.min_full)
    assert selectors.coverage_forecast(user=user, today=ON, tally=tally) == result


@pytest.mark.parametrize("who", ["alice", "bob", "dave"])
def test_the_dashboard_scans_the_register_a_few_times(client, history, request, who):
    """Total, both rankings, trend and the forecast's figures: one organization query for the
    date (grouped by both rankings' columns at once), one for every trend date at once, and one of
    party organizations, where it was 15 whole computations."""
    client.force_login(request.getfixturevalue(who))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("coverage:dashboard"), {"as_of": ON.isoformat()})
    assert response.status_code == 200
    assert len([q for q in queries.captured_queries if q["sql"].startswith("WITH ")]) == 3
