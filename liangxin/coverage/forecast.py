"""Period ends of a series, and the coverage projection. Pure Python: no Django here.

Projection toward the targets (docs/domain.md §3; probation in §4): for each organization of today's population we know
whether a party organization covers it, its full members today (census facts), the dates on which
its probationary members become full members (one year after admission; a conversion already
overdue is counted as happening today), and the planned date of its open, active formation plan.
At a horizon H:

- full members(H) = full members today + conversions on or before H;
- covered(H) = covered today, or an active plan planned on or before H;
- the population is today's (no births, deaths or dissolutions are projected).

Organizations not covered today with fewer than ``min_full`` full members that reach ``min_full``
by H "need a timetable" (组建时间表): they will qualify for their own party organization.

Only organizations with conversions or a plan can change; the others are the same at every
horizon, so callers pass them as one :class:`Tally` (counted by the database) and the Python
walks over the few that can change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Final

from .values import share

MONTH = "month"
QUARTER = "quarter"
YEAR = "year"
PERIODS = (MONTH, QUARTER, YEAR)


def _month_end(year: int, month: int) -> dt.date:
    first_next = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def period_ends(end: dt.date, period: str = MONTH, count: int = 12) -> list[dt.date]:
    """The last ``count`` period ends up to ``end``, oldest first; the current period ends at
    ``end`` itself (a figure "as of the end of this month" is as of today until then)."""
    step = {MONTH: 1, QUARTER: 3, YEAR: 12}[period]
    # The month the current period ends in.
    month_index = end.year * 12 + end.month - 1
    if period == QUARTER:
        month_index += 2 - (end.month - 1) % 3
    elif period == YEAR:
        month_index += 12 - end.month
    ends = []
    for i in range(count - 1, -1, -1):
        index = month_index - i * step
        ends.append(min(end, _month_end(index // 12, index % 12 + 1)))
    return ends


def add_year(day: dt.date) -> dt.date:
    """One year later (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


@dataclass(frozen=True)
class Outlook:
    """One organization of today's population."""

    id: int
    covered: bool
    full_members: int
    conversions: tuple[dt.date, ...] = ()  # dates probationary members become full members
    planned_on: dt.date | None = None  # planned date of an active formation plan


@dataclass(frozen=True)
class Tally:
    """Organizations counted as a projection counts them, at a horizon where nothing changes."""

    population: int = 0
    covered: int = 0
    qualifying: int = 0
    qualifying_covered: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.population + other.population,
            self.covered + other.covered,
            self.qualifying + other.qualifying,
            self.qualifying_covered + other.qualifying_covered,
        )

    def __sub__(self, other: Tally) -> Tally:
        return Tally(
            self.population - other.population,
            self.covered - other.covered,
            self.qualifying - other.qualifying,
            self.qualifying_covered - other.qualifying_covered,
        )


NONE: Final = Tally()


def tally(orgs: Sequence[Outlook], *, min_full: int = 3) -> Tally:
    """Today's figures of ``orgs`` as they stand (covered today, full members today): what the
    database counts for them in the caller's total."""
    covered = qualifying = qualifying_covered = 0
    for org in orgs:
        covered += org.covered
        if org.full_members >= min_full:
            qualifying += 1
            qualifying_covered += org.covered
    return Tally(len(orgs), covered, qualifying, qualifying_covered)


@dataclass(frozen=True)
class Projection:
    horizon: dt.date
    population: int
    covered: int
    qualifying: int  # organizations with >= min_full full members at the horizon
    qualifying_covered: int

    @property
    def coverage(self) -> Decimal | None:
        return share(self.covered, self.population)

    @property
    def qualifying_coverage(self) -> Decimal | None:
        return share(self.qualifying_covered, self.qualifying)


@dataclass(frozen=True)
class Reaching:
    """An organization that will reach ``min_full`` full members: on which date, and whether a
    plan already has it on the timetable."""

    id: int
    full_members_now: int
    reaches_on: dt.date
    planned_on: dt.date | None


def full_members_at(org: Outlook, horizon: dt.date) -> int:
    return org.full_members + sum(1 for day in org.conversions if day <= horizon)


def covered_at(org: Outlook, horizon: dt.date) -> bool:
    return org.covered or (org.planned_on is not None and org.planned_on <= horizon)


def project(orgs: Sequence[Outlook], horizon: dt.date, *, min_full: int = 3, others: Tally = NONE) -> Projection:
    """The figures at ``horizon`` of ``orgs`` and of ``others`` (organizations that do not change)."""
    covered = qualifying = qualifying_covered = 0
    for org in orgs:
        is_covered = covered_at(org, horizon)
        covered += is_covered
        if full_members_at(org, horizon) >= min_full:
            qualifying += 1
            qualifying_covered += is_covered
    return Projection(
        horizon=horizon,
        population=len(orgs) + others.population,
        covered=covered + others.covered,
        qualifying=qualifying + others.qualifying,
        qualifying_covered=qualifying_covered + others.qualifying_covered,
    )


def current(orgs: Sequence[Outlook], today: dt.date, *, min_full: int = 3, others: Tally = NONE) -> Projection:
    """The figures today: coverage as it is, plans not yet carried out, no conversion yet (one
    overdue is not a full member until it happens)."""
    return project(
        [replace(o, planned_on=None, conversions=tuple(d for d in o.conversions if d < today)) for o in orgs],
        today,
        min_full=min_full,
        others=others,
    )


def reaching(orgs: Sequence[Outlook], horizon: dt.date, *, min_full: int = 3) -> list[Reaching]:
    """Organizations not covered today, below ``min_full`` full members today, that reach it by
    ``horizon``; the earliest first."""
    found = []
    for org in orgs:
        if org.covered or org.full_members >= min_full:
            continue
        needed = min_full - org.full_members
        days = sorted(org.conversions)
        if len(days) >= needed and days[needed - 1] <= horizon:
            found.append(
                Reaching(
                    id=org.id, full_members_now=org.full_members, reaches_on=days[needed - 1], planned_on=org.planned_on
                )
            )
    return sorted(found, key=lambda r: (r.reaches_on, r.id))
