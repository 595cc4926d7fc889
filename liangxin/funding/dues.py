"""Which months a member owes dues, and to which party organization. Pure Python (no Django).

The rule (``docs/funding.md``): a month's dues are owed to the party organization that holds the
member's relation on the **last day of the month**. A member who transfers on 10 March owes March
to the new party organization; a member whose relation ends in the month (it moved out of the
county) owes that month nowhere here; a member admitted (a probationary member) during a month
owes that month. A month is due once it has ended: in the current month nothing is in arrears yet,
though a payment for it may be recorded (to the party organization holding the relation today).

Relations are half-open intervals, as everywhere in the register: held on D when
``valid_from <= D < valid_to``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Relation:
    party_organization_id: int
    valid_from: dt.date
    valid_to: dt.date | None


@functools.cache  # a county's dues sheets ask it for the same twelve months ~50,000 times
def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def months_of(year: int) -> list[dt.date]:
    return [dt.date(year, m, 1) for m in range(1, 13)]


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def holds(relation: Relation, day: dt.date) -> bool:
    """Whether ``relation`` is in force on ``day`` (its end day is the first day it is not)."""
    return relation.valid_from <= day and (relation.valid_to is None or day < relation.valid_to)


def holder_on(relations: Iterable[Relation], day: dt.date) -> int | None:
    """The party organization holding the relation on ``day`` (the latest start wins, should two
    intervals ever overlap)."""
    found: tuple[dt.date, int] | None = None
    for r in relations:
        if holds(r, day) and (found is None or r.valid_from >= found[0]):
            found = (r.valid_from, r.party_organization_id)
    return None if found is None else found[1]


def holders_on(relations: Sequence[Relation], days: Sequence[dt.date]) -> list[int | None]:
    """``holder_on`` for each of ``days``: most members have one relation, checked inline (a
    county's dues sheets ask for 5,000 member-months)."""
    if len(relations) == 1:
        (r,) = relations
        return [r.party_organization_id if holds(r, day) else None for day in days]
    return [holder_on(relations, day) for day in days]


def owed_on(month: dt.date, *, today: dt.date) -> dt.date | None:
    """The day whose holder of the relation a month's dues are owed to: the month's last day, or
    today for the current month; None for a month after the current one."""
    month = month.replace(day=1)
    if month > today.replace(day=1):
        return None
    return today if month == today.replace(day=1) else month_end(month)


def owed_to(relations: Iterable[Relation], month: dt.date, *, today: dt.date) -> int | None:
    """The party organization a month's dues are owed to (``owed_on``)."""
    day = owed_on(month, today=today)
    return None if day is None else holder_on(relations, day)


def due_months(year: int, *, today: dt.date) -> list[dt.date]:
    """The months of ``year`` that have ended by ``today`` (those that can be in arrears)."""
    return [m for m in months_of(year) if month_end(m) < today]


def owed_months(
    relations: Iterable[Relation], party_organization_id: int, months: Iterable[dt.date], *, today: dt.date
) -> Iterator[dt.date]:
    relations = list(relations)
    for month in months:
        if owed_to(relations, month, today=today) == party_organization_id:
            yield month
