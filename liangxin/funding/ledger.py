"""A party organization's funding ledger as arithmetic. Pure Python (no Django).

Every entry is a positive amount of one kind; the kind alone says which way the money goes
(:data:`DIRECTION`), so a sign can never be typed wrong. The balance at any moment is the money
in minus the money out of every entry dated up to then; a year's closing balance is its opening
balance (the balance on the day before 1 January) plus the year's entries in, minus its entries
out. Adding a source of money (party workers' subsidies from their assignments, a five-ones
checklist grant) is a new kind here and in ``choices.LedgerKind``; nothing else in this module
changes. See ``docs/funding.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

ALLOCATION = "allocation"  # the county budget, by affiliation
DUES_RETURN = "dues_return"  # the retained share of dues, returned in full
REWARD = "reward"  # 以奖代补, once approved
SPENDING = "spending"  # entered by the party organization

IN = 1
OUT = -1
DIRECTION: dict[str, int] = {ALLOCATION: IN, DUES_RETURN: IN, REWARD: IN, SPENDING: OUT}
LABELS: dict[str, str] = {
    ALLOCATION: "党建工作经费拨付",
    DUES_RETURN: "党费留存部分返还",
    REWARD: "以奖代补",
    SPENDING: "经费支出",
}
KINDS_IN = tuple(kind for kind, way in DIRECTION.items() if way == IN)
KINDS_OUT = tuple(kind for kind, way in DIRECTION.items() if way == OUT)


@dataclass(frozen=True)
class Entry:
    day: dt.date
    kind: str
    amount: Decimal  # positive


@dataclass
class YearTotals:
    """One year of a ledger: opening balance, totals by kind, closing balance."""

    year: int
    opening: Decimal = Decimal("0.00")
    by_kind: dict[str, Decimal] = field(default_factory=lambda: {kind: Decimal("0.00") for kind in DIRECTION})

    @property
    def money_in(self) -> Decimal:
        return sum((self.by_kind[kind] for kind in KINDS_IN), Decimal("0.00"))

    @property
    def money_out(self) -> Decimal:
        return sum((self.by_kind[kind] for kind in KINDS_OUT), Decimal("0.00"))

    @property
    def closing(self) -> Decimal:
        return self.opening + self.money_in - self.money_out


def balance(entries: Iterable[Entry]) -> Decimal:
    """Money in minus money out."""
    return sum((DIRECTION[e.kind] * e.amount for e in entries), Decimal("0.00"))


def year_totals(entries: Iterable[Entry], year: int) -> YearTotals:
    totals = YearTotals(year=year)
    for entry in entries:
        if entry.day.year < year:
            totals.opening += DIRECTION[entry.kind] * entry.amount
        elif entry.day.year == year:
            totals.by_kind[entry.kind] += entry.amount
    return totals


def running_balances(entries: Iterable[Entry]) -> list[tuple[Entry, Decimal]]:
    """Each entry in date order with the balance after it."""
    result = []
    running = Decimal("0.00")
    for entry in sorted(entries, key=lambda e: e.day):
        running += DIRECTION[entry.kind] * entry.amount
        result.append((entry, running))
    return result
