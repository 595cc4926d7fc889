"""Writes of the talent pool: keyword-only, typed, one transaction each, audited in it.
Rules in ``docs/talent-pool.md``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission, ScopeKind
from liangxin.audit.models import AuditAction
from liangxin.audit.services import diff, log_change, snapshot
from liangxin.core import crypto
from liangxin.core.errors import ServiceError
from liangxin.core.text import clean_name, normalize_name
from liangxin.geo.models import AdministrativeUnit
from liangxin.registry import services as registry_services
from liangxin.registry.identifiers import IdentifierError, validate_citizen_id
from liangxin.registry.models import Member, Organization, PartyOrganization

from . import scoping
from .models import (
    AssignmentMethod,
    Availability,
    InstructorAssignment,
    ManagementRole,
    PoolEntry,
    Post,
    PostAssignment,
)


def _require_editor(user: User) -> None:
    if not user.can(Permission.EDIT_ORGANIZATIONS):
        raise ServiceError(_("您的角色无权进行此操作。"))


def _require_township(user: User, township: AdministrativeUnit) -> None:
    if user.scope_kind is ScopeKind.COUNTY:
        return
    if user.scope_kind is ScopeKind.TOWNSHIP and user.township_id == township.pk:
        return
    raise ServiceError(_("只能登记本乡镇的人才库人员。"), field="township")


def _require_entry(user: User, entry: PoolEntry) -> None:
    if not PoolEntry.objects.filter(scoping.entry_scope(user), pk=entry.pk).exists():
        raise ServiceError(_("该人员不在您的管理范围内。"))


@dataclass(frozen=True)
class EntryData:
    name: str
    township: AdministrativeUnit
    member: Member | None = None
    id_number: str = ""  # only for someone who is not a member
    skills: str = ""
    availability: str = Availability.PART_TIME


def _apply(entry: PoolEntry, data: EntryData, *, by: User) -> None:
    _require_township(by, data.township)
    if data.member is not None:
        if data.id_number:
            raise ServiceError(_("党员的身份证号已在党员信息中登记,无需再填。"), field="id_number")
        if not Member.objects.restrict(by).filter(pk=data.member.pk).exists():
            raise ServiceError(_("该党员不在您的管理范围内。"), field="member")
        taken = PoolEntry.objects.filter(member=data.member).exclude(pk=entry.pk).first()
        if taken is not None:
            raise ServiceError(_("该党员已在人才库中(%(name)s)。") % {"name": taken.name}, field="member")
        entry.id_number_encrypted, entry.id_number_hash, entry.id_number_masked = "", None, ""
        entry.birth_year = data.member.birth_date.year
    elif data.id_number:
        try:
            citizen = validate_citizen_id(data.id_number)
        except IdentifierError as exc:
            raise ServiceError(exc.message, field="id_number") from exc
        hashed = crypto.keyed_hash(citizen.number)
        if Member.objects.filter(id_number_hash=hashed).exists():
            raise ServiceError(_("此人是党员,请选择关联的党员,不要重复登记身份证号。"), field="id_number")
        if PoolEntry.objects.filter(id_number_hash=hashed).exclude(pk=entry.pk).exists():
            raise ServiceError(
                _("公民身份号码 %(masked)s 已在人才库中。") % {"masked": citizen.masked}, field="id_number"
            )
        entry.id_number_encrypted = crypto.encrypt(citizen.number)
        entry.id_number_hash, entry.id_number_masked = hashed, citizen.masked
        entry.birth_year = citizen.birth_date.year
    entry.member = data.member
    entry.name = clean_name(data.member.name if data.member is not None else data.name)
    if not entry.name:
        raise ServiceError(_("请填写姓名。"), field="name")
    entry.name_key = normalize_name(entry.name)
    entry.township = data.township
    entry.skills = data.skills
    entry.availability = data.availability


def add_entry(*, by: User, data: EntryData) -> PoolEntry:
    _require_editor(by)
    entry = PoolEntry()
    _apply(entry, data, by=by)
    with transaction.atomic():
        entry.save()
        log_change(actor=by, action=AuditAction.CREATE, obj=entry, changes=diff(None, snapshot(entry)))
    return entry


def update_entry(*, by: User, entry: PoolEntry, data: EntryData) -> PoolEntry:
    """Edit an entry; an entry from the census is complete once edited (its ID number kept when
    the form leaves it empty)."""
    _require_editor(by)
    _require_entry(by, entry)
    with transaction.atomic():
        entry = PoolEntry.objects.select_for_update().get(pk=entry.pk)
        before = snapshot(entry)
        _apply(entry, data, by=by)  # an empty ID field keeps the stored number (the form never shows it)
        entry.to_complete = False
        entry.save()
        log_change(actor=by, action=AuditAction.UPDATE, obj=entry, changes=diff(before, snapshot(entry)))
    return entry


def may_reveal_id_number(*, user: User, entry: PoolEntry) -> bool:
    if entry.member is not None:
        return registry_services.may_reveal_id_number(user=user, member=entry.member)
    return bool(entry.id_number_encrypted) and user.can(Permission.VIEW_FULL_ID_NUMBER)


def reveal_id_number(*, by: User, entry: PoolEntry, remote_addr: str | None = None) -> str:
    """The clear number, audited; a member's is the member's (revealed and audited by the register)."""
    if entry.member is not None:
        return registry_services.reveal_id_number(by=by, member=entry.member, remote_addr=remote_addr)
    if not by.can(Permission.VIEW_FULL_ID_NUMBER):
        raise ServiceError(_("您的角色无权进行此操作。"))
    _require_entry(by, entry)
    if not entry.id_number_encrypted:
        raise ServiceError(_("该人员未登记身份证号。"))
    with transaction.atomic():
        log_change(actor=by, action=AuditAction.VIEW_ID_NUMBER, obj=entry, remote_addr=remote_addr)
    return crypto.decrypt(entry.id_number_encrypted)


def _check_term(*, valid_from: dt.date, subsidy: Decimal | None, method: str) -> None:
    if subsidy is not None and subsidy <= 0:
        raise ServiceError(_("补贴金额必须大于0。"), field="subsidy")
    if method not in AssignmentMethod.values:
        raise ServiceError(_("请选择选派方式。"), field="method")


def _after_last_end(
    predecessors: QuerySet[InstructorAssignment] | QuerySet[PostAssignment], valid_from: dt.date
) -> None:
    """A successor starts on or after the day the last predecessor ended (an open one is refused before)."""
    ends = [end for end in predecessors.values_list("valid_to", flat=True) if end is not None]
    last_end = max(ends, default=None)
    if last_end is not None and valid_from < last_end:
        raise ServiceError(
            _("起始日期不能早于上一任的截止日期(%(date)s)。") % {"date": last_end.isoformat()}, field="valid_from"
        )


def assign_instructor(
    *,
    by: User,
    person: PoolEntry,
    organization: Organization,
    valid_from: dt.date,
    method: str,
    subsidy: Decimal | None = None,
) -> InstructorAssignment:
    """Send a pool entry to an organization as its party-building instructor. An organization has
    one instructor at a time: the current one is ended first (``end_assignment``)."""
    _require_editor(by)
    _require_entry(by, person)
    if not Organization.objects.restrict(by).filter(pk=organization.pk).exists():
        raise ServiceError(_("该组织不在您的管理范围内。"), field="organization")
    if person.availability == Availability.UNAVAILABLE:
        raise ServiceError(_("该人员暂不可派。"))
    _check_term(valid_from=valid_from, subsidy=subsidy, method=method)
    with transaction.atomic():
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
        current = InstructorAssignment.objects.filter(organization=organization, valid_to__isnull=True).first()
        if current is not None:
            raise ServiceError(
                _("该组织已有在任指导员 %(name)s,请先结束其任职。") % {"name": current.instructor_name},
                field="organization",
            )
        _after_last_end(InstructorAssignment.objects.filter(organization=organization), valid_from)
        assignment = InstructorAssignment(
            organization=organization,
            person=person,
            instructor_name=person.name,
            valid_from=valid_from,
            method=method,
            subsidy=subsidy,
        )
        try:
            with transaction.atomic():
                assignment.save()
        except IntegrityError as exc:  # another clerk assigned one in between
            raise ServiceError(_("该组织已有在任指导员,请刷新后重试。"), field="organization") from exc
        log_change(actor=by, action=AuditAction.CREATE, obj=assignment, changes=diff(None, snapshot(assignment)))
    return assignment


def assign_post(
    *,
    by: User,
    person: PoolEntry,
    party_organization: PartyOrganization,
    post: str,
    valid_from: dt.date,
    method: str,
    management_role: str = ManagementRole.NONE,
    subsidy: Decimal | None = None,
) -> PostAssignment:
    """A post in a party organization for a pool entry: secretary (one at a time) or committee
    member, with the person's place in management (一肩挑, 交叉任职, 双向进入)."""
    _require_editor(by)
    _require_entry(by, person)
    if not PartyOrganization.objects.restrict(by).filter(pk=party_organization.pk).exists():
        raise ServiceError(_("该党组织不在您的管理范围内。"), field="party_organization")
    if party_organization.dissolved_on is not None:
        raise ServiceError(_("该党组织已撤销。"), field="party_organization")
    if post not in Post.values:
        raise ServiceError(_("请选择职务。"), field="post")
    if management_role not in ManagementRole.values:
        raise ServiceError(_("请选择在管理层的职务。"), field="management_role")
    _check_term(valid_from=valid_from, subsidy=subsidy, method=method)
    with transaction.atomic():
        PartyOrganization.objects.select_for_update().filter(pk=party_organization.pk).first()
        open_posts = PostAssignment.objects.filter(party_organization=party_organization, valid_to__isnull=True)
        if open_posts.filter(person=person).exists():
            raise ServiceError(_("此人已在该党组织任职。"), field="party_organization")
        if post == Post.SECRETARY:
            current = open_posts.filter(post=Post.SECRETARY).select_related("person").first()
            if current is not None:
                raise ServiceError(
                    _("该党组织已有在任书记 %(name)s,请先结束其任职。") % {"name": current.person.name},
                    field="party_organization",
                )
            _after_last_end(
                PostAssignment.objects.filter(party_organization=party_organization, post=Post.SECRETARY), valid_from
            )
        assignment = PostAssignment(
            party_organization=party_organization,
            person=person,
            post=post,
            management_role=management_role,
            valid_from=valid_from,
            method=method,
            subsidy=subsidy,
        )
        try:
            with transaction.atomic():
                assignment.save()
        except IntegrityError as exc:
            raise ServiceError(_("该党组织的任职已变化,请刷新后重试。"), field="party_organization") from exc
        log_change(actor=by, action=AuditAction.CREATE, obj=assignment, changes=diff(None, snapshot(assignment)))
    return assignment


def end_assignment(
    *, by: User, assignment: InstructorAssignment | PostAssignment, valid_to: dt.date, reason: str
) -> InstructorAssignment | PostAssignment:
    """End an open assignment on ``valid_to`` (the first day it no longer holds), with the reason."""
    _require_editor(by)
    model = type(assignment)
    in_scope = (
        scoping.instructor_assignments_in_scope(by)
        if model is InstructorAssignment
        else scoping.post_assignments_in_scope(by)
    )
    if not in_scope.filter(pk=assignment.pk).exists():
        raise ServiceError(_("该任职不在您的管理范围内。"))
    reason = reason.strip()
    if not reason:
        raise ServiceError(_("请填写结束原因。"), field="reason")
    with transaction.atomic():
        assignment = model.objects.select_for_update().get(pk=assignment.pk)
        if assignment.valid_to is not None:
            raise ServiceError(_("该任职已结束。"))
        if valid_to < assignment.valid_from:
            raise ServiceError(
                _("结束日期不能早于起始日期(%(date)s)。") % {"date": assignment.valid_from.isoformat()},
                field="valid_to",
            )
        before = snapshot(assignment)
        assignment.valid_to, assignment.end_reason = valid_to, reason
        assignment.save(update_fields=["valid_to", "end_reason"])
        log_change(actor=by, action=AuditAction.UPDATE, obj=assignment, changes=diff(before, snapshot(assignment)))
    return assignment
