"""Writes to the register. Keyword-only, typed, one transaction each, every change audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission, ScopeKind
from liangxin.audit.models import AuditAction
from liangxin.audit.services import diff, log_change, log_many, snapshot
from liangxin.core import crypto
from liangxin.core.dates import today
from liangxin.core.errors import ConflictError, ServiceError
from liangxin.core.text import clean_name, clean_text, normalize_name, pinyin_keys
from liangxin.geo.models import AdministrativeUnit, Department, UnitLevel

from .choices import FactSource, MemberStatus, OperatingStatus, OrganizationType
from .identifiers import CitizenId, IdentifierError, validate_citizen_id, validate_uscc
from .models import (
    Employment,
    Member,
    Organization,
    OrganizationFacts,
    PartyOrganization,
    PartyOrganizationCoverage,
    PartyRelation,
)


@dataclass(frozen=True)
class OrganizationData:
    name: str
    category: str
    org_type: str
    township: AdministrativeUnit
    uscc: str | None = None
    village: AdministrativeUnit | None = None
    department: Department | None = None
    industry_code: str = ""
    above_designated_size: bool = False
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    contact_person: str = ""
    contact_phone: str = ""
    owner_is_member: bool | None = None
    former_names: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FactsData:
    employees: int = 0
    full_members: int = 0
    probationary_members: int = 0
    operating_status: str = OperatingStatus.OPERATING
    owner_attitude: str = ""
    secretary_candidate_available: bool | None = None
    payroll: Decimal | None = None
    has_union: bool | None = None
    has_youth_league: bool | None = None
    has_womens_federation: bool | None = None


FACT_FIELDS = tuple(FactsData.__dataclass_fields__)


def _require(user: User, permission: Permission) -> None:
    if not user.can(permission):
        raise ServiceError(_("您的角色无权进行此操作。"))


def _require_township_in_scope(user: User, township: AdministrativeUnit) -> None:
    kind = user.scope_kind
    if kind is ScopeKind.COUNTY:
        return
    if kind is ScopeKind.TOWNSHIP and user.township_id == township.pk:
        return
    raise ServiceError(_("只能在本单位辖区内登记或移入组织。"), field="township")


def _clean_organization_data(data: OrganizationData) -> dict[str, object]:
    values = asdict(data)
    values["township"] = data.township
    values["village"] = data.village
    values["department"] = data.department
    # The same cleaning as the census reader (core.text): the name kept as written, only its
    # whitespace tidied, so a record typed in a form and the same organization read from a
    # township's spreadsheet are stored alike, and an export re-imports as "no change".
    name = clean_name(data.name)
    if not name:
        raise ServiceError(_("组织名称不能为空。"), field="name")
    values["name"] = name
    for key in ("address", "contact_person", "contact_phone"):
        values[key] = clean_text(values[key])
    if not data.uscc and data.org_type != OrganizationType.INDIVIDUAL_BUSINESS:
        raise ServiceError(_("除个体工商户外,统一社会信用代码为必填项。"), field="uscc")
    if data.uscc:
        try:
            values["uscc"] = validate_uscc(data.uscc)
        except IdentifierError as exc:
            raise ServiceError(exc.message, field="uscc") from exc
    else:
        values["uscc"] = None
    if data.township.level != UnitLevel.TOWNSHIP or data.township.valid_to is not None:
        raise ServiceError(_("所属乡镇必须是现行的乡镇(街道)。"), field="township")
    if data.village is not None and data.village.parent_id != data.township.pk:
        raise ServiceError(
            _("村(社区)“%(village)s”不属于%(township)s。")
            % {"village": data.village.name, "township": data.township.name},
            field="village",
        )
    values["name_normalized"] = normalize_name(name)
    values["name_initials"], values["name_pinyin"] = pinyin_keys(name)
    return values


def _duplicate_uscc_error(uscc: str | None) -> ServiceError:
    return ServiceError(
        _("统一社会信用代码 %(code)s 已被另一个组织使用,请检查是否重复登记。") % {"code": uscc},
        field="uscc",
    )


def create_organization(
    *,
    by: User,
    data: OrganizationData,
    facts: FactsData,
    as_of: dt.date | None = None,
    source: str = FactSource.EDIT,
) -> Organization:
    _require(by, Permission.EDIT_ORGANIZATIONS)
    _require_township_in_scope(by, data.township)
    values = _clean_organization_data(data)
    as_of = as_of or today()
    try:
        with transaction.atomic():
            organization = Organization.objects.create(**values)
            facts_row = OrganizationFacts.objects.create(
                organization=organization, valid_from=as_of, source=source, recorded_by=by, **asdict(facts)
            )
            log_change(
                actor=by,
                action=AuditAction.CREATE,
                obj=organization,
                changes=diff(None, snapshot(organization) | _facts_snapshot(facts_row)),
            )
    except IntegrityError as exc:
        if values["uscc"] and Organization.objects.filter(uscc=values["uscc"]).exists():
            raise _duplicate_uscc_error(str(values["uscc"])) from exc
        raise
    return organization


def _facts_snapshot(row: OrganizationFacts | None) -> dict[str, object]:
    if row is None:
        return {}
    snap = snapshot(row)
    return {name: snap[name] for name in FACT_FIELDS}


def update_organization(
    *, by: User, organization: Organization, data: OrganizationData, expected_version: int
) -> Organization:
    _require(by, Permission.EDIT_ORGANIZATIONS)
    _require_township_in_scope(by, data.township)
    values = _clean_organization_data(data)
    try:
        with transaction.atomic():
            current = Organization.objects.select_for_update().get(pk=organization.pk)
            if current.version != expected_version:
                raise ConflictError(_("您编辑期间,该组织已被他人修改,您的修改没有保存。"))
            before = snapshot(current)
            for name, value in values.items():
                setattr(current, name, value)
            current.version += 1
            current.save()
            changes = diff(before, snapshot(current))
            if changes:
                log_change(actor=by, action=AuditAction.UPDATE, obj=current, changes=changes)
    except IntegrityError as exc:
        if values["uscc"] and Organization.objects.filter(uscc=values["uscc"]).exclude(pk=organization.pk).exists():
            raise _duplicate_uscc_error(str(values["uscc"])) from exc
        raise
    return current


def record_facts(
    *,
    by: User | None,
    organization: Organization,
    facts: FactsData,
    valid_from: dt.date | None = None,
    source: str = FactSource.EDIT,
) -> OrganizationFacts:
    """Open a new interval of census facts from ``valid_from``, closing the current one.

    Not for 注销: an organization is deregistered by :func:`deregister_organization` (a date, a
    reason, its coverage ended, and its caller closes the formation plans), so new figures saying
    注销 for an organization that is not deregistered are refused. Unchanged figures write
    nothing. A correction on the day the current interval started closes it with an empty
    interval rather than rewriting it, so the history shows both. A change moves the
    organization to a new version, like any edit: an import batch that touched it before can no
    longer be reverted, and a preview of a file made before is stale.
    """
    if by is not None:
        _require(by, Permission.EDIT_ORGANIZATIONS)
    return _record_facts(by=by, organization=organization, facts=facts, valid_from=valid_from, source=source)


def _record_facts(
    *,
    by: User | None,
    organization: Organization,
    facts: FactsData,
    valid_from: dt.date | None,
    source: str,
    deregistering: bool = False,
) -> OrganizationFacts:
    valid_from = valid_from or today()
    with transaction.atomic():
        locked = Organization.objects.select_for_update().only("pk", "version").get(pk=organization.pk)
        current = (
            OrganizationFacts.objects.select_for_update()
            .filter(organization=organization, valid_to__isnull=True)
            .first()
        )
        was_deregistered = current is not None and current.operating_status == OperatingStatus.DEREGISTERED
        if facts.operating_status == OperatingStatus.DEREGISTERED and not was_deregistered and not deregistering:
            raise ServiceError(
                _("注销请使用“注销”功能:填写注销日期和原因,党组织覆盖和组建方案随之结束。"), field="operating_status"
            )
        before = _facts_snapshot(current)
        new_row = OrganizationFacts(
            organization=organization, valid_from=valid_from, source=source, recorded_by=by, **asdict(facts)
        )
        after = _facts_snapshot(new_row)
        if current is not None:
            # Figures recorded over an interval known only from a registration list survey it,
            # even when they equal its placeholders.
            surveys = current.source == FactSource.REGISTRATION and source != FactSource.REGISTRATION
            if before == after and not surveys:
                return current
            if valid_from < current.valid_from:
                raise ServiceError(
                    _("起始日期不能早于现有数据的起始日期(%(date)s)。") % {"date": current.valid_from},
                    field="valid_from",
                )
            current.valid_to = valid_from
            current.save(update_fields=["valid_to"])
        new_row.save()
        locked.version += 1
        locked.save(update_fields=["version", "updated_at"])
        organization.version = locked.version
        log_change(
            actor=by,
            action=AuditAction.UPDATE,
            obj=organization,
            changes=diff(before, after) | {"valid_from": [None, valid_from.isoformat()]},
        )
    return new_row


def _end_open(queryset, on: dt.date) -> int:  # type: ignore[no-untyped-def]
    """Close every open interval of ``queryset`` on ``on`` (never before it started)."""
    ended = 0
    for row in queryset.filter(valid_to__isnull=True).select_for_update():
        row.valid_to = max(on, row.valid_from)
        row.save(update_fields=["valid_to"])
        ended += 1
    return ended


def deregister_organization(
    *, by: User, organization: Organization, on: dt.date | None = None, reason: str = ""
) -> Organization:
    """注销: the organization stays in the register with its history, its status becomes
    deregistered from ``on``, and party-organization coverage of it ends that day.

    The registry is the base layer and knows nothing of the apps built on it: the caller closes
    what they keep for the organization — ``formation.services.deregister_organization`` does this
    and closes its formation plans in the same transaction, and is what the pages call."""
    _require(by, Permission.EDIT_ORGANIZATIONS)
    on = on or today()
    with transaction.atomic():
        current = OrganizationFacts.objects.filter(organization=organization, valid_to__isnull=True).first()
        if current is not None and current.operating_status == OperatingStatus.DEREGISTERED:
            raise ServiceError(_("该组织已经注销。"))
        base = FactsData(**_facts_snapshot(current)) if current is not None else FactsData()  # type: ignore[arg-type]
        facts = FactsData(**(asdict(base) | {"operating_status": OperatingStatus.DEREGISTERED}))
        _record_facts(
            by=by, organization=organization, facts=facts, valid_from=on, source=FactSource.EDIT, deregistering=True
        )
        ended = _end_open(PartyOrganizationCoverage.objects.filter(organization=organization), on)
        log_change(
            actor=by,
            action=AuditAction.DEREGISTER,
            obj=organization,
            changes={"date": on.isoformat(), "reason": reason, "coverages_ended": ended},
        )
    return organization


def merge_organizations(*, by: User, keep: Organization, duplicate: Organization) -> Organization:
    """Two records of one organization: keep one, move the other's facts, members and
    party-organization links into it, and mark the duplicate as merged (never deleted).

    Facts are moved only where they do not overlap the kept record's own timeline: the kept
    record's figures win from its first interval on, older figures of the duplicate extend
    its history backwards.
    """
    _require(by, Permission.MERGE_ORGANIZATIONS)
    if keep.pk == duplicate.pk:
        raise ServiceError(_("不能把组织合并到它自己。"))
    on = today()
    with transaction.atomic():
        keep = Organization.objects.select_for_update().get(pk=keep.pk)
        duplicate = Organization.objects.select_for_update().get(pk=duplicate.pk)
        if keep.merged_into_id or duplicate.merged_into_id:
            raise ServiceError(_("已合并的记录不能再次合并。"))
        before_keep = snapshot(keep)

        first_of_keep = (
            OrganizationFacts.objects.filter(organization=keep)
            .order_by("valid_from")
            .values_list("valid_from", flat=True)
            .first()
        )
        moved_facts = 0
        for row in OrganizationFacts.objects.filter(organization=duplicate).order_by("valid_from"):
            if first_of_keep is None:
                row.organization = keep
            elif row.valid_from < first_of_keep:
                row.organization = keep
                if row.valid_to is None or row.valid_to > first_of_keep:
                    row.valid_to = first_of_keep
            else:
                continue
            row.save(update_fields=["organization", "valid_to"])
            moved_facts += 1

        moved_employments = Employment.objects.filter(organization=duplicate).update(organization=keep)

        moved_coverages = 0
        kept_party_orgs = set(
            PartyOrganizationCoverage.objects.filter(organization=keep, valid_to__isnull=True).values_list(
                "party_organization_id", flat=True
            )
        )
        for coverage in PartyOrganizationCoverage.objects.filter(organization=duplicate):
            if coverage.valid_to is None and coverage.party_organization_id in kept_party_orgs:
                coverage.valid_to = max(on, coverage.valid_from)
                coverage.save(update_fields=["valid_to"])
                continue
            coverage.organization = keep
            coverage.save(update_fields=["organization"])
            moved_coverages += 1

        if duplicate.name != keep.name and duplicate.name not in keep.former_names:
            keep.former_names = [*keep.former_names, duplicate.name]
        for name in duplicate.former_names:
            if name != keep.name and name not in keep.former_names:
                keep.former_names = [*keep.former_names, name]
        moved_uscc = None
        if duplicate.uscc and not keep.uscc:
            moved_uscc = duplicate.uscc
            duplicate.uscc = None
            duplicate.save(update_fields=["uscc"])
            keep.uscc = moved_uscc
        duplicate.merged_into = keep
        duplicate.version += 1
        duplicate.save(update_fields=["merged_into", "version", "uscc"])
        keep.version += 1
        keep.save()

        log_change(
            actor=by,
            action=AuditAction.MERGE,
            obj=keep,
            changes=diff(before_keep, snapshot(keep))
            | {
                "merged_from": [None, duplicate.pk],
                "moved_facts": [None, moved_facts],
                "moved_employments": [None, moved_employments],
                "moved_coverages": [None, moved_coverages],
            },
        )
        log_change(
            actor=by,
            action=AuditAction.MERGE,
            obj=duplicate,
            changes={"merged_into": [None, keep.pk], "uscc": [moved_uscc, None] if moved_uscc else [None, None]},
        )
    return keep


# --- Party organizations ---------------------------------------------------------------------


def create_party_organization(
    *,
    by: User | None,
    name: str,
    kind: str,
    formation_method: str,
    township: AdministrativeUnit,
    founded_on: dt.date,
    organizations: list[Organization],
    parent: PartyOrganization | None = None,
) -> PartyOrganization:
    if by is not None:
        _require(by, Permission.EDIT_ORGANIZATIONS)
        _require_township_in_scope(by, township)
    written = clean_name(name)
    if not written:
        raise ServiceError(_("党组织名称不能为空。"), field="name")
    with transaction.atomic():
        party_org = PartyOrganization.objects.create(
            name=written,
            name_normalized=normalize_name(written),
            kind=kind,
            formation_method=formation_method,
            township=township,
            parent=parent,
            founded_on=founded_on,
        )
        PartyOrganizationCoverage.objects.bulk_create(
            PartyOrganizationCoverage(party_organization=party_org, organization=org, valid_from=founded_on)
            for org in organizations
        )
        log_change(
            actor=by,
            action=AuditAction.CREATE,
            obj=party_org,
            changes=diff(None, snapshot(party_org)) | {"organizations": [None, [o.pk for o in organizations]]},
        )
    return party_org


def set_secretaries(*, by: User | None, assignments: Sequence[tuple[PartyOrganization, Member]]) -> None:
    """Name the secretary of each party organization (one audited update each, in one run)."""
    if by is not None:
        _require(by, Permission.EDIT_ORGANIZATIONS)
    with transaction.atomic():
        changes = []
        for party_org, member in assignments:
            changes.append((party_org, {"secretary": [party_org.secretary_id, member.pk]}))
            party_org.secretary = member
        PartyOrganization.objects.bulk_update([po for po, _m in assignments], ["secretary"])
        log_many(actor=by, action=AuditAction.UPDATE, entries=changes)


def dissolve_party_organization(
    *, by: User | None, party_organization: PartyOrganization, on: dt.date, reason: str
) -> PartyOrganization:
    """ "刚建了、又散了": the party organization is kept with its dissolution date and reason."""
    if by is not None:
        _require(by, Permission.EDIT_ORGANIZATIONS)
    if not reason.strip():
        raise ServiceError(_("撤销党组织须填写原因。"), field="dissolution_reason")
    if on < party_organization.founded_on:
        raise ServiceError(_("撤销日期不能早于成立日期。"), field="dissolved_on")
    with transaction.atomic():
        party_org = PartyOrganization.objects.select_for_update().get(pk=party_organization.pk)
        if party_org.dissolved_on is not None:
            raise ServiceError(_("该党组织已经撤销。"))
        before = snapshot(party_org)
        party_org.dissolved_on = on
        party_org.dissolution_reason = reason.strip()
        party_org.save(update_fields=["dissolved_on", "dissolution_reason"])
        ended = _end_open(PartyOrganizationCoverage.objects.filter(party_organization=party_org), on)
        log_change(
            actor=by,
            action=AuditAction.UPDATE,
            obj=party_org,
            changes=diff(before, snapshot(party_org)) | {"coverages_ended": [None, ended]},
        )
    return party_org


# --- Members ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberData:
    name: str
    id_number: str
    status: str
    admitted_on: dt.date
    full_membership_on: dt.date | None = None
    position: str = ""
    education: str = ""
    phone: str = ""


def identity_fields(citizen: CitizenId) -> dict[str, object]:
    """How a person's ID number is kept, wherever a person is: never in clear — the AES-GCM
    ciphertext, the keyed hash for exact lookup, the masked form every page shows — and the sex
    and birth date it carries (docs/personal-data.md)."""
    return {
        "id_number_encrypted": crypto.encrypt(citizen.number),
        "id_number_hash": crypto.keyed_hash(citizen.number),
        "id_number_masked": citizen.masked,
        "sex": citizen.sex,
        "birth_date": citizen.birth_date,
    }


def create_member(
    *,
    by: User | None,
    data: MemberData,
    party_organization: PartyOrganization | None,
    employer: Organization | None,
    as_of: dt.date | None = None,
) -> Member:
    if by is not None:
        _require(by, Permission.EDIT_ORGANIZATIONS)
    return _create_member(by=by, data=data, party_organization=party_organization, employer=employer, as_of=as_of)


def _create_member(
    *,
    by: User | None,
    data: MemberData,
    party_organization: PartyOrganization | None,
    employer: Organization | None,
    as_of: dt.date | None,
) -> Member:
    try:
        citizen = validate_citizen_id(data.id_number)
    except IdentifierError as exc:
        raise ServiceError(exc.message, field="id_number") from exc
    if data.status == MemberStatus.FULL and data.full_membership_on is None:
        raise ServiceError(_("正式党员须填写转正日期。"), field="full_membership_on")
    if data.status == MemberStatus.PROBATIONARY and data.full_membership_on is not None:
        raise ServiceError(_("预备党员不应有转正日期。"), field="full_membership_on")
    as_of = as_of or today()
    identity = identity_fields(citizen)
    if Member.objects.filter(id_number_hash=identity["id_number_hash"]).exists():
        raise ServiceError(_("公民身份号码 %(masked)s 已登记。") % {"masked": citizen.masked}, field="id_number")
    with transaction.atomic():
        member = Member.objects.create(
            name=" ".join(data.name.split()),
            **identity,
            status=data.status,
            admitted_on=data.admitted_on,
            full_membership_on=data.full_membership_on,
            position=data.position,
            education=data.education,
            phone=data.phone,
        )
        if party_organization is not None:
            PartyRelation.objects.create(member=member, party_organization=party_organization, valid_from=as_of)
        if employer is not None:
            Employment.objects.create(member=member, organization=employer, position=data.position, valid_from=as_of)
        log_change(
            actor=by,
            action=AuditAction.CREATE,
            obj=member,
            changes=diff(None, snapshot(member))
            | {
                "party_organization": [None, party_organization.pk if party_organization else None],
                "employer": [None, employer.pk if employer else None],
            },
        )
    return member


def admit_probationary_member(
    *,
    by: User,
    data: MemberData,
    party_organization: PartyOrganization,
    employer: Organization | None,
) -> Member:
    """A person developed by ``party_organization`` becomes a probationary member (预备党员) on
    ``data.admitted_on``: the member record, its relation with the party organization and its
    employment from that day (docs/member-development.md)."""
    _require(by, Permission.DEVELOP_MEMBERS)
    if data.status != MemberStatus.PROBATIONARY:
        raise ServiceError(_("接收的新党员应为预备党员。"), field="status")
    return _create_member(
        by=by, data=data, party_organization=party_organization, employer=employer, as_of=data.admitted_on
    )


def convert_to_full_member(*, by: User, member: Member, on: dt.date) -> Member:
    """A probationary member becomes a full member (转正) on ``on``; whether his probation is over
    is the development rules' decision, taken before this is called."""
    _require(by, Permission.DEVELOP_MEMBERS)
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        if member.status != MemberStatus.PROBATIONARY:
            raise ServiceError(_("只有预备党员可以转为正式党员。"))
        if on <= member.admitted_on:
            raise ServiceError(_("转正日期应晚于入党日期。"), field="on")
        before = snapshot(member)
        member.status = MemberStatus.FULL
        member.full_membership_on = on
        member.save(update_fields=["status", "full_membership_on", "updated_at"])
        log_change(actor=by, action=AuditAction.UPDATE, obj=member, changes=diff(before, snapshot(member)))
    return member


def change_employment(
    *, by: User, member: Member, organization: Organization | None, position: str = "", on: dt.date | None = None
) -> Employment | None:
    _require(by, Permission.EDIT_ORGANIZATIONS)
    on = on or today()
    with transaction.atomic():
        previous = Employment.objects.filter(member=member, valid_to__isnull=True).first()
        _end_open(Employment.objects.filter(member=member), on)
        new = None
        if organization is not None:
            new = Employment.objects.create(member=member, organization=organization, position=position, valid_from=on)
        log_change(
            actor=by,
            action=AuditAction.UPDATE,
            obj=member,
            changes={
                "employer": [previous.organization_id if previous else None, organization.pk if organization else None],
                "date": [None, on.isoformat()],
            },
        )
    return new


def change_relation(
    *, by: User, member: Member, party_organization: PartyOrganization | None, on: dt.date | None = None
) -> PartyRelation | None:
    _require(by, Permission.EDIT_ORGANIZATIONS)
    on = on or today()
    with transaction.atomic():
        previous = PartyRelation.objects.filter(member=member, valid_to__isnull=True).first()
        _end_open(PartyRelation.objects.filter(member=member), on)
        new = None
        if party_organization is not None:
            new = PartyRelation.objects.create(member=member, party_organization=party_organization, valid_from=on)
        log_change(
            actor=by,
            action=AuditAction.UPDATE,
            obj=member,
            changes={
                "party_organization": [
                    previous.party_organization_id if previous else None,
                    party_organization.pk if party_organization else None,
                ],
                "date": [None, on.isoformat()],
            },
        )
    return new


def reveal_id_number(*, by: User, member: Member, remote_addr: str | None = None) -> str:
    """The clear ID number, for a role allowed to see it; every reveal is audited (the audit
    record names the member, never the number)."""
    _require(by, Permission.VIEW_FULL_ID_NUMBER)
    if (
        by.scope_kind is ScopeKind.PARTY_ORGANIZATION
        and not PartyRelation.objects.filter(
            member=member, valid_to__isnull=True, party_organization_id=by.party_organization_id
        ).exists()
    ):
        raise ServiceError(_("只能查看本党组织党员的完整身份证号。"))
    with transaction.atomic():
        log_change(actor=by, action=AuditAction.VIEW_ID_NUMBER, obj=member, remote_addr=remote_addr)
    return crypto.decrypt(member.id_number_encrypted)


def may_reveal_id_number(*, user: User, member: Member) -> bool:
    """Whether ``reveal_id_number`` would answer for this user and member: decides if the
    button is shown. The service itself still checks, so a forged POST is refused the same."""
    if not user.can(Permission.VIEW_FULL_ID_NUMBER):
        return False
    if user.scope_kind is ScopeKind.PARTY_ORGANIZATION:
        return PartyRelation.objects.filter(
            member=member, valid_to__isnull=True, party_organization_id=user.party_organization_id
        ).exists()
    return True


def log_export(
    *,
    by: User,
    object_type: str,
    filters: dict[str, object],
    rows: int,
    file_format: str,
    remote_addr: str | None = None,
) -> None:
    """Every export leaves a trace: who took which rows out of the system, filtered how."""
    with transaction.atomic():
        log_change(
            actor=by,
            action=AuditAction.EXPORT,
            object_type=object_type,
            changes={"filters": filters, "rows": rows, "format": file_format},
            remote_addr=remote_addr,
        )
