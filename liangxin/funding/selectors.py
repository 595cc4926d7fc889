"""Reads of funding. Every function that answers a page takes the user and reads through the user's
scope (``registry.scoping``): a secretary his own party organization, a township clerk his
township, county roles everything. The ``county_…`` functions are the unscoped reads of the
command line and of the services that act for the whole county.

Money totals are summed here in Python from the fetched ``Decimal`` values (exact on both
databases; SQLite would sum NUMERIC columns as floating point).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission
from liangxin.core import crypto
from liangxin.core.dates import today as _today
from liangxin.core.errors import ServiceError
from liangxin.geo.models import AdministrativeUnit
from liangxin.policy import funding_rules
from liangxin.policy.models import FundingPolicyVersion
from liangxin.policy.selectors import NoPolicyInForce, funding_policy_in_force, funding_timeline
from liangxin.registry.models import Member, Organization, OrganizationFacts, PartyOrganization, PartyRelation

from . import dues, ledger
from .models import (
    ActivityFundBooking,
    Allocation,
    AllocationLine,
    DuesBase,
    DuesPayment,
    DuesReturn,
    LedgerEntry,
    RewardApplication,
)

ZERO = Decimal("0.00")


# --- Scope ---------------------------------------------------------------------------------------


def party_organizations_for(*, user: User) -> QuerySet[PartyOrganization]:
    """The party organizations whose funds the user may see (dissolved ones too: their ledgers stay)."""
    return PartyOrganization.objects.restrict(user).select_related("township")


def organizations_for(*, user: User) -> QuerySet[Organization]:
    return Organization.objects.restrict(user).filter(merged_into__isnull=True).select_related("township")


def members_for(*, user: User) -> QuerySet[Member]:
    return Member.objects.restrict(user)


def rewards_for(*, user: User) -> QuerySet[RewardApplication]:
    return RewardApplication.objects.filter(
        party_organization__in=PartyOrganization.objects.restrict(user).values("pk")
    ).select_related("party_organization", "party_organization__township", "organization")


def may_see_dues_amounts(*, user: User) -> bool:
    """Members' dues amounts give their bases away (dues = base × the bracket's rate), so they are
    shown to those who may see the base: the county administrator and the secretaries (of their
    own members: a secretary's pages hold only his party organization). Others see months paid
    and in arrears, and totals per party organization."""
    return user.can(Permission.VIEW_DUES_BASE)


# --- Dates ---------------------------------------------------------------------------------------


def default_as_of(year: int, *, today: dt.date | None = None) -> dt.date:
    """31 December of the year, or today if earlier."""
    today = today or _today()
    return min(dt.date(year, 12, 31), today)


def check_as_of(year: int, as_of: dt.date, *, today: dt.date | None = None) -> dt.date:
    today = today or _today()
    if as_of.year != year:
        raise ServiceError(
            _("截至日期 %(date)s 不在 %(year)s 年度内。") % {"date": as_of.isoformat(), "year": year}, field="as_of"
        )
    if as_of > today:
        raise ServiceError(_("截至日期不能晚于今天:党员人数按已经发生的组织关系计算。"), field="as_of")
    return as_of


# --- Allocation ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AllocationRow:
    party_organization: PartyOrganization
    members: int
    probationary_members: int
    amount: Decimal


@dataclass
class AllocationSheet:
    year: int
    as_of: dt.date
    policy: FundingPolicyVersion
    per_member_amount: Decimal
    rows: list[AllocationRow]
    issued: Allocation | None = None  # the rows are the issued ones when set

    @property
    def members(self) -> int:
        return sum(r.members for r in self.rows)

    @property
    def probationary_members(self) -> int:
        return sum(r.probationary_members for r in self.rows)

    @property
    def amount(self) -> Decimal:
        return sum((r.amount for r in self.rows), ZERO)

    def by_township(self) -> list[tuple[AdministrativeUnit, list[AllocationRow]]]:
        groups: dict[int, list[AllocationRow]] = defaultdict(list)
        units: dict[int, AdministrativeUnit] = {}
        for row in self.rows:
            groups[row.party_organization.township_id].append(row)
            units[row.party_organization.township_id] = row.party_organization.township
        return [(units[pk], groups[pk]) for pk in sorted(groups, key=lambda pk: units[pk].code)]


def members_by_party_organization(
    *, on: dt.date, party_organizations: QuerySet[PartyOrganization]
) -> dict[int, tuple[int, int]]:
    """Party organization id → (members, of whom probationary) whose relation it holds on ``on``:
    the one count of the allocation. A member is counted once, where the relation is held (the
    latest start, should two intervals ever overlap); a party organization counts only while it
    exists (founded, not yet dissolved). The register holds only relations held in the county's
    party organizations, so a member whose relation is held outside the county has none here and
    is not counted. Probationary: not yet a full member on ``on``."""
    relations = (
        PartyRelation.objects.filter(valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
        .filter(party_organization__in=party_organizations.values("pk"), party_organization__founded_on__lte=on)
        .filter(Q(party_organization__dissolved_on__isnull=True) | Q(party_organization__dissolved_on__gt=on))
        .order_by("member_id", "valid_from", "pk")
        .values_list("member_id", "party_organization_id", "member__full_membership_on")
    )
    holder: dict[int, tuple[int, bool]] = {}
    for member_id, party_org_id, full_on in relations:
        holder[member_id] = (party_org_id, full_on is None or full_on > on)
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for party_org_id, probationary in holder.values():
        counts[party_org_id][0] += 1
        counts[party_org_id][1] += int(probationary)
    return {pk: (n, p) for pk, (n, p) in counts.items()}


def _policy_on(on: dt.date) -> FundingPolicyVersion:
    version = funding_policy_in_force(on=on)
    if version is None:
        raise NoPolicyInForce(
            _("%(date)s 没有施行中的经费政策版本(最早的版本尚未生效)。") % {"date": on.isoformat()}, field="as_of"
        )
    return version


def _computed_sheet(*, year: int, as_of: dt.date, party_organizations: QuerySet[PartyOrganization]) -> AllocationSheet:
    version = _policy_on(as_of)
    rules = version.as_rules()
    counts = members_by_party_organization(on=as_of, party_organizations=party_organizations)
    orgs = party_organizations.filter(pk__in=list(counts)).select_related("township").order_by("township__code", "name")
    rows = [
        AllocationRow(
            org, counts[org.pk][0], counts[org.pk][1], funding_rules.allocation_amount(rules, counts[org.pk][0])
        )
        for org in orgs
    ]
    return AllocationSheet(year, as_of, version, rules.per_member_amount, rows)


def _issued_sheet(allocation: Allocation, party_organizations: QuerySet[PartyOrganization]) -> AllocationSheet:
    lines = (
        AllocationLine.objects.filter(allocation=allocation, party_organization__in=party_organizations.values("pk"))
        .select_related("party_organization", "party_organization__township")
        .order_by("party_organization__township__code", "party_organization__name")
    )
    rows = [
        AllocationRow(line.party_organization, line.members, line.probationary_members, line.amount) for line in lines
    ]
    return AllocationSheet(
        allocation.year, allocation.as_of, allocation.policy, allocation.per_member_amount, rows, issued=allocation
    )


def allocation_sheet(
    *, user: User, year: int, as_of: dt.date | None = None, township: AdministrativeUnit | None = None
) -> AllocationSheet:
    """The year's allocation in the user's scope (one township's, when given): the issued one if the
    county has issued it (then ``as_of`` is the issued date), else computed as of ``as_of``."""
    party_orgs = party_organizations_for(user=user)
    if township is not None:
        party_orgs = party_orgs.filter(township=township)
    issued = Allocation.objects.filter(year=year).select_related("policy").first()
    if issued is not None:
        return _issued_sheet(issued, party_orgs)
    as_of = check_as_of(year, as_of or default_as_of(year))
    return _computed_sheet(year=year, as_of=as_of, party_organizations=party_orgs)


def county_allocation(*, year: int, as_of: dt.date | None = None) -> AllocationSheet:
    """The year's allocation computed for the whole county as of ``as_of`` (command line, and the
    service that issues it): always from the register, issued or not."""
    as_of = check_as_of(year, as_of or default_as_of(year))
    return _computed_sheet(year=year, as_of=as_of, party_organizations=PartyOrganization.objects.all())


# --- Dues ----------------------------------------------------------------------------------------


@dataclass(slots=True)  # a county's dues sheets make thousands: no dict each
class MonthDues:
    month: dt.date
    due: Decimal | None  # None: no base recorded (or no policy that month)
    paid: Decimal
    ended: bool  # only an ended month can be in arrears

    @property
    def in_arrears(self) -> bool:
        if not self.ended:
            return False
        return self.paid == 0 if self.due is None else self.paid < self.due

    @property
    def arrears(self) -> Decimal:
        if not self.in_arrears or self.due is None:
            return ZERO
        return self.due - self.paid


@dataclass
class MemberDues:
    member_id: int
    name: str
    probationary: bool
    category: str  # "" when no base is recorded
    months: list[MonthDues]  # the months of the year owed to this party organization so far

    # Cached: the months are complete when the sheet is made, and a summary asks each member
    # several times (counts, totals, the list of those in arrears).
    @cached_property
    def paid(self) -> Decimal:
        return sum((m.paid for m in self.months), ZERO)

    @cached_property
    def arrears_months(self) -> list[dt.date]:
        return [m.month for m in self.months if m.in_arrears]

    @cached_property
    def arrears(self) -> Decimal:
        return sum((m.arrears for m in self.months), ZERO)

    def cell(self, month: dt.date) -> MonthDues | None:
        return next((m for m in self.months if m.month == month), None)


@dataclass
class DuesSheet:
    party_organization_id: int
    year: int
    members: list[MemberDues]
    paid_to_organization: Decimal  # payments recorded to this party organization for the year's months

    @property
    def in_arrears(self) -> list[MemberDues]:
        return [m for m in self.members if m.arrears_months]

    @property
    def arrears(self) -> Decimal:
        return sum((m.arrears for m in self.members), ZERO)

    @property
    def without_base(self) -> list[MemberDues]:
        return [m for m in self.members if not m.category]


def _decrypted_bases(
    member_ids: Iterable[int] | QuerySet[Any, Any], until: dt.date
) -> dict[int, list[tuple[dt.date, str, Decimal | None]]]:
    """Member → [(from, category, base)] ascending. Decrypted to compute dues, never shown here."""
    bases: dict[int, list[tuple[dt.date, str, Decimal | None]]] = defaultdict(list)
    rows = (
        DuesBase.objects.filter(member_id__in=member_ids, valid_from__lte=until)
        .order_by("member_id", "valid_from")
        .values_list("member_id", "valid_from", "category", "base_encrypted")
    )
    for member_id, valid_from, category, token in rows:
        bases[member_id].append((valid_from, category, Decimal(crypto.decrypt(token)) if token else None))
    return bases


def _bases_in(
    rows: Sequence[tuple[dt.date, str, Decimal | None]], months: Sequence[dt.date]
) -> list[tuple[str, Decimal | None] | None]:
    """The base in force in each of these ascending months (the latest recorded from that month or
    before; None before the first), in one pass over the member's bases."""
    found: tuple[str, Decimal | None] | None = None
    result, i = [], 0
    for month in months:
        while i < len(rows) and rows[i][0] <= month:
            found = (rows[i][1], rows[i][2])
            i += 1
        result.append(found)
    return result


def _base_on(rows: Sequence[tuple[dt.date, str, Decimal | None]], month: dt.date) -> tuple[str, Decimal | None] | None:
    return _bases_in(rows, [month])[0]


def due_for(
    timeline: funding_rules.Timeline, base: tuple[str, Decimal | None] | None, month: dt.date
) -> Decimal | None:
    """One month's dues from the base in force that month under the rules in force that month."""
    return _due_under(timeline.on(month), base)


def _due_under(rules: funding_rules.FundingRules | None, base: tuple[str, Decimal | None] | None) -> Decimal | None:
    if base is None or rules is None:
        return None
    return funding_rules.monthly_dues(rules, category=base[0], base=base[1])


def dues_sheets(
    *, party_organization_ids: Sequence[int], year: int, today: dt.date | None = None
) -> dict[int, DuesSheet]:
    """The year's dues of the members of these party organizations: for each member, each month
    owed to that party organization so far (``dues.owed_to``), its dues and what was paid. A
    handful of queries for any number of party organizations."""
    today = today or _today()
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    months = [m for m in dues.months_of(year) if m <= today.replace(day=1)]
    ids = list(party_organization_ids)
    involved = (
        PartyRelation.objects.filter(party_organization_id__in=ids, valid_from__lte=end)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=start))
        .values("member_id")
    )
    relations: dict[int, list[dues.Relation]] = defaultdict(list)
    for member_id, party_org_id, valid_from, valid_to in PartyRelation.objects.filter(
        member_id__in=involved
    ).values_list("member_id", "party_organization_id", "valid_from", "valid_to"):
        relations[member_id].append(dues.Relation(party_org_id, valid_from, valid_to))
    # The members are named by the same subquery each time, not by a list of hundreds of keys.
    members = {m["pk"]: m for m in Member.objects.filter(pk__in=involved).values("pk", "name", "full_membership_on")}
    bases = _decrypted_bases(involved, end)
    paid: dict[int, dict[dt.date, Decimal]] = defaultdict(dict)  # member → month → amount
    paid_to: dict[int, Decimal] = defaultdict(lambda: ZERO)
    payments = DuesPayment.objects.filter(
        Q(member_id__in=involved) | Q(party_organization_id__in=ids), month__gte=start, month__lte=end
    )
    # No ordering: the model's (by the member's name) joined the members and sorted 4,600 rows for
    # nothing. The amounts come as text (a numeric's text is the same on every database), each
    # distinct one made a Decimal once: a county's year is ~5,000 payments of a few dozen amounts,
    # and a Decimal made per row was a quarter of this read.
    amounts: dict[str, Decimal] = {}
    for member_id, party_org_id, month, amount_text in payments.order_by().values_list(
        "member_id", "party_organization_id", "month", Cast("amount", CharField())
    ):
        amount = amounts.get(amount_text)
        if amount is None:
            amount = amounts[amount_text] = Decimal(amount_text).quantize(ZERO)
        paid[member_id][month] = amount
        paid_to[party_org_id] += amount
    timeline = funding_timeline()
    ended = {month: dues.month_end(month) < today for month in months}
    owed_on = {month: day for month in months if (day := dues.owed_on(month, today=today)) is not None}
    owed_months = list(owed_on)
    owed_days = list(owed_on.values())
    rules_in = {month: timeline.on(month) for month in months}
    # A county's members share a few bases and the rules change seldom: each pair is worked out once.
    dues_of: dict[tuple[int, tuple[str, Decimal | None] | None], Decimal | None] = {}
    sheets = {pk: DuesSheet(pk, year, [], paid_to.get(pk, ZERO)) for pk in ids}
    for member_id in sorted(relations, key=lambda pk: (members[pk]["name"], pk)):
        by_org: dict[int, list[MonthDues]] = defaultdict(list)
        member_paid = paid.get(member_id, {})
        member_bases = bases.get(member_id, [])
        holders = dues.holders_on(relations[member_id], owed_days)
        for month, base, holder in zip(owed_months, _bases_in(member_bases, owed_months), holders, strict=True):
            if holder not in sheets:
                continue
            rules = rules_in[month]
            key = (id(rules), base)
            if key not in dues_of:
                dues_of[key] = _due_under(rules, base)
            by_org[holder].append(
                MonthDues(month=month, due=dues_of[key], paid=member_paid.get(month, ZERO), ended=ended[month])
            )
        info = members[member_id]
        full_on = info["full_membership_on"]
        current = _base_on(bases.get(member_id, []), min(today, end).replace(day=1))
        for holder, cells in by_org.items():
            sheets[holder].members.append(
                MemberDues(
                    member_id=member_id,
                    name=info["name"],
                    probationary=full_on is None or full_on > min(today, end),
                    category=current[0] if current else "",
                    months=cells,
                )
            )
    return sheets


def dues_sheet(*, party_organization: PartyOrganization, year: int) -> DuesSheet:
    return dues_sheets(party_organization_ids=[party_organization.pk], year=year)[party_organization.pk]


@dataclass(frozen=True)
class BaseRow:
    valid_from: dt.date
    category: str
    has_base: bool
    monthly_dues: Decimal | None  # under the rules in force in that first month


def dues_base_history(*, member: Member) -> list[BaseRow]:
    """A member's bases, newest first, without the base itself (shown only when revealed)."""
    timeline = funding_timeline()
    rows = []
    for valid_from, category, base in reversed(_decrypted_bases([member.pk], dt.date.max).get(member.pk, [])):
        rows.append(BaseRow(valid_from, category, base is not None, due_for(timeline, (category, base), valid_from)))
    return rows


@dataclass(frozen=True)
class ReturnRow:
    party_organization: PartyOrganization
    dues_paid: Decimal
    share_due: Decimal  # the retained share the year's dues paid so far call for
    returned: Decimal

    @property
    def to_return(self) -> Decimal:
        return max(self.share_due - self.returned, ZERO)


def dues_returns(*, party_organizations: QuerySet[PartyOrganization], year: int) -> list[ReturnRow]:
    """For each party organization with dues paid to it for the year's months: the share due
    (Σ each month's paid × the share in force that month, rounded once), what was returned."""
    timeline = funding_timeline()
    by_org: dict[int, list[tuple[Decimal, Decimal]]] = defaultdict(list)
    paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    payments = DuesPayment.objects.filter(
        party_organization__in=party_organizations.values("pk"),
        month__gte=dt.date(year, 1, 1),
        month__lte=dt.date(year, 12, 31),
    ).values_list("party_organization_id", "month", "amount")
    for party_org_id, month, amount in payments:
        rules = timeline.on(month)
        if rules is None:
            continue
        by_org[party_org_id].append((amount, rules.retained_share))
        paid[party_org_id] += amount
    returned: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for party_org_id, amount in DuesReturn.objects.filter(
        party_organization_id__in=list(by_org), year=year
    ).values_list("party_organization_id", "amount"):
        returned[party_org_id] += amount
    orgs = party_organizations.filter(pk__in=list(by_org)).select_related("township").order_by("township__code", "name")
    return [
        ReturnRow(org, paid[org.pk], funding_rules.returned_share(by_org[org.pk]), returned[org.pk]) for org in orgs
    ]


# --- Ledger --------------------------------------------------------------------------------------


def ledger_entries(*, party_organization: PartyOrganization) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(party_organization=party_organization).order_by("entry_date", "pk")


def _as_entries(rows: Iterable[tuple[dt.date, str, Decimal]]) -> list[ledger.Entry]:
    return [ledger.Entry(day, kind, amount) for day, kind, amount in rows]


def ledger_year(
    *, party_organization: PartyOrganization, year: int
) -> tuple[ledger.YearTotals, list[tuple[LedgerEntry, Decimal]]]:
    """The year's totals, and the year's entries each with the balance after it."""
    entries = list(ledger_entries(party_organization=party_organization).filter(entry_date__lte=dt.date(year, 12, 31)))
    totals = ledger.year_totals(_as_entries((e.entry_date, e.kind, e.amount) for e in entries), year)
    running = totals.opening
    rows = []
    for entry in entries:
        if entry.entry_date.year == year:
            running += ledger.DIRECTION[entry.kind] * entry.amount
            rows.append((entry, running))
    return totals, rows


def ledger_totals(*, party_organization_ids: Sequence[int], year: int) -> dict[int, ledger.YearTotals]:
    by_org: dict[int, list[ledger.Entry]] = defaultdict(list)
    for party_org_id, day, kind, amount in LedgerEntry.objects.filter(
        party_organization_id__in=list(party_organization_ids), entry_date__lte=dt.date(year, 12, 31)
    ).values_list("party_organization_id", "entry_date", "kind", "amount"):
        by_org[party_org_id].append(ledger.Entry(day, kind, amount))
    return {pk: ledger.year_totals(by_org.get(pk, []), year) for pk in party_organization_ids}


def balance_of(*, party_organization: PartyOrganization) -> Decimal:
    """Everything in minus everything out, whatever the date."""
    return ledger.balance(
        _as_entries(
            LedgerEntry.objects.filter(party_organization=party_organization).values_list(
                "entry_date", "kind", "amount"
            )
        )
    )


# --- Activity funds ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityFundRow:
    organization: Organization
    year: int
    booked: Decimal | None  # None: nothing recorded for the year
    check: funding_rules.ActivityFundCheck | None


def payroll_on(organization_ids: Sequence[int], on: dt.date) -> dict[int, Decimal | None]:
    """Each organization's total payroll (万元) in the census figures valid on ``on``."""
    rows = (
        OrganizationFacts.objects.filter(organization_id__in=list(organization_ids), valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
        .order_by("organization_id", "valid_from")
        .values_list("organization_id", "payroll")
    )
    return dict(rows)


def activity_funds(
    *, user: User, year: int, status: str = "", township: AdministrativeUnit | None = None, booked_only: bool = False
) -> list[ActivityFundRow]:
    """The organizations in scope with their booking for the year against the range: payroll from
    the census figures valid at the end of the year (today, if earlier), under the rules in force
    then. ``status`` keeps one state of the check (``funding_rules`` codes; ``missing``: nothing
    booked)."""
    on = default_as_of(year)
    rules = funding_timeline().on(on)
    organizations = organizations_for(user=user)
    if township is not None:
        organizations = organizations.filter(township=township)
    bookings = {
        b.organization_id: b.amount
        for b in ActivityFundBooking.objects.filter(organization__in=organizations.values("pk"), year=year)
    }
    if booked_only or (status and status != "missing"):
        organizations = organizations.filter(pk__in=list(bookings))
    # The list and its export show an organization's name and township: the rest of a county's
    # 1,100 rows, read and converted, cost the page a third of its time.
    organizations = organizations.order_by("township__code", "name_normalized").only(
        "name", "township__name", "township__code"
    )
    org_list = list(organizations)
    payrolls = payroll_on([o.pk for o in org_list], on)
    rows = []
    for org in org_list:
        booked = bookings.get(org.pk)
        check = None
        if booked is not None and rules is not None:
            check = funding_rules.check_activity_fund(rules, booked=booked, payroll_wan=payrolls.get(org.pk))
        row = ActivityFundRow(org, year, booked, check)
        if status == "missing" and booked is not None:
            continue
        if status and status != "missing" and (check is None or check.status != status):
            continue
        rows.append(row)
    return rows


def activity_fund_of(*, organization: Organization, year: int) -> ActivityFundRow:
    on = default_as_of(year)
    rules = funding_timeline().on(on)
    booking = ActivityFundBooking.objects.filter(organization=organization, year=year).first()
    booked = booking.amount if booking else None
    check = None
    if booked is not None and rules is not None:
        check = funding_rules.check_activity_fund(
            rules, booked=booked, payroll_wan=payroll_on([organization.pk], on).get(organization.pk)
        )
    return ActivityFundRow(organization, year, booked, check)


# --- The summary by township ------------------------------------------------------------------------


@dataclass
class SummaryRow:
    """One township (or one party organization) in the year's funding summary."""

    label: str
    party_organizations: int = 0
    members: int = 0
    allocation: Decimal = ZERO
    dues_paid: Decimal = ZERO
    members_in_arrears: int = 0
    arrears: Decimal = ZERO
    ledger: ledger.YearTotals = field(default_factory=lambda: ledger.YearTotals(year=0))
    rewards_pending: int = 0
    activity_booked: int = 0
    activity_outside: int = 0

    def add(self, other: SummaryRow) -> None:
        self.party_organizations += other.party_organizations
        self.members += other.members
        self.allocation += other.allocation
        self.dues_paid += other.dues_paid
        self.members_in_arrears += other.members_in_arrears
        self.arrears += other.arrears
        self.ledger.opening += other.ledger.opening
        for kind, amount in other.ledger.by_kind.items():
            self.ledger.by_kind[kind] += amount
        self.rewards_pending += other.rewards_pending
        self.activity_booked += other.activity_booked
        self.activity_outside += other.activity_outside


@dataclass
class Summary:
    year: int
    as_of: dt.date
    townships: list[tuple[AdministrativeUnit, SummaryRow, list[tuple[PartyOrganization, SummaryRow]]]]
    total: SummaryRow
    arrears: list[tuple[PartyOrganization, MemberDues]] = field(default_factory=list)  # members in arrears


def funding_summary(*, user: User, year: int, township: AdministrativeUnit | None = None) -> Summary:
    """The year's funding by township and party organization in the user's scope: members and the
    allocation (issued, or computed as of the default date), dues paid and arrears, the ledger
    (opening, in by kind, out, closing), pending rewards, activity funds booked and outside the range."""
    party_orgs = party_organizations_for(user=user)
    if township is not None:
        party_orgs = party_orgs.filter(township=township)
    as_of = default_as_of(year)
    sheet = allocation_sheet(user=user, year=year, township=township) if year <= as_of.year else None
    allocation = {row.party_organization.pk: row for row in sheet.rows} if sheet else {}
    # A party organization belongs in the year when it existed in it or holds money or dues in it.
    in_year = party_orgs.filter(founded_on__lte=dt.date(year, 12, 31)).filter(
        Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=dt.date(year, 1, 1))
    )
    orgs = list(in_year.order_by("township__code", "name"))
    ids = [o.pk for o in orgs]
    sheets = dues_sheets(party_organization_ids=ids, year=year)
    totals = ledger_totals(party_organization_ids=ids, year=year)
    pending: dict[int, int] = defaultdict(int)
    for party_org_id in RewardApplication.objects.filter(party_organization_id__in=ids, status="submitted").values_list(
        "party_organization_id", flat=True
    ):
        pending[party_org_id] += 1
    activity_by_township: dict[int, list[ActivityFundRow]] = defaultdict(list)
    for booking in activity_funds(user=user, year=year, township=township, booked_only=True):
        activity_by_township[booking.organization.township_id].append(booking)
    units: dict[int, AdministrativeUnit] = {}
    per_township: dict[int, list[tuple[PartyOrganization, SummaryRow]]] = defaultdict(list)
    for org in orgs:
        units[org.township_id] = org.township
        dues_sheet_ = sheets[org.pk]
        line = allocation.get(org.pk)
        row = SummaryRow(
            label=org.name,
            party_organizations=1,
            members=line.members if line else 0,
            allocation=line.amount if line else ZERO,
            dues_paid=dues_sheet_.paid_to_organization,
            members_in_arrears=len(dues_sheet_.in_arrears),
            arrears=dues_sheet_.arrears,
            ledger=totals[org.pk],
            rewards_pending=pending[org.pk],
        )
        per_township[org.township_id].append((org, row))
    for township_id in activity_by_township:
        if township_id not in units:
            units[township_id] = AdministrativeUnit.objects.get(pk=township_id)
    result = []
    total = SummaryRow(label=_("合计"), ledger=ledger.YearTotals(year=year))
    for township_id in sorted(units, key=lambda pk: units[pk].code):
        township_row = SummaryRow(label=units[township_id].name, ledger=ledger.YearTotals(year=year))
        for _org, row in per_township[township_id]:
            township_row.add(row)
        booked = activity_by_township[township_id]
        township_row.activity_booked = len(booked)
        township_row.activity_outside = sum(
            1 for r in booked if r.check is not None and r.check.status in (funding_rules.BELOW, funding_rules.ABOVE)
        )
        total.add(township_row)
        result.append((units[township_id], township_row, per_township[township_id]))
    in_arrears = [(org, member) for org in orgs for member in sheets[org.pk].in_arrears]
    return Summary(year, sheet.as_of if sheet else as_of, result, total, in_arrears)


def years_offered(*, today: dt.date | None = None) -> list[int]:
    """The years a page offers: this one and the five before, newest first."""
    today = today or _today()
    return list(range(today.year, today.year - 6, -1))
