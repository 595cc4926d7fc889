"""Writes of liaison points, visits, demonstration points and joint-meeting units: keyword-only,
typed, one transaction each, audited in it.

Liaison points and their visits are kept by the county administrator (every point) and by township
clerks (their township party committee's points, at their township's organizations); demonstration
points and the joint meeting's units by the county administrator alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from liangxin.accounts.access import LIAISON_KEEPERS
from liangxin.accounts.models import User
from liangxin.accounts.roles import Role, ScopeKind
from liangxin.audit.models import AuditAction
from liangxin.audit.services import diff, log_change, snapshot
from liangxin.core.errors import ServiceError
from liangxin.geo.models import Department
from liangxin.registry.models import Organization

from .models import DemonstrationPoint, JointMeetingUnit, LiaisonPoint, Visit
from .selectors import kept_points_scope


def _require_county_admin(user: User) -> None:
    if not (user.is_active and user.role == Role.COUNTY_ADMIN):
        raise ServiceError(_("只有县级管理员可以进行此操作。"))


def _in_scope(user: User, organization: Organization) -> None:
    if not Organization.objects.restrict(user).filter(pk=organization.pk).exists():
        raise ServiceError(_("该两新组织不在您的管理范围内。"), field="organization")


def _create(by: User, row: LiaisonPoint | Visit | DemonstrationPoint | JointMeetingUnit) -> None:
    row.save()
    log_change(actor=by, action=AuditAction.CREATE, obj=row, changes=diff(None, snapshot(row)))


@dataclass(frozen=True)
class PointData:
    leader_name: str
    leader_position: str
    organization: Organization
    started_on: dt.date
    notes: str = ""


def create_point(*, by: User, data: PointData) -> LiaisonPoint:
    if not (by.is_active and by.role in LIAISON_KEEPERS):
        raise ServiceError(_("您的角色无权建立联系点。"))
    _in_scope(by, data.organization)
    leader = data.leader_name.strip()
    if not leader:
        raise ServiceError(_("请填写联系领导的姓名。"), field="leader_name")
    if LiaisonPoint.objects.filter(leader_name=leader, organization=data.organization, ended_on__isnull=True).exists():
        raise ServiceError(_("%(leader)s已联系这个两新组织。") % {"leader": leader}, field="organization")
    point = LiaisonPoint(
        leader_name=leader,
        leader_position=data.leader_position.strip(),
        organization=data.organization,
        township_id=by.township_id if by.scope_kind is ScopeKind.TOWNSHIP else None,
        started_on=data.started_on,
        notes=data.notes.strip(),
        created_by=by,
    )
    with transaction.atomic():
        _create(by, point)
    return point


@dataclass(frozen=True)
class VisitData:
    visited_on: dt.date
    visitors: str
    activity: str


def record_visit(*, by: User, point: LiaisonPoint, data: VisitData) -> Visit:
    if not LiaisonPoint.objects.filter(kept_points_scope(by), pk=point.pk).exists():
        raise ServiceError(_("这个联系点不由您所在单位管理,不能记录走访。"))
    if data.visited_on < point.started_on:
        raise ServiceError(
            _("走访日期不能早于联系点建立日期(%(date)s)。") % {"date": f"{point.started_on:%Y-%m-%d}"},
            field="visited_on",
        )
    if point.ended_on is not None and data.visited_on > point.ended_on:
        raise ServiceError(_("联系点已于 %(date)s 结束。") % {"date": f"{point.ended_on:%Y-%m-%d}"}, field="visited_on")
    if not data.visitors.strip() or not data.activity.strip():
        raise ServiceError(_("请填写参加人员和开展的工作。"))
    visit = Visit(
        point=point,
        visited_on=data.visited_on,
        visitors=data.visitors.strip(),
        activity=data.activity.strip(),
        recorded_by=by,
    )
    with transaction.atomic():
        _create(by, visit)
    return visit


@dataclass(frozen=True)
class DemonstrationData:
    year: int
    organization: Organization
    reason: str
    named_by: str


def name_demonstration_point(*, by: User, data: DemonstrationData) -> DemonstrationPoint:
    _require_county_admin(by)
    _in_scope(by, data.organization)
    if not data.reason.strip():
        raise ServiceError(_("请填写命名理由。"), field="reason")
    if DemonstrationPoint.objects.filter(year=data.year, organization=data.organization).exists():
        raise ServiceError(_("该组织已是%(year)s年度的示范点。") % {"year": data.year}, field="organization")
    point = DemonstrationPoint(
        year=data.year,
        organization=data.organization,
        reason=data.reason.strip(),
        named_by=data.named_by.strip(),
        created_by=by,
    )
    with transaction.atomic():
        _create(by, point)
    return point


@dataclass(frozen=True)
class JointUnitData:
    department: Department
    duties: str
    is_lead: bool = False
    contact_person: str = ""
    contact_phone: str = ""


def save_joint_unit(*, by: User, data: JointUnitData) -> JointMeetingUnit:
    """Add a department to the joint meeting, or change its duties and contact."""
    _require_county_admin(by)
    if not data.duties.strip():
        raise ServiceError(_("请填写该单位的职责。"), field="duties")
    values = {
        "duties": data.duties.strip(),
        "is_lead": data.is_lead,
        "contact_person": data.contact_person.strip(),
        "contact_phone": data.contact_phone.strip(),
    }
    with transaction.atomic():
        unit = JointMeetingUnit.objects.select_for_update().filter(department=data.department).first()
        if unit is None:
            unit = JointMeetingUnit(department=data.department, updated_by=by, **values)
            _create(by, unit)
            return unit
        before = snapshot(unit)
        for name, value in values.items():
            setattr(unit, name, value)
        unit.updated_by = by
        unit.save()
        log_change(actor=by, action=AuditAction.UPDATE, obj=unit, changes=diff(before, snapshot(unit)))
    return unit
