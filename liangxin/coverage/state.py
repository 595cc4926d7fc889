"""The per-subject state columns indicator filters may name (``dsl`` fields). Pure Python.

Organization state (one row per organization in the population as of D: not merged, census
facts valid on D, not deregistered):

======================== ====== ================================================================
employees                int    从业人员数 (facts valid on D)
full_members             int    正式党员数 (facts)
probationary_members     int    预备党员数 (facts)
members                  int    full + probationary
covered                  bool   a party organization covers it on D (own, joint, building branch)
has_instructor           bool   a party-building instructor is assigned on D
takes_part               bool   a party organization's recorded activity was held in it or it took
                                part in one, within the work-coverage window up to D (orglife
                                ``ActivityOrganization`` intervals; docs/organization-life.md)
work_covered             bool   covered or has_instructor or takes_part (工作覆盖)
surveyed                 bool   its figures come from a census or an edit; false while it is known
                                only from a registration list (facts of source ``registration``)
has_union                bool   有无工会 (facts; unknown when left blank)
has_youth_league         bool   有无共青团组织 (facts)
has_womens_federation    bool   有无妇联组织 (facts)
above_designated_size    bool   规模以上
category                 str    economic | social
org_type                 str    registry ``OrganizationType`` codes
operating_status         str    operating | suspended | closed (deregistered ones are not in it)
======================== ====== ================================================================

Party organization state (one row per party organization existing on D: founded on or before D,
not dissolved by D):

======================== ====== ================================================================
kind                     str    registry ``PartyOrganizationKind`` codes
formation_method         str    registry ``FormationMethod`` codes
rated_five_goods         bool   its latest five-goods assessment (of D's year or the year before,
                                made on or before D) gave 五个好; unknown without one
                                (``standards.selectors.five_goods_subquery``)
======================== ====== ================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from .dsl import BOOL, INT, STR

ORGANIZATION_FIELDS: Final[Mapping[str, str]] = {
    "employees": INT,
    "full_members": INT,
    "probationary_members": INT,
    "members": INT,
    "covered": BOOL,
    "has_instructor": BOOL,
    "takes_part": BOOL,
    "work_covered": BOOL,
    "surveyed": BOOL,
    "has_union": BOOL,
    "has_youth_league": BOOL,
    "has_womens_federation": BOOL,
    "above_designated_size": BOOL,
    "category": STR,
    "org_type": STR,
    "operating_status": STR,
}

PARTY_ORGANIZATION_FIELDS: Final[Mapping[str, str]] = {
    "kind": STR,
    "formation_method": STR,
    "rated_five_goods": BOOL,
}

# The census figures an organization known only from a registration list lacks (its facts hold
# placeholders): an organization indicator naming one of them counts surveyed organizations only,
# in its denominator and so in its numerator (``compiler.compile_filters``), and says so.
FIGURE_FIELDS: Final = frozenset(
    {"employees", "full_members", "probationary_members", "members", "has_union", "has_youth_league",
     "has_womens_federation"}
)  # fmt: skip
SURVEYED: Final = {"field": "surveyed", "eq": True}

# Columns a ``sum`` indicator may add up.
SUMMABLE: Final = tuple(name for name, kind in ORGANIZATION_FIELDS.items() if kind == INT)


def fields_for(subject: str) -> Mapping[str, str]:
    return PARTY_ORGANIZATION_FIELDS if subject == "party_organization" else ORGANIZATION_FIELDS
