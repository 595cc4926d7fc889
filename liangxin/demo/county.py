"""The county the demo draws: its published figures, the census dates of its history, and the
arithmetic that makes the drawn organizations add up to the figures.

The figures and how the generator meets them are explained in ``docs/demo-county.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings

DEFAULT_SEED = 2009  # the year of the speech
DEMO_DATA_DIR = Path(settings.BASE_DIR) / "data" / "demo"

# The census dates of the demo's history: the register the county started from, then one census
# campaign a year. The days are fixed, not relative to today, so that one seed always gives the
# same county; the published figures hold from the last one on.
BASELINE = dt.date(2021, 1, 1)
CAMPAIGN_YEARS = (2022, 2023, 2024, 2025, 2026)
CENSUS_DATES = (BASELINE, *(dt.date(year, 1, 1) for year in CAMPAIGN_YEARS))
AS_OF = CENSUS_DATES[-1]

# The county's published figures on the latest census date (docs/demo-county.md): organizations
# not deregistered, their employees and members, and the party organizations in existence.
ECONOMIC_ORGANIZATIONS = 995
ECONOMIC_EMPLOYEES = 31_300
ECONOMIC_MEMBERS = 510
ECONOMIC_PARTY_ORGANIZATIONS = 37
SOCIAL_ORGANIZATIONS = 93
SOCIAL_EMPLOYEES = 1_064
SOCIAL_MEMBERS = 158
SOCIAL_PARTY_ORGANIZATIONS = 5


def clip(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def fit_total(values: list[int], target: int, lows: Sequence[int], highs: Sequence[int]) -> None:
    """Change ``values`` in place, within their bounds, until they sum to ``target``: first in
    proportion to each value (the big ones absorb most), then one by one."""
    for _round in range(50):
        gap = target - sum(values)
        if gap == 0:
            return
        room = [i for i, v in enumerate(values) if (gap > 0 and v < highs[i]) or (gap < 0 and v > lows[i])]
        if not room:
            break
        weight = sum(values[i] for i in room) or 1
        moved = False
        for i in room:
            step = int(gap * values[i] / weight)
            if step:
                new = clip(values[i] + step, lows[i], highs[i])
                moved = moved or new != values[i]
                values[i] = new
        if not moved:
            for i in sorted(room, key=lambda i: -values[i]):
                if gap == 0:
                    break
                values[i] += 1 if gap > 0 else -1
                gap += -1 if gap > 0 else 1
    if sum(values) != target:
        raise ValueError(f"cannot reach {target} within the bounds")
