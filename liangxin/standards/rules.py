"""The pure rules of standardization and of the five-goods assessment (no Django): which items a
party organization's checklist has, what the activity room's area must reach, how a completion
rate is computed and when a five-goods result may be given. What they mean:
``docs/standardization.md``."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

# The five ones (五个一), in the order the pages list them.
ACTIVITY_ROOM: Final = "activity_room"
BULLETIN_BOARD: Final = "bulletin_board"
SIGN_BOARD: Final = "sign_board"
PARTY_FLAG: Final = "party_flag"
WORKING_RULES: Final = "working_rules"
ITEMS: Final = (ACTIVITY_ROOM, BULLETIN_BOARD, SIGN_BOARD, PARTY_FLAG, WORKING_RULES)

# Who may check an item: a township clerk or the county, never the party organization's own
# secretary (the one who keeps the evidence). The database holds the checker's role to this list.
CHECKER_ROLES: Final = ("county_admin", "township_clerk")

# The five goods (五个好), one score and one comment each.
DIMENSIONS: Final = ("leadership", "team", "rules", "performance", "public")
FIVE_GOODS: Final = "five_goods"
NOT_MET: Final = "not_met"
RESULTS: Final = (FIVE_GOODS, NOT_MET)
MAX_SCORE: Final = 100
# A dimension scored below this is not "good": a party organization is five-goods only when it
# is good on all five, so the result 五个好 is refused with a lower score.
GOOD_SCORE: Final = 60

RATE_PLACES: Final = Decimal("0.0001")


def room_meets_target(area: Decimal | None, minimum: Decimal) -> bool:
    return area is not None and area >= minimum


def completion_rate(done: int, total: int) -> Decimal | None:
    """Share of items done, four places (``0.6667``); None when there is nothing to count."""
    if total <= 0:
        return None
    return (Decimal(done) / Decimal(total)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def result_problem(result: str, scores: Mapping[str, int | None]) -> str | None:
    """Why ``result`` cannot be given with these scores (None when it can): every dimension is
    scored 0–100; 五个好 needs each one at least ``GOOD_SCORE``."""
    if result not in RESULTS:
        return "result"
    if set(scores) != set(DIMENSIONS) or any(s is None or not 0 <= s <= MAX_SCORE for s in scores.values()):
        return "scores"
    if result == FIVE_GOODS and any(s is not None and s < GOOD_SCORE for s in scores.values()):
        return "low_score"
    return None
