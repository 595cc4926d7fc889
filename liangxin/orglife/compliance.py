"""Compliance of a party organization's activities with the rules of organization life. Pure
Python, no Django: the rules come from the versions of ``LifePolicyVersion`` (policy data), the
activities from the records; what the rules mean is ``docs/organization-life.md``.

A rule asks, per period (month, quarter or year), for at least ``min_count`` activities of its
types (any type when it names none) and, when ``min_minutes`` is set, for their durations to add
up to at least that many minutes. Which rules apply to a period is decided by the version in
force on the period's first day, so a version changing mid-year rules the periods that start
after it and leaves the earlier ones as they were judged. Only whole periods of the party
organization's life are judged: none starting before its founding or on/after its dissolution.

Status of a (rule, period): ``met`` once the activities so far satisfy it; else ``missed`` when
the period ended on or before the as-of date; else ``due`` (still open).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MONTH = "month"
QUARTER = "quarter"
YEAR = "year"
PERIOD_KINDS = (MONTH, QUARTER, YEAR)

MET = "met"
MISSED = "missed"
DUE = "due"


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    period: str  # MONTH | QUARTER | YEAR
    types: frozenset[str] = frozenset()  # activity type codes; empty: any activity counts
    min_count: int = 1
    min_minutes: int = 0
    min_members: int = 0  # applies to party organizations with at least this many members

    @property
    def counts_minutes(self) -> bool:
        return self.min_minutes > 0


@dataclass(frozen=True)
class Version:
    effective_from: dt.date
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class ActivityRecord:
    held_on: dt.date
    type_code: str
    minutes: int


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    end: dt.date  # exclusive
    kind: str

    @property
    def label(self) -> str:
        if self.kind == MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)


@dataclass(frozen=True)
class Result:
    rule: Rule
    period: Period
    status: str
    count: int  # activities of the rule's types in the period; minutes for a time rule


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (earlier when negative), the month's last day when it has
    fewer days (31 March + 1 month → 30 April)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def period_of(day: dt.date, kind: str) -> Period:
    if kind == MONTH:
        start = day.replace(day=1)
        return Period(start, add_months(start, 1), MONTH)
    if kind == QUARTER:
        start = dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return Period(start, add_months(start, 3), QUARTER)
    if kind == YEAR:
        return Period(dt.date(day.year, 1, 1), dt.date(day.year + 1, 1, 1), YEAR)
    raise ValueError(kind)


def periods_of_year(year: int, kind: str) -> list[Period]:
    step = {MONTH: 1, QUARTER: 3, YEAR: 12}[kind]
    return [period_of(dt.date(year, month, 1), kind) for month in range(1, 13, step)]


def version_on(versions: Sequence[Version], day: dt.date) -> Version | None:
    """The version with the latest ``effective_from`` not after ``day``."""
    found = None
    for version in sorted(versions, key=lambda v: v.effective_from):
        if version.effective_from <= day:
            found = version
    return found


def judge(rule: Rule, period: Period, activities: Iterable[ActivityRecord], *, as_of: dt.date) -> Result:
    """The status of one rule in one period."""
    matching = [
        a
        for a in activities
        if period.start <= a.held_on < period.end
        and a.held_on <= as_of
        and (not rule.types or a.type_code in rule.types)
    ]
    minutes = sum(a.minutes for a in matching)
    met = len(matching) >= rule.min_count and minutes >= rule.min_minutes
    status = MET if met else MISSED if period.end <= as_of else DUE
    return Result(rule, period, status, minutes if rule.counts_minutes else len(matching))


def year_results(
    *,
    versions: Sequence[Version],
    activities: Sequence[ActivityRecord],
    year: int,
    as_of: dt.date,
    founded_on: dt.date,
    dissolved_on: dt.date | None = None,
    members: int = 0,
) -> list[Result]:
    """Every (rule, period) of ``year`` that has started by ``as_of``, in the party organization's
    whole periods of life, judged by the version in force on the period's first day; ordered by
    the rule's place in that version, then by period. A rule applies when the party organization
    has at least its ``min_members`` members (``members``: its count as of ``as_of``)."""
    results: list[Result] = []
    for kind in PERIOD_KINDS:
        for period in periods_of_year(year, kind):
            if period.start > as_of or period.start < founded_on:
                continue
            if dissolved_on is not None and period.start >= dissolved_on:
                continue
            version = version_on(versions, period.start)
            if version is None:
                continue
            rules = [rule for rule in version.rules if rule.period == kind and members >= rule.min_members]
            if not rules:
                continue
            # The period's activities once, for all of its rules (a county's standings judge ~1,600).
            held = [a for a in activities if period.start <= a.held_on < period.end]
            results.extend(judge(rule, period, held, as_of=as_of) for rule in rules)
    order = {rule.code: n for version in versions for n, rule in enumerate(version.rules)}
    return sorted(results, key=lambda r: (order.get(r.rule.code, 0), r.rule.code, r.period.start))


def behind(results: Iterable[Result]) -> list[Result]:
    """The missed ones: what a party organization is behind on."""
    return [r for r in results if r.status == MISSED]


def at_risk_since(as_of: dt.date, months: int) -> dt.date:
    """The day ``months`` months before ``as_of``: no activity after it (up to ``as_of``) puts a
    party organization founded on or before it at risk (``is_at_risk``)."""
    return add_months(as_of, -months)


def is_at_risk(*, last_activity: dt.date | None, founded_on: dt.date, as_of: dt.date, months: int) -> bool:
    """No activity for ``months`` months up to ``as_of``: the last one (if any) before the day
    ``months`` months back, and the party organization existing at least that long (a new one is
    not at risk for having had no time). The same condition in SQL, for counting many:
    ``selectors.at_risk_queryset`` (a test compares them)."""
    since = at_risk_since(as_of, months)
    if founded_on > since:
        return False
    return last_activity is None or last_activity <= since


def dissolved_within(*, founded_on: dt.date, dissolved_on: dt.date | None, years: int) -> bool:
    """刚建了、又散了: dissolved before its ``years``-th anniversary."""
    return dissolved_on is not None and dissolved_on < add_months(founded_on, 12 * years)


def participation_interval(held_on: dt.date, window_months: int) -> tuple[dt.date, dt.date]:
    """The days on which an activity on ``held_on`` lies in the window of ``window_months`` months
    up to the day: from ``held_on`` until (excluding) the same day ``window_months`` later."""
    return held_on, add_months(held_on, window_months)
