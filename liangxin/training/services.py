"""Writes of training records: keyword-only, typed, one transaction each, audited in it.

A training is recorded by the unit that holds it (``scoping.may_keep``): the county administrator
for the county, a township clerk for his township, a department clerk for his department; the
unit comes from the account, never from the request. Attendees are added to a training the user
keeps, each from the user's scope (a party organization's secretary, a member, an organization's
owner, or a named person of a township the user may name).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Role, ScopeKind
from liangxin.audit.models import AuditAction
from liangxin.audit.services import diff, log_change, log_many, snapshot
from liangxin.core.errors import ServiceError
from liangxin.geo.models import AdministrativeUnit
from liangxin.registry import selectors as registry_selectors
from liangxin.registry.models import Member, Organization, PartyOrganization

from . import rules
from .models import Attendance, AttendeeKind, Training, TrainingRuleVersion
from .scoping import kept_scope, may_keep

MAX_HOURS = Decimal(1000)


def _require_keeper(user: User) -> None:
    if not may_keep(user):
        raise ServiceError(_("您的角色无权录入培训。"))


def _require_kept(user: User, training: Training) -> None:
    _require_keeper(user)
    if not Training.objects.filter(kept_scope(user), pk=training.pk).exists():
        raise ServiceError(_("这次培训不是您所在单位举办的,不能修改。"))


@dataclass(frozen=True)
class TrainingData:
    title: str
    starts_on: dt.date
    ends_on: dt.date
    hours: Decimal
    organizer: str
    location: str = ""


def _check_training(data: TrainingData) -> None:
    if not data.title.strip():
        raise ServiceError(_("请填写培训名称。"), field="title")
    if not data.organizer.strip():
        raise ServiceError(_("请填写主办单位。"), field="organizer")
    if data.ends_on < data.starts_on:
        raise ServiceError(_("结束日期不能早于开始日期。"), field="ends_on")
    if not Decimal(0) < data.hours <= MAX_HOURS:
        raise ServiceError(_("学时须大于0、不超过1000。"), field="hours")


def create_training(*, by: User, data: TrainingData) -> Training:
    _require_keeper(by)
    _check_training(data)
    holder: dict[str, object] = {}
    if by.scope_kind is ScopeKind.TOWNSHIP:
        holder["township_id"] = by.township_id
    elif by.scope_kind is ScopeKind.DEPARTMENT:
        holder["department_id"] = by.department_id
    with transaction.atomic():
        training = Training.objects.create(
            title=data.title.strip(),
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            hours=data.hours,
            organizer=data.organizer.strip(),
            location=data.location.strip(),
            created_by=by,
            **holder,
        )
        log_change(actor=by, action=AuditAction.CREATE, obj=training, changes=diff(None, snapshot(training)))
    return training


@dataclass(frozen=True)
class AttendeeData:
    kind: str
    party_organization: PartyOrganization | None = None
    member: Member | None = None
    organization: Organization | None = None
    name: str = ""  # the owner's or the named person's; a secretary's and a member's come from the register
    township: AdministrativeUnit | None = None  # a named person's


def _member_township(member: Member) -> int | None:
    relation = registry_selectors.current_relation(member=member)
    if relation is not None:
        return relation.party_organization.township_id
    employment = registry_selectors.current_employment(member=member)
    return employment.organization.township_id if employment is not None else None


@dataclass(frozen=True)
class _InScope:
    """Which of the attendees' party organizations (with their secretaries), members and
    organizations lie in the user's scope: three queries for a list of any length."""

    secretaries: dict[int, Member | None]
    members: set[int]
    organizations: set[int]

    @classmethod
    def of(cls, by: User, attendees: Sequence[AttendeeData]) -> _InScope:
        def ids(attribute: str) -> list[int]:
            return [getattr(d, attribute).pk for d in attendees if getattr(d, attribute) is not None]

        party_orgs = PartyOrganization.objects.restrict(by).filter(pk__in=ids("party_organization"))
        return cls(
            secretaries={po.pk: po.secretary for po in party_orgs.select_related("secretary")},
            members=set(Member.objects.restrict(by).filter(pk__in=ids("member")).values_list("pk", flat=True)),
            organizations=set(
                Organization.objects.restrict(by).filter(pk__in=ids("organization")).values_list("pk", flat=True)
            ),
        )


def _attendance(by: User, training: Training, data: AttendeeData, in_scope: _InScope) -> Attendance:
    """The row for one attendee, checked against the user's scope; not saved."""
    name = data.name.strip()
    if data.kind == AttendeeKind.SECRETARY:
        party_org = data.party_organization
        if party_org is None or party_org.pk not in in_scope.secretaries:
            raise ServiceError(_("请选择您管理范围内的党组织。"), field="party_organization")
        secretary = in_scope.secretaries[party_org.pk]
        name = secretary.name if secretary is not None else name
        if not name:
            raise ServiceError(_("该党组织未登记书记,请填写参训书记的姓名。"), field="name")
        return Attendance(
            training=training,
            kind=data.kind,
            party_organization=party_org,
            member=secretary,
            name=name,
            township_id=party_org.township_id,
            recorded_by=by,
        )
    if data.kind == AttendeeKind.MEMBER:
        member = data.member
        if member is None or member.pk not in in_scope.members:
            raise ServiceError(_("请选择您管理范围内的党员。"), field="member")
        township_id = _member_township(member) or by.township_id
        if township_id is None:
            raise ServiceError(_("该党员没有所在党组织或工作单位,无法确定所属乡镇。"), field="member")
        return Attendance(
            training=training, kind=data.kind, member=member, name=member.name, township_id=township_id, recorded_by=by
        )
    if data.kind == AttendeeKind.OWNER:
        organization = data.organization
        if organization is None or organization.pk not in in_scope.organizations:
            raise ServiceError(_("请选择您管理范围内的两新组织。"), field="organization")
        return Attendance(
            training=training,
            kind=data.kind,
            organization=organization,
            name=name or organization.contact_person or _("业主"),
            township_id=organization.township_id,
            recorded_by=by,
        )
    if data.kind == AttendeeKind.NAMED:
        if not name:
            raise ServiceError(_("请填写参训人员姓名。"), field="name")
        township = data.township
        if township is None and by.scope_kind is ScopeKind.TOWNSHIP:
            township = by.township
        if township is None or not registry_selectors.townships_for(user=by).filter(pk=township.pk).exists():
            raise ServiceError(_("请选择参训人员所属的乡镇(街道)。"), field="township")
        return Attendance(training=training, kind=data.kind, name=name, township=township, recorded_by=by)
    raise ServiceError(_("请选择参训身份。"), field="kind")


def _key(row: Attendance) -> tuple[str, int | None] | None:  # None: found by its member, if any
    if row.kind == AttendeeKind.SECRETARY:
        return ("po", row.party_organization_id)
    if row.kind == AttendeeKind.OWNER:
        return ("org", row.organization_id)
    return None


def add_attendees(*, by: User, training: Training, attendees: Sequence[AttendeeData]) -> list[Attendance]:
    """Add every attendee or none: each is checked (scope, the register link, not already in the
    training) before anything is written."""
    _require_kept(by, training)
    in_scope = _InScope.of(by, attendees)
    rows = [_attendance(by, training, data, in_scope) for data in attendees]
    existing = Attendance.objects.filter(training=training)
    taken_keys: set[tuple[str, int | None]] = {
        ("po", po)
        for po in existing.filter(kind=AttendeeKind.SECRETARY).values_list("party_organization_id", flat=True)
    }
    taken_keys |= {
        ("org", o) for o in existing.filter(kind=AttendeeKind.OWNER).values_list("organization_id", flat=True)
    }
    taken_members = set(existing.filter(member__isnull=False).values_list("member_id", flat=True))
    for row in rows:
        key = _key(row)
        if (key is not None and key in taken_keys) or (row.member_id is not None and row.member_id in taken_members):
            raise ServiceError(_("%(name)s已在这次培训的参训名单中。") % {"name": row.name})
        if key is not None:
            taken_keys.add(key)
        if row.member_id is not None:
            taken_members.add(row.member_id)
    with transaction.atomic():
        Attendance.objects.bulk_create(rows, batch_size=500)
        log_many(actor=by, action=AuditAction.CREATE, entries=[(row, diff(None, snapshot(row))) for row in rows])
    return rows


def remove_attendee(*, by: User, attendance: Attendance) -> None:
    _require_kept(by, attendance.training)
    with transaction.atomic():
        before = snapshot(attendance)
        log_change(actor=by, action=AuditAction.DELETE, obj=attendance, changes=diff(before, None))
        attendance.delete()


@dataclass(frozen=True)
class RuleData:
    name: str
    effective_from: dt.date
    source: str
    secretary_times: int
    party_worker_times: int
    owner_times: int
    notes: str = ""


def create_rule_version(*, by: User, data: RuleData) -> TrainingRuleVersion:
    """A new version of the yearly rules (county administrator only); earlier versions stay."""
    if not (by.is_active and by.role == Role.COUNTY_ADMIN):
        raise ServiceError(_("只有县级管理员可以制定培训要求。"))
    times = {
        rules.SECRETARY: data.secretary_times,
        rules.PARTY_WORKER: data.party_worker_times,
        rules.OWNER: data.owner_times,
    }
    problems = rules.rules_problems(times)
    if problems:
        raise ServiceError(";".join(problems))
    if not data.name.strip():
        raise ServiceError(_("请填写版本名称。"), field="name")
    if TrainingRuleVersion.objects.filter(name=data.name.strip()).exists():
        raise ServiceError(_("已有同名的培训要求版本。"), field="name")
    if TrainingRuleVersion.objects.filter(effective_from=data.effective_from).exists():
        raise ServiceError(_("这一天已有生效的培训要求版本。"), field="effective_from")
    with transaction.atomic():
        version = TrainingRuleVersion.objects.create(
            name=data.name.strip(),
            effective_from=data.effective_from,
            source=data.source.strip(),
            notes=data.notes.strip(),
            secretary_times=data.secretary_times,
            party_worker_times=data.party_worker_times,
            owner_times=data.owner_times,
            created_by=by,
        )
        log_change(actor=by, action=AuditAction.CREATE, obj=version, changes=diff(None, snapshot(version)))
    return version
