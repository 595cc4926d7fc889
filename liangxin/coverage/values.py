"""The indicator table's values and their arithmetic. Pure Python: no Django here."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

SHARE: Final = "share"
COUNT: Final = "count"
SUM: Final = "sum"

_PLACES = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class IndicatorValue:
    """One indicator in one group.

    share: ``numerator`` of ``denominator`` subjects match, ``value`` = the share (None when the
    denominator is 0), ``target`` the year's target share, ``gap`` how many more subjects must
    match to reach it. count / sum: ``numerator`` is the figure (a count, or a sum of a state
    column) over the ``denominator`` subjects of the denominator filter, ``value`` is the figure
    too, and there is no target or gap. ``value`` and ``gap`` are computed when read: a county
    table makes tens of thousands of values and shows a few.
    """

    numerator: int
    denominator: int
    target: Decimal | None = None
    is_share: bool = True

    @property
    def value(self) -> Decimal | None:
        return share(self.numerator, self.denominator) if self.is_share else Decimal(self.numerator)

    @property
    def gap(self) -> int | None:
        return (
            gap(numerator=self.numerator, denominator=self.denominator, target=self.target) if self.is_share else None
        )


@dataclass
class IndicatorGroup:
    key: str
    label: str
    values: dict[str, IndicatorValue] = field(default_factory=dict)


def share(numerator: int, denominator: int) -> Decimal | None:
    if denominator == 0:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(_PLACES, rounding=ROUND_HALF_UP)


def gap(*, numerator: int, denominator: int, target: Decimal | None) -> int | None:
    """How many more subjects must match to reach ``target``: ceil(target × denominator) −
    numerator, never below 0; None without a target."""
    if target is None:
        return None
    return max(0, math.ceil(target * denominator) - numerator)


def make_value(*, kind: str, numerator: int, denominator: int, target: Decimal | None) -> IndicatorValue:
    if kind == SHARE:
        return IndicatorValue(numerator, denominator, target)
    return IndicatorValue(numerator, denominator, None, False)
