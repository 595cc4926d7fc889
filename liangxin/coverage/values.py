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


@dataclass(frozen=True)
class IndicatorValue:
    """One indicator in one group.

    share: ``numerator`` of ``denominator`` subjects match, ``value`` = the share (None when the
    denominator is 0), ``target`` the year's target share, ``gap`` how many more subjects must
    match to reach it. count / sum: ``numerator`` is the figure (a count, or a sum of a state
    column) over the ``denominator`` subjects of the denominator filter, ``value`` is the figure
    too, and there is no target or gap.
    """

    numerator: int
    denominator: int
    value: Decimal | None
    target: Decimal | None = None
    gap: int | None = None


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
        return IndicatorValue(
            numerator=numerator,
            denominator=denominator,
            value=share(numerator, denominator),
            target=target,
            gap=gap(numerator=numerator, denominator=denominator, target=target),
        )
    return IndicatorValue(numerator=numerator, denominator=denominator, value=Decimal(numerator))
