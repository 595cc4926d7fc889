"""What the demo county is made of, drawn without touching the database: organizations, party
organizations, members, and their history (``history.py``). Same seed, same plan."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from liangxin.registry.choices import OperatingStatus

from .county import BASELINE

if TYPE_CHECKING:
    from .history import History


@dataclass
class PlannedOrganization:
    name: str
    category: str
    org_type: str
    uscc: str | None
    industry_code: str
    township: str  # codes, resolved when written
    village: str | None
    department: str | None
    tier: str
    employees: int
    low: int  # bounds for fitting the employee total
    high: int
    above_designated_size: bool = False
    address: str = ""
    contact_person: str = ""
    contact_phone: str = ""
    owner_is_member: bool | None = None
    full_members: int = 0
    probationary_members: int = 0
    operating_status: str = OperatingStatus.OPERATING
    owner_attitude: str = ""
    secretary_candidate_available: bool | None = None
    payroll: Decimal | None = None
    has_union: bool | None = None
    has_youth_league: bool | None = None
    has_womens_federation: bool | None = None
    role: str = ""  # covered / joint / register / dissolved / scattered / gone: why the counts are fixed
    # History: the census that first reported it (the baseline: it was in the register the county
    # started from), and the census that reported it deregistered (注销), if any.
    first_census: dt.date = BASELINE
    deregistered_in: dt.date | None = None

    @property
    def members(self) -> int:
        return self.full_members + self.probationary_members


@dataclass
class PlannedPartyOrganization:
    name: str
    kind: str
    formation_method: str
    township: str
    founded_on: dt.date
    organizations: list[int]  # indexes into DemoPlan.organizations
    category: str
    dissolved_on: dt.date | None = None
    dissolution_reason: str = ""


@dataclass(frozen=True)
class PlannedMember:
    name: str
    id_number: str
    status: str
    admitted_on: dt.date
    full_membership_on: dt.date | None
    position: str
    education: str
    phone: str
    employer: int  # index into DemoPlan.organizations
    relation: int | None  # index into DemoPlan.party_organizations
    since: dt.date  # employed there from
    is_secretary: bool = False


@dataclass
class DemoPlan:
    seed: int
    organizations: list[PlannedOrganization] = field(default_factory=list)
    party_organizations: list[PlannedPartyOrganization] = field(default_factory=list)
    members: list[PlannedMember] = field(default_factory=list)
    people: list[str] = field(default_factory=list)  # names for the administrator accounts
    history: History | None = None


def category_totals(plan: DemoPlan) -> dict[str, Counter[str]]:
    """The latest census's totals of a plan by category (organizations not deregistered)."""
    totals: dict[str, Counter[str]] = {}
    for org in plan.organizations:
        if org.deregistered_in is not None:
            continue
        c = totals.setdefault(org.category, Counter())
        c["organizations"] += 1
        c["employees"] += org.employees
        c["members"] += org.members
    return totals
