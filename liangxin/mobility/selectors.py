"""Reads for mobile members. The user is a required argument and every queryset goes through
``scoping.py``: outside the scope is the same as missing (404 in the views)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import ScopeKind
from liangxin.core.dates import today
from liangxin.geo.models import AdministrativeUnit, UnitLevel
from liangxin.policy.selectors import engine_policy_in_force
from liangxin.registry.models import Member, PartyOrganization, PartyRelation
from liangxin.registry.scoping import party_organization_scope

from . import divisions, flows
from . import transitions as t
from .models import (
    ActivityCertificate,
    Contact,
    Direction,
    ExternalRelation,
    HelpKind,
    HelpRecord,
    IntakeBatch,
    MigrantRecord,
    MobileMember,
    RecordStatus,
    RelationTransfer,
)
from .scoping import batch_scope, mobile_member_scope, record_scope, transfer_scope
from .services import contact_days, transfer_days

# --- The ledger ---------------------------------------------------------------------------------------


def mobile_members_for(*, user: User) -> QuerySet[MobileMember]:
    return MobileMember.objects.filter(mobile_member_scope(user))


def with_ledger_columns(queryset: QuerySet[MobileMember]) -> QuerySet[MobileMember]:
    """The date of the last contact and where the relation is held (local or external), a page
    in one query."""
    last_contact = Contact.objects.filter(mobile_member=OuterRef("pk")).order_by("-contacted_on", "-pk")
    local = PartyRelation.objects.filter(member=OuterRef("member_id"), valid_to__isnull=True)
    external = ExternalRelation.objects.filter(member=OuterRef("member_id"), valid_to__isnull=True)
    return queryset.select_related("member", "township", "takes_part_in", "liaison", "employer").annotate(
        last_contact_on=Subquery(last_contact.values("contacted_on")[:1]),
        relation_local=Subquery(local.values("party_organization__name")[:1]),
        relation_external=Subquery(external.values("party_organization__name")[:1]),
    )


def contact_due_before() -> dt.date:
    return today() - dt.timedelta(days=contact_days())


def annotate_contact(queryset: QuerySet[MobileMember]) -> QuerySet[MobileMember]:
    """``contact_overdue_on``: the last contact's date, or the registration's when none; a record
    whose date is before ``contact_due_before()`` is flagged."""
    last = Contact.objects.filter(mobile_member=OuterRef("pk")).order_by("-contacted_on").values("contacted_on")[:1]
    return queryset.annotate(contact_overdue_on=Coalesce(Subquery(last), "registered_on"))


@dataclass(frozen=True)
class LedgerFilter:
    q: str = ""
    direction: str = ""
    township: int | None = None
    state: str = ""  # "", "active", "ended", "unplaced", "contact_overdue"


def ledger(*, user: User, filters: LedgerFilter) -> QuerySet[MobileMember]:
    qs = annotate_contact(with_ledger_columns(mobile_members_for(user=user)))
    q = " ".join(filters.q.split())
    if q:
        qs = qs.filter(Q(member__name__icontains=q) | Q(employer_name__icontains=q) | Q(place__icontains=q))
    if filters.direction in Direction.values:
        qs = qs.filter(direction=filters.direction)
    if filters.township:
        qs = qs.filter(township_id=filters.township)
    if filters.state == "ended":
        qs = qs.filter(ended_on__isnull=False)
    elif filters.state != "all":  # "" (the default): the entries still open
        qs = qs.filter(ended_on__isnull=True)
    if filters.state == "unplaced":
        qs = qs.filter(unplaced())
    elif filters.state == "contact_overdue":
        qs = qs.filter(contact_overdue_on__lt=contact_due_before())  # type: ignore[misc]
    return qs.order_by("township__code", "member__name", "pk")


def unplaced() -> Q:
    """Members in no party organization here: coming in, not taking part in one (双重组织生活)."""
    return Q(direction=Direction.INFLOW, takes_part_in__isnull=True, ended_on__isnull=True)


def ledger_entry_for(*, user: User, member: Member) -> MobileMember | None:
    """The member's open ledger entry, if the user may see it (the member page links to it)."""
    return mobile_members_for(user=user).filter(member=member, ended_on__isnull=True).first()


def relation_of(member: Member) -> tuple[str, str]:
    """("local" / "external" / "", name) of where the member's relation is held today."""
    local = PartyRelation.objects.filter(member=member, valid_to__isnull=True).select_related("party_organization")
    found = local.first()
    if found is not None:
        return "local", found.party_organization.name
    external = ExternalRelation.objects.filter(member=member, valid_to__isnull=True).select_related(
        "party_organization"
    )
    other = external.first()
    if other is not None:
        place = divisions.name_of(other.party_organization.place_code) if other.party_organization.place_code else ""
        return "external", f"{other.party_organization.name}{f'({place})' if place else ''}"
    return "", ""


def party_organizations_for(*, user: User) -> QuerySet[PartyOrganization]:
    """Local party organizations a member may take part in / be kept in touch by / transfer to."""
    return (
        PartyOrganization.objects.filter(party_organization_scope(user), dissolved_on__isnull=True)
        .select_related("township")
        .order_by("township__code", "name")
    )


def outflow_candidates(*, user: User) -> QuerySet[Member]:
    """Members whose relation a party organization in the user's scope holds, not on the ledger."""
    held = PartyRelation.objects.filter(
        member=OuterRef("pk"),
        valid_to__isnull=True,
        party_organization__in=party_organizations_for(user=user),
    )
    return Member.objects.filter(Exists(held)).exclude(
        Exists(MobileMember.objects.filter(member=OuterRef("pk"), ended_on__isnull=True))
    )


def townships_for(*, user: User) -> QuerySet[AdministrativeUnit]:
    units = AdministrativeUnit.objects.filter(level=UnitLevel.TOWNSHIP, valid_to__isnull=True).order_by("code")
    if user.scope_kind is ScopeKind.TOWNSHIP and user.township_id is not None:
        return units.filter(pk=user.township_id)
    if user.scope_kind is ScopeKind.COUNTY:
        return units
    return units.none()


# --- Registrations from the police files ---------------------------------------------------------------


def records_for(*, user: User) -> QuerySet[MigrantRecord]:
    return MigrantRecord.objects.filter(record_scope(user)).select_related("township", "batch")


def records_to_verify(*, user: User, overdue: bool = False) -> QuerySet[MigrantRecord]:
    qs = records_for(user=user).filter(status=RecordStatus.PENDING)
    if overdue:
        qs = qs.filter(due_on__lt=today())
    return qs.order_by("due_on", "pk")


def candidates_of(*, record: MigrantRecord) -> list[tuple[Member, int, list[str]]]:
    """The record's candidate members with score and reasons, best first; the exact match first."""
    found: list[tuple[Member, int, list[str]]] = []
    members = Member.objects.in_bulk(
        [c["member"] for c in record.candidates] + ([record.matched_member_id] if record.matched_member_id else [])
    )
    if record.matched_member_id and record.matched_member_id in members:
        found.append((members[record.matched_member_id], 100, ["id_number"]))
    for c in record.candidates:
        if c["member"] in members:
            found.append((members[c["member"]], int(c["score"]), list(c["reasons"])))
    return found


def batches_for(*, user: User) -> QuerySet[IntakeBatch]:
    return IntakeBatch.objects.filter(batch_scope(user)).select_related("unit", "created_by")


# --- Certificates, transfers, help ----------------------------------------------------------------------


def certificates_for(*, user: User) -> QuerySet[ActivityCertificate]:
    return ActivityCertificate.objects.restrict(user).select_related(
        "mobile_member__member", "mobile_member__township", "issuer", "replaces"
    )


def certificate_register(*, user: User, year: int | None = None) -> QuerySet[ActivityCertificate]:
    """The register of issued certificates (voided and revoked ones stay in it with their numbers)."""
    qs = certificates_for(user=user).filter(number__isnull=False)
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("year", "issuer_id", "serial")


def certificate_by_number(*, user: User, number: str) -> ActivityCertificate | None:
    number = "".join(number.split()).upper()
    if not number:
        return None
    return certificates_for(user=user).filter(number=number).first()


def certificates_due_check(*, user: User) -> QuerySet[ActivityCertificate]:
    """Issued certificates without this year's annual check."""
    year = today().year
    return certificates_for(user=user).filter(status=t.ISSUED).exclude(checks__year=year)


def takes_part_name(certificate: ActivityCertificate) -> str:
    mobile = certificate.mobile_member
    return mobile.takes_part_in.name if mobile.takes_part_in is not None else ""


def transfers_for(*, user: User) -> QuerySet[RelationTransfer]:
    return RelationTransfer.objects.filter(transfer_scope(user)).select_related(
        "member", "local", "external", "township"
    )


def transfer_due_before() -> dt.date:
    return today() - dt.timedelta(days=transfer_days())


def transfers_overdue(*, user: User) -> QuerySet[RelationTransfer]:
    return transfers_for(user=user).filter(state__in=t.PENDING_TRANSFER, issued_on__lt=transfer_due_before())


def help_records_for(*, user: User) -> QuerySet[HelpRecord]:
    return HelpRecord.objects.filter(mobile_member_scope(user, prefix="mobile_member__")).select_related(
        "mobile_member__member", "township"
    )


def help_summary(*, user: User, year: int | None = None) -> tuple[list[tuple[str, list[int], int]], list[str]]:
    """Help records per township and kind: rows of (township, a count per kind, total), and the
    kinds' labels."""
    qs = help_records_for(user=user)
    if year:
        qs = qs.filter(helped_on__year=year)
    counts = Counter(
        {
            (row["township__name"], row["kind"]): row["n"]
            for row in qs.values("township__name", "kind").annotate(n=Count("pk"))
        }
    )
    townships = sorted({township for township, _kind in counts})
    kinds = list(HelpKind.values)
    rows = [(t_, [counts[(t_, k)] for k in kinds], sum(counts[(t_, k)] for k in kinds)) for t_ in townships]
    return rows, [str(label) for label in HelpKind.labels]


# --- Flows -------------------------------------------------------------------------------------------------


def flow_pairs(*, user: User, on: dt.date | None = None) -> list[tuple[str, str]]:
    """(origin, destination) of each mobile member in scope registered on ``on`` (today)."""
    on = on or today()
    qs = mobile_members_for(user=user).filter(since__lte=on).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))
    return list(qs.values_list("origin_code", "destination_code"))


def flow_proposals(*, user: User, level: divisions.Level = "prefecture") -> list[flows.Proposal]:
    destinations = list(
        mobile_members_for(user=user)
        .filter(direction=Direction.OUTFLOW, ended_on__isnull=True)
        .values_list("destination_code", flat=True)
    )
    minimum = engine_policy_in_force(on=today()).min_full_members
    return flows.proposals(destinations, minimum=minimum, level=level)


def flow_by_township(*, user: User, years: list[int]) -> list[tuple[str, str, int]]:
    return [
        (township, direction, since.year)
        for township, direction, since in mobile_members_for(user=user)
        .filter(since__year__in=years)
        .values_list("township__name", "direction", "since")
    ]


# --- To do ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TodoItem:
    key: str
    label: str | Promise
    count: int
    url: str
    urgent: bool = False


def todo_for(*, user: User) -> list[TodoItem]:
    """What waits for the user in mobile members' work, each with a count and the list behind it
    (only the items with something to do): the to-do page and the mobility pages show them."""
    items = [
        TodoItem(
            "overdue_registrations",
            _("逾期未核实的流动人口党员登记"),
            records_to_verify(user=user, overdue=True).count(),
            reverse("mobility:registration_list") + "?state=overdue",
            urgent=True,
        ),
        TodoItem(
            "registrations",
            _("待核实的流动人口党员登记"),
            records_to_verify(user=user).count(),
            reverse("mobility:registration_list"),
        ),
        TodoItem(
            "unplaced",
            _("尚未编入党组织的流入党员"),
            mobile_members_for(user=user).filter(unplaced()).count(),
            reverse("mobility:ledger") + "?state=unplaced",
        ),
        TodoItem(
            "contact_overdue",
            _("超过期限未联系的流动党员"),
            annotate_contact(mobile_members_for(user=user).filter(ended_on__isnull=True))
            .filter(contact_overdue_on__lt=contact_due_before())  # type: ignore[misc]
            .count(),
            reverse("mobility:ledger") + "?state=contact_overdue",
        ),
        TodoItem(
            "transfers_overdue",
            _("超过期限未办结的组织关系转接"),
            transfers_overdue(user=user).count(),
            reverse("mobility:transfer_list") + "?state=overdue",
            urgent=True,
        ),
        TodoItem(
            "certificates_check",
            _("本年度尚未查验的活动证"),
            certificates_due_check(user=user).count(),
            reverse("mobility:certificate_register") + "?state=unchecked",
        ),
    ]
    return [item for item in items if item.count]


def _per_township(queryset: QuerySet[Any]) -> Counter[str]:
    return Counter(
        dict(queryset.values_list("township__name").annotate(n=Count("pk")).values_list("township__name", "n"))
    )


def township_board(*, user: User) -> list[dict[str, object]]:
    """Per township: registrations pending and overdue, mobile members in and out (the county's
    board)."""
    pending = _per_township(records_to_verify(user=user))
    overdue = _per_township(records_to_verify(user=user, overdue=True))
    active = mobile_members_for(user=user).filter(ended_on__isnull=True)
    inflow = _per_township(active.filter(direction=Direction.INFLOW))
    outflow = _per_township(active.filter(direction=Direction.OUTFLOW))
    names = [u.name for u in townships_for(user=user)]
    return [
        {"township": n, "pending": pending[n], "overdue": overdue[n], "inflow": inflow[n], "outflow": outflow[n]}
        for n in names
    ]
