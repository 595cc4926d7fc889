"""The pure compliance module over a frozen calendar: quarter boundaries, a missed month, the
half-day sum across month ends, a rule version changing mid-year, at risk, dissolved within N
years, the participation window — checked against a brute-force count where one is natural."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from liangxin.orglife import compliance as c
from liangxin.orglife.compliance import ActivityRecord as A

MEETING = c.Rule("members_meeting", "党员大会", c.QUARTER, frozenset({"members_meeting"}))
COMMITTEE = c.Rule("committee_meeting", "支委会", c.MONTH, frozenset({"committee_meeting"}), min_members=7)
HALF_DAY = c.Rule("half_day", "每月活动不少于半天", c.MONTH, min_minutes=240)
LECTURE_Q = c.Rule("party_lecture", "党课", c.QUARTER, frozenset({"party_lecture"}))
LECTURE_M = c.Rule("party_lecture", "党课", c.MONTH, frozenset({"party_lecture"}))
V1 = c.Version(dt.date(2009, 11, 1), (MEETING, COMMITTEE, HALF_DAY, LECTURE_Q))
FOUNDED = dt.date(2020, 7, 1)


def _status(results, code, label):
    (found,) = [(r.status, r.count) for r in results if r.rule.code == code and r.period.label == label]
    return found


def _year(activities, as_of, versions=(V1,), members=10, **kwargs):
    return c.year_results(
        versions=list(versions),
        activities=activities,
        year=2025,
        as_of=as_of,
        founded_on=kwargs.pop("founded_on", FOUNDED),
        members=members,
        **kwargs,
    )


def test_a_quarter_ends_on_its_last_day_and_an_open_one_is_due():
    acts = [A(dt.date(2025, 3, 31), "members_meeting", 60), A(dt.date(2025, 7, 1), "members_meeting", 60)]
    results = _year(acts, dt.date(2025, 7, 1))
    assert _status(results, "members_meeting", "2025-Q1") == ("met", 1)
    # Nothing from 1 April to 30 June: the second quarter, over on 1 July, is missed.
    assert _status(results, "members_meeting", "2025-Q2") == ("missed", 0)
    assert _status(results, "members_meeting", "2025-Q3") == ("met", 1)
    results = _year(acts[:1], dt.date(2025, 6, 30))
    assert _status(results, "members_meeting", "2025-Q2") == ("due", 0)  # its last day: still open
    assert not [r for r in results if r.period.label == "2025-Q3"]  # not started: not judged


def test_a_missed_month_among_met_ones():
    acts = [A(dt.date(2025, m, 15), "committee_meeting", 90) for m in range(1, 9) if m != 5]
    results = _year(acts, dt.date(2025, 9, 10))
    statuses = [(r.period.label, r.status) for r in results if r.rule.code == "committee_meeting"]
    assert statuses == [
        ("2025-01", "met"), ("2025-02", "met"), ("2025-03", "met"), ("2025-04", "met"), ("2025-05", "missed"),
        ("2025-06", "met"), ("2025-07", "met"), ("2025-08", "met"), ("2025-09", "due"),
    ]  # fmt: skip
    assert [r.period.label for r in c.behind(results) if r.rule.code == "committee_meeting"] == ["2025-05"]


def test_a_rule_applies_only_from_its_number_of_members():
    results = _year([], dt.date(2025, 9, 10), members=6)
    assert not [r for r in results if r.rule.code == "committee_meeting"]
    assert [r for r in results if r.rule.code == "members_meeting"]


def test_the_half_day_is_summed_within_each_month_not_across_its_end():
    acts = [
        A(dt.date(2025, 1, 31), "theme_day", 150),  # January: 150 minutes only
        A(dt.date(2025, 2, 1), "policy_study", 150),
        A(dt.date(2025, 2, 28), "party_lecture", 90),  # February: 150 + 90 = 240
        A(dt.date(2025, 3, 1), "members_meeting", 239),  # March: one minute short
    ]
    results = _year(acts, dt.date(2025, 4, 1))
    assert _status(results, "half_day", "2025-01") == ("missed", 150)
    assert _status(results, "half_day", "2025-02") == ("met", 240)
    assert _status(results, "half_day", "2025-03") == ("missed", 239)
    assert _status(results, "half_day", "2025-04") == ("due", 0)


def test_a_version_changing_mid_year_rules_the_periods_starting_after_it():
    # From 15 May the county asks for a party lecture every month instead of every quarter.
    v2 = c.Version(dt.date(2025, 5, 15), (MEETING, COMMITTEE, HALF_DAY, LECTURE_M))
    acts = [A(dt.date(2025, 2, 10), "party_lecture", 60), A(dt.date(2025, 6, 10), "party_lecture", 60)]
    results = _year(acts, dt.date(2025, 8, 5), versions=[v2, V1])
    lectures = [(r.period.label, r.status) for r in results if r.rule.code == "party_lecture"]
    # Q1 and Q2 started under the first version (quarterly); June on is monthly; May started
    # before the change and is in Q2.
    assert lectures == [
        ("2025-Q1", "met"), ("2025-Q2", "met"), ("2025-06", "met"), ("2025-07", "missed"), ("2025-08", "due"),
    ]  # fmt: skip


def test_periods_before_the_founding_or_after_the_dissolution_are_not_judged():
    results = _year([], dt.date(2025, 12, 31), founded_on=dt.date(2025, 2, 10), dissolved_on=dt.date(2025, 6, 1))
    months = {r.period.label for r in results if r.rule.code == "half_day"}
    assert months == {"2025-03", "2025-04", "2025-05"}
    assert not [r for r in results if r.period.kind == c.YEAR]  # the year began before the founding


def test_at_risk_after_the_months_without_activity():
    as_of = dt.date(2025, 9, 30)
    assert c.is_at_risk(last_activity=None, founded_on=FOUNDED, as_of=as_of, months=3)
    assert c.is_at_risk(last_activity=dt.date(2025, 6, 30), founded_on=FOUNDED, as_of=as_of, months=3)
    assert not c.is_at_risk(last_activity=dt.date(2025, 7, 1), founded_on=FOUNDED, as_of=as_of, months=3)
    # Founded two months ago: it has not had the time.
    assert not c.is_at_risk(last_activity=None, founded_on=dt.date(2025, 8, 1), as_of=as_of, months=3)


def test_dissolved_within_the_years_of_its_founding():
    founded = dt.date(2020, 3, 1)
    assert c.dissolved_within(founded_on=founded, dissolved_on=dt.date(2023, 2, 28), years=3)
    assert not c.dissolved_within(founded_on=founded, dissolved_on=dt.date(2023, 3, 1), years=3)
    assert not c.dissolved_within(founded_on=founded, dissolved_on=None, years=3)


@given(
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31)), st.integers(min_value=-120, max_value=120)
)
def test_add_months_keeps_the_day_or_takes_the_months_last(day, months):
    moved = c.add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day == day.day or (moved.day < day.day and (moved + dt.timedelta(days=1)).day == 1)


@given(
    st.lists(
        st.tuples(st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2025, 12, 31)), st.integers(1, 600)),
        max_size=30,
    ),
    st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2025, 12, 31)),
)
def test_the_half_day_status_is_a_brute_force_sum(rows, as_of):
    acts = [A(day, "theme_day", minutes) for day, minutes in rows]
    for r in _year(acts, as_of, founded_on=dt.date(2020, 1, 1)):
        if r.rule.code != "half_day":
            continue
        month = (r.period.start.year, r.period.start.month)
        minutes = sum(m for day, m in rows if (day.year, day.month) == month and day <= as_of)
        ended = r.period.end <= as_of
        assert r.count == minutes
        assert r.status == ("met" if minutes >= 240 else "missed" if ended else "due")
