"""Writes of member development. Keyword-only, typed, one transaction each, every change audited.

Whether a step or a stage may be recorded is decided by ``pipeline`` (the rules); these functions
ask it and refuse with its reasons. Admission and conversion change the register through
``registry.services`` — the register stays the one home of membership."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission
from liangxin.audit.models import AuditAction
from liangxin.audit.services import diff, log_change, snapshot
from liangxin.core import crypto
from liangxin.core.dates import today
from liangxin.core.errors import ServiceError
from liangxin.registry import services as registry
from liangxin.registry.choices import MemberStatus
from liangxin.registry.identifiers import IdentifierError, validate_citizen_id
from liangxin.registry.models import Member, Organization, PartyOrganization

from . import pipeline
from .models import (
    STAGE_FIELDS,
    DevelopmentFile,
    DevelopmentStep,
    Recommendation,
    RecommendationKind,
    RecommendationResult,
    WorkRole,
)
from .selectors import rules_in_force


def _require(user: User) -> None:
    if not user.can(Permission.DEVELOP_MEMBERS):
        raise ServiceError(_("您的角色无权进行此操作。"))


def _not_in_future(on: dt.date, field: str) -> None:
    if on > today():
        raise ServiceError(_("日期不能晚于今天。"), field=field)


def _party_organization_in_scope(by: User, party_organization: PartyOrganization) -> None:
    if not PartyOrganization.objects.restrict(by).filter(pk=party_organization.pk, dissolved_on__isnull=True).exists():
        raise ServiceError(_("只能由本人管辖范围内、未撤销的党组织培养。"), field="party_organization")


def _organization_in_scope(by: User, organization: Organization | None) -> None:
    if organization is not None and not Organization.objects.restrict(by).filter(pk=organization.pk).exists():
        raise ServiceError(_("工作单位不在您的管辖范围内。"), field="organization")


def _refuse(problems: list[str], field: str) -> None:
    if problems:
        raise ServiceError(" ".join(problems), field=field)


@dataclass(frozen=True)
class ApplicationData:
    name: str
    id_number: str
    party_organization: PartyOrganization
    applied_on: dt.date
    organization: Organization | None = None
    work_role: str = WorkRole.OTHER
    position: str = ""
    phone: str = ""


def open_application(*, by: User, data: ApplicationData) -> DevelopmentFile:
    """A person hands in his application (递交入党申请书): his file opens at the first stage."""
    _require(by)
    _party_organization_in_scope(by, data.party_organization)
    _organization_in_scope(by, data.organization)
    _not_in_future(data.applied_on, "applied_on")
    try:
        citizen = validate_citizen_id(data.id_number)
    except IdentifierError as exc:
        raise ServiceError(exc.message, field="id_number") from exc
    identity = registry.identity_fields(citizen)
    id_hash = identity["id_number_hash"]
    if Member.objects.filter(id_number_hash=id_hash).exists():
        raise ServiceError(_("公民身份号码 %(masked)s 已是党员。") % {"masked": citizen.masked}, field="id_number")
    if DevelopmentFile.objects.filter(id_number_hash=id_hash).exists():
        raise ServiceError(_("公民身份号码 %(masked)s 已有发展档案。") % {"masked": citizen.masked}, field="id_number")
    rules = rules_in_force(on=data.applied_on)
    empty = pipeline.Record(stages={}, steps={})
    _refuse(
        pipeline.entry_problems(
            empty, pipeline.Stage.APPLICANT, data.applied_on, birth=citizen.birth_date, rules=rules
        ),
        "applied_on",
    )
    with transaction.atomic():
        file = DevelopmentFile.objects.create(
            name=" ".join(data.name.split()),
            **identity,
            party_organization=data.party_organization,
            organization=data.organization,
            work_role=data.work_role,
            position=data.position,
            phone=data.phone,
            applied_on=data.applied_on,
            created_by=by,
        )
        log_change(actor=by, action=AuditAction.CREATE, obj=file, changes=diff(None, snapshot(file)))
    return file


def open_member_file(
    *,
    by: User,
    member: Member,
    party_organization: PartyOrganization,
    applied_on: dt.date,
    organization: Organization | None = None,
    work_role: str = WorkRole.OTHER,
) -> DevelopmentFile:
    """The development file of someone already in the register (his paper file entered later):
    linked to the member record, which keeps the one copy of his ID number. Its steps and stages
    are then recorded like anyone's, and must agree with the member's dates."""
    _require(by)
    _party_organization_in_scope(by, party_organization)
    _organization_in_scope(by, organization)
    if not Member.objects.restrict(by).filter(pk=member.pk).exists():
        raise ServiceError(_("该党员不在您的管辖范围内。"), field="member")
    if DevelopmentFile.objects.filter(member=member).exists():
        raise ServiceError(_("该党员已有发展档案。"), field="member")
    if applied_on >= member.admitted_on:
        raise ServiceError(_("递交入党申请日期应早于入党日期。"), field="applied_on")
    rules = rules_in_force(on=applied_on)
    empty = pipeline.Record(stages={}, steps={})
    _refuse(
        pipeline.entry_problems(empty, pipeline.Stage.APPLICANT, applied_on, birth=member.birth_date, rules=rules),
        "applied_on",
    )
    with transaction.atomic():
        file = DevelopmentFile.objects.create(
            name=member.name,
            sex=member.sex,
            birth_date=member.birth_date,
            party_organization=party_organization,
            organization=organization,
            work_role=work_role,
            position=member.position,
            phone=member.phone,
            member=member,
            applied_on=applied_on,
            created_by=by,
        )
        log_change(actor=by, action=AuditAction.CREATE, obj=file, changes=diff(None, snapshot(file)))
    return file


def _locked(by: User, file: DevelopmentFile) -> DevelopmentFile:
    """The file, locked, if it is in the user's scope (a secretary works on his own only)."""
    # Only the file's row is locked: PostgreSQL refuses FOR UPDATE on the nullable side of the
    # outer join to the member.
    found = DevelopmentFile.objects.restrict(by).select_for_update(of=("self",)).select_related("member")
    found = found.filter(pk=file.pk)
    locked = found.first()
    if locked is None:
        raise ServiceError(_("该发展档案不在您的管辖范围内。"))
    return locked


def record_step(
    *, by: User, file: DevelopmentFile, step: pipeline.Step, on: dt.date, note: str = "", months: int = 0
) -> DevelopmentStep:
    """A step of the development done on ``on`` (the talk, the training, the branch meeting...)."""
    _require(by)
    _not_in_future(on, "done_on")
    with transaction.atomic():
        file = _locked(by, file)
        record = file.record()
        _refuse(
            pipeline.step_problems(record, step, on, rules=rules_in_force(on=file.applied_on), months=months), "done_on"
        )
        row = DevelopmentStep.objects.create(
            file=file, kind=step.value, done_on=on, months=months, note=note.strip(), recorded_by=by
        )
        log_change(
            actor=by,
            action=AuditAction.UPDATE,
            obj=file,
            changes={"step": [None, step.value], "done_on": [None, on.isoformat()], "months": [None, months]},
        )
    return row


def enter_stage(*, by: User, file: DevelopmentFile, stage: pipeline.Stage, on: dt.date) -> DevelopmentFile:
    """The person enters the next stage on ``on``. Admission (预备党员) writes the member record,
    its relation and employment through the register's service; conversion (正式党员) changes the
    member's status there too."""
    _require(by)
    _not_in_future(on, "on")
    with transaction.atomic():
        file = _locked(by, file)
        record = file.record()
        rules = rules_in_force(on=file.applied_on)
        _refuse(pipeline.entry_problems(record, stage, on, birth=file.birth_date, rules=rules), "on")
        before = snapshot(file)
        if stage is pipeline.Stage.PROBATIONARY:
            _admit(by=by, file=file, on=on)
        elif stage is pipeline.Stage.FULL:
            _convert(by=by, file=file, on=on)
        setattr(file, STAGE_FIELDS[stage], on)
        file.save()
        log_change(actor=by, action=AuditAction.UPDATE, obj=file, changes=diff(before, snapshot(file)))
    return file


def _admit(*, by: User, file: DevelopmentFile, on: dt.date) -> None:
    if file.member is not None:
        # A member's file entered later: the register already holds his admission.
        if file.member.admitted_on != on:
            raise ServiceError(
                _("与党员档案的入党日期(%(day)s)不一致。") % {"day": file.member.admitted_on.isoformat()}, field="on"
            )
        return
    member = registry.admit_probationary_member(
        by=by,
        data=registry.MemberData(
            name=file.name,
            id_number=crypto.decrypt(file.id_number_encrypted),
            status=MemberStatus.PROBATIONARY,
            admitted_on=on,
            position=file.position,
            phone=file.phone,
        ),
        party_organization=file.party_organization,
        employer=file.organization,
    )
    # From now on the member record holds the ID number: the file keeps no second copy.
    file.member = member
    file.id_number_encrypted = ""
    file.id_number_hash = None
    file.id_number_masked = ""


def _convert(*, by: User, file: DevelopmentFile, on: dt.date) -> None:
    member = file.member
    assert member is not None  # the database refuses a probationary stage without a member
    if member.status == MemberStatus.FULL:
        if member.full_membership_on != on:
            raise ServiceError(
                _("与党员档案的转正日期(%(day)s)不一致。") % {"day": member.full_membership_on}, field="on"
            )
        return
    registry.convert_to_full_member(by=by, member=member, on=on)


def reveal_id_number(*, by: User, file: DevelopmentFile, remote_addr: str | None = None) -> str:
    """The clear ID number, audited; an admitted person's is the member record's."""
    if file.member is not None:
        return registry.reveal_id_number(by=by, member=file.member, remote_addr=remote_addr)
    if not by.can(Permission.VIEW_FULL_ID_NUMBER):
        raise ServiceError(_("您的角色无权查看完整身份证号。"))
    if not DevelopmentFile.objects.restrict(by).filter(pk=file.pk).exists():
        raise ServiceError(_("只能查看本人管辖范围内的完整身份证号。"))
    with transaction.atomic():
        log_change(actor=by, action=AuditAction.VIEW_ID_NUMBER, obj=file, remote_addr=remote_addr)
    return crypto.decrypt(file.id_number_encrypted)


# --- The three recommendations -----------------------------------------------------------------


@dataclass(frozen=True)
class RecommendationData:
    kind: str
    party_organization: PartyOrganization
    recommender: str
    organization: Organization
    recommended_on: dt.date
    member: Member | None = None
    file: DevelopmentFile | None = None
    note: str = ""


def recommend(*, by: User, data: RecommendationData) -> Recommendation:
    _require(by)
    _party_organization_in_scope(by, data.party_organization)
    _organization_in_scope(by, data.organization)
    _not_in_future(data.recommended_on, "recommended_on")
    if not data.recommender.strip():
        raise ServiceError(_("请填写推荐人。"), field="recommender")
    if data.kind == RecommendationKind.EMPLOYEE_TO_PARTY:
        if data.file is None or data.member is not None:
            raise ServiceError(_("推荐入党的应是已递交入党申请的员工(发展档案)。"), field="file")
        if not DevelopmentFile.objects.restrict(by).filter(pk=data.file.pk).exists():
            raise ServiceError(_("该发展档案不在您的管辖范围内。"), field="file")
    else:
        if data.member is None or data.file is not None:
            raise ServiceError(_("此类推荐的对象应是党员。"), field="member")
        if not Member.objects.restrict(by).filter(pk=data.member.pk).exists():
            raise ServiceError(_("该党员不在您的管辖范围内。"), field="member")
    with transaction.atomic():
        row = Recommendation.objects.create(
            kind=data.kind,
            party_organization=data.party_organization,
            recommender=data.recommender.strip(),
            member=data.member,
            file=data.file,
            organization=data.organization,
            recommended_on=data.recommended_on,
            note=data.note.strip(),
            recorded_by=by,
        )
        log_change(actor=by, action=AuditAction.CREATE, obj=row, changes=diff(None, snapshot(row)))
    return row


def record_recommendation_result(
    *, by: User, recommendation: Recommendation, result: str, on: dt.date, note: str = ""
) -> Recommendation:
    _require(by)
    _not_in_future(on, "result_on")
    if result not in (RecommendationResult.ACCEPTED, RecommendationResult.DECLINED):
        raise ServiceError(_("请选择推荐结果。"), field="result")
    with transaction.atomic():
        row = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
        if row.result != RecommendationResult.PENDING:
            raise ServiceError(_("该推荐已有结果。"))
        if on < row.recommended_on:
            raise ServiceError(_("结果日期不能早于推荐日期。"), field="result_on")
        before = snapshot(row)
        row.result, row.result_on, row.result_note = result, on, note.strip()
        row.save(update_fields=["result", "result_on", "result_note"])
        log_change(actor=by, action=AuditAction.UPDATE, obj=row, changes=diff(before, snapshot(row)))
    return row
