"""Five-goods ratings for the demo county: deterministic for a seed, written through the service."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from liangxin.core.dates import today
from liangxin.registry.models import PartyOrganization

from .services import record_five_goods

RATED_BY = "县两新组织党工委"
FIVE_GOODS_SHARE = 0.7


def rate_demo_party_organizations(party_organizations: Sequence[PartyOrganization], *, seed: int) -> int:
    """Rate last year's existing party organizations (about 70% 五个好, on 20 December); the ones
    founded in the second half of that year are not rated yet. Returns the number of ratings."""
    rng = random.Random(seed * 7 + 6)
    year = today().year - 1
    rated_on = dt.date(year, 12, 20)
    count = 0
    for party_org in sorted(party_organizations, key=lambda p: p.pk):
        if party_org.founded_on > dt.date(year, 6, 30):
            continue
        if party_org.dissolved_on is not None and party_org.dissolved_on <= rated_on:
            continue
        record_five_goods(
            by=None,
            party_organization=party_org,
            year=year,
            rated_five_goods=rng.random() < FIVE_GOODS_SHARE,
            rated_by=RATED_BY,
            rated_on=rated_on,
        )
        count += 1
    return count
