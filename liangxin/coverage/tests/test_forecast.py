"""The projection arithmetic and period ends (pure)."""

from __future__ import annotations

import datetime as dt

from liangxin.coverage import forecast
from liangxin.coverage.forecast import Outlook

TODAY = dt.date(2026, 6, 1)
END_2026 = dt.date(2026, 12, 31)
END_2027 = dt.date(2027, 12, 31)


def test_period_ends_are_month_quarter_and_year_ends_up_to_today():
    assert forecast.period_ends(TODAY, "month", 3) == [dt.date(2026, 4, 30), dt.date(2026, 5, 31), TODAY]
    assert forecast.period_ends(dt.date(2026, 1, 15), "month", 2) == [dt.date(2025, 12, 31), dt.date(2026, 1, 15)]
    assert forecast.period_ends(TODAY, "quarter", 3) == [dt.date(2025, 12, 31), dt.date(2026, 3, 31), TODAY]
    assert forecast.period_ends(TODAY, "year", 2) == [dt.date(2025, 12, 31), TODAY]
    assert forecast.period_ends(dt.date(2026, 12, 31), "quarter", 1) == [dt.date(2026, 12, 31)]


def test_full_membership_one_year_after_admission():
    assert forecast.add_year(dt.date(2025, 7, 1)) == dt.date(2026, 7, 1)
    assert forecast.add_year(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)


ORGS = [
    Outlook(id=1, covered=True, full_members=5),
    # 2 full, one probationary converting in October: reaches 3 this year, no plan.
    Outlook(id=2, covered=False, full_members=2, conversions=(dt.date(2026, 10, 1),)),
    # 1 full, two conversions, the second next year; a plan for next March.
    Outlook(
        id=3,
        covered=False,
        full_members=1,
        conversions=(dt.date(2026, 9, 1), dt.date(2027, 4, 1)),
        planned_on=dt.date(2027, 3, 1),
    ),
    # 3 full already, a plan this year.
    Outlook(id=4, covered=False, full_members=3, planned_on=dt.date(2026, 9, 30)),
    Outlook(id=5, covered=False, full_members=0),
]


def test_projection_counts_plans_and_conversions_by_each_horizon():
    now = forecast.current(ORGS, TODAY)
    assert (now.population, now.covered, now.qualifying, now.qualifying_covered) == (5, 1, 2, 1)
    end_of_year = forecast.project(ORGS, END_2026)
    assert (end_of_year.covered, end_of_year.qualifying, end_of_year.qualifying_covered) == (2, 3, 2)
    assert str(end_of_year.coverage) == "0.4000"
    next_year = forecast.project(ORGS, END_2027)
    assert (next_year.covered, next_year.qualifying, next_year.qualifying_covered) == (3, 4, 3)


def test_organizations_reaching_three_full_members_need_a_timetable():
    found = forecast.reaching(ORGS, END_2027)
    assert [(r.id, r.reaches_on, r.planned_on) for r in found] == [
        (2, dt.date(2026, 10, 1), None),
        (3, dt.date(2027, 4, 1), dt.date(2027, 3, 1)),
    ]
    assert [r.id for r in forecast.reaching(ORGS, END_2026)] == [2]
    assert forecast.reaching(ORGS, END_2027, min_full=5) == []
