"""Writes of standardization and the five-goods assessment: keyword-only, typed, one transaction,
audited. The rules: ``docs/standardization.md`` (pure parts in ``rules``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission, Role
from liangxin.audit.models import AuditAction
from liangxin.audit.services import diff, log_change, snapshot
from liangxin.core.dates import today
from liangxin.core.errors import ServiceError
from liangxin.registry.models import PartyOrganization
from liangxin.registry.scoping import party_organization_scope
from liangxin.security import evidence as evidence_files

from . import rules
from .models import ChecklistItem, Evidence, FiveGoodsAssessment
from .selectors import policy_on


def _require(by: User, permission: Permission) -> None:
    if not by.can(permission):
        raise ServiceError(_("您的角色无权进行此操作。"))


def _in_scope(by: User, party_organization: PartyOrganization) -> None:
    if not PartyOrganization.objects.filter(party_organization_scope(by), pk=party_organization.pk).exists():
        raise ServiceError(_("该党组织不在您的管辖范围内。"))


def _existing(party_organization: PartyOrganization) -> None:
    if party_organization.dissolved_on is not None:
        raise ServiceError(_("党组织已撤销。"))


def _item_code(item: str) -> str:
    if item not in rules.ITEMS:
        raise ServiceError(_("请选择“五个一”项目。"), field="item")
    return item


def _locked_item(party_organization: PartyOrganization, item: str) -> ChecklistItem:
    ChecklistItem.objects.get_or_create(party_organization=party_organization, item=item)
    return ChecklistItem.objects.select_for_update().get(party_organization=party_organization, item=item)


_CHECK_FIELDS = {
    "check_passed": None,
    "checked_on": None,
    "checked_by": None,
    "checker_role": "",
    "inspector": "",
    "check_note": "",
    "checked_evidence": None,
}


def add_evidence(
    *, by: User, party_organization: PartyOrganization, item: str, file: UploadedFile, description: str = ""
) -> Evidence:
    """A photo or file for an item, which has passed the upload gate (``security.uploads.UploadField``
    of kind evidence: ``file.checked_kind``). A check made before it no longer stands: the
    checker looks at the evidence again."""
    _require(by, Permission.ADD_STANDARDIZATION_EVIDENCE)
    _in_scope(by, party_organization)
    _existing(party_organization)
    item = _item_code(item)
    checked = evidence_files.checked(file)
    with transaction.atomic():
        checklist_item = _locked_item(party_organization, item)
        evidence = Evidence(
            item=checklist_item,
            file_name=checked.name,
            file_kind=checked.kind,
            sha256=checked.sha256,
            description=description,
            uploaded_by=by,
        )
        with evidence_files.stored(evidence.file, file, checked):
            evidence.save()
            log_change(
                actor=by,
                action=AuditAction.CREATE,
                obj=evidence,
                changes={
                    "party_organization": [None, party_organization.pk],
                    "item": [None, item],
                    "file": [None, evidence.file_name],
                    "sha256": [None, evidence.sha256],
                },
            )
            if checklist_item.check_passed is not None:
                before = snapshot(checklist_item)
                for name, empty in _CHECK_FIELDS.items():
                    setattr(checklist_item, name, empty)
                checklist_item.version += 1
                checklist_item.save()
                log_change(
                    actor=by,
                    action=AuditAction.UPDATE,
                    obj=checklist_item,
                    changes=diff(before, snapshot(checklist_item)) | {"reason": [None, "new_evidence"]},
                )
    return evidence


@dataclass(frozen=True)
class CheckData:
    passed: bool
    checked_on: dt.date
    note: str = ""
    inspector: str = ""  # who looked, when not the clerk himself (an instructor, 党建指导员)
    room_area: Decimal | None = None  # the activity room's area, measured at the check


def check_item(*, by: User, party_organization: PartyOrganization, item: str, data: CheckData) -> ChecklistItem:
    """Record the check of an item against its latest evidence. Only a township clerk or the
    county checks; never the party organization's own secretary."""
    if by.role == Role.SECRETARY or by.party_organization_id == party_organization.pk:
        raise ServiceError(_("党组织书记不能检查本党组织的“五个一”项目,须由乡镇(街道)或党建指导员检查。"))
    _require(by, Permission.CHECK_STANDARDIZATION)
    _in_scope(by, party_organization)
    _existing(party_organization)
    item = _item_code(item)
    if data.checked_on > today():
        raise ServiceError(_("检查日期不能晚于今天。"), field="checked_on")
    if data.checked_on < party_organization.founded_on:
        raise ServiceError(_("检查日期早于党组织成立日期。"), field="checked_on")
    if item == rules.ACTIVITY_ROOM:
        if data.room_area is None or data.room_area <= 0:
            raise ServiceError(_("请填写活动室面积。"), field="room_area")
        minimum = policy_on(data.checked_on).activity_room_min_area
        if data.passed and not rules.room_meets_target(data.room_area, minimum):
            raise ServiceError(
                _("活动室面积 %(area)s 平方米,未达到 %(min)s 平方米的标准,不能评为合格。")
                % {"area": data.room_area, "min": minimum},
                field="room_area",
            )
    elif data.room_area is not None:
        raise ServiceError(_("只有活动室需要填写面积。"), field="room_area")
    if not data.passed and not data.note.strip():
        raise ServiceError(_("不合格须写明检查意见。"), field="note")
    with transaction.atomic():
        checklist_item = _locked_item(party_organization, item)
        latest = checklist_item.evidence.order_by("-uploaded_at", "-pk").first()
        if latest is None:
            raise ServiceError(_("该项目还没有证明材料,不能检查。"))
        before = snapshot(checklist_item)
        checklist_item.check_passed = data.passed
        checklist_item.checked_on = data.checked_on
        checklist_item.checked_by = by
        checklist_item.checker_role = by.role
        checklist_item.inspector = data.inspector.strip()
        checklist_item.check_note = data.note.strip()
        checklist_item.checked_evidence = latest
        checklist_item.room_area = data.room_area
        checklist_item.version += 1
        try:
            with transaction.atomic():
                checklist_item.save()
        except IntegrityError as exc:
            raise ServiceError(_("检查记录不完整或检查人不符合要求。")) from exc
        log_change(
            actor=by, action=AuditAction.UPDATE, obj=checklist_item, changes=diff(before, snapshot(checklist_item))
        )
    return checklist_item


# --- The five-goods assessment --------------------------------------------------------------------


@dataclass(frozen=True)
class AssessmentData:
    year: int
    result: str
    assessed_on: dt.date
    scores: dict[str, int | None]
    comments: dict[str, str] = field(default_factory=dict)
    assessing_unit: str = ""  # the supervising unit; the assessor's own unit when left out
    note: str = ""


def assess_five_goods(
    *, by: User, party_organization: PartyOrganization, data: AssessmentData, version: int | None = None
) -> FiveGoodsAssessment:
    """Record (or correct) a party organization's five-goods assessment of a year, by its
    supervising unit (the township, or the county). ``version`` is the one the form showed: a
    correction of an assessment someone changed since is refused, not silently overwritten."""
    _require(by, Permission.EDIT_ORGANIZATIONS)
    _in_scope(by, party_organization)
    if not 2000 <= data.year <= 2100:
        raise ServiceError(_("评定年度须在2000—2100年之间。"), field="year")
    if data.assessed_on.year < data.year:
        raise ServiceError(_("评定日期不能早于评定年度。"), field="assessed_on")
    if data.assessed_on > today():
        raise ServiceError(_("评定日期不能晚于今天。"), field="assessed_on")
    if party_organization.founded_on > data.assessed_on or party_organization.founded_on.year > data.year:
        raise ServiceError(_("评定年度或日期早于党组织成立。"), field="assessed_on")
    problem = rules.result_problem(data.result, data.scores)
    if problem == "result":
        raise ServiceError(_("请选择评定结果。"), field="result")
    if problem == "scores":
        raise ServiceError(_("五个方面都须打分,每项0—100分。"))
    if problem == "low_score":
        raise ServiceError(
            _("有一项得分低于 %(score)s 分,不能评为“五个好”。") % {"score": rules.GOOD_SCORE}, field="result"
        )
    unit = (data.assessing_unit or by.scope_label).strip()[:100]
    with transaction.atomic():
        current = (
            FiveGoodsAssessment.objects.select_for_update()
            .filter(party_organization=party_organization, year=data.year)
            .first()
        )
        if current is not None and version is not None and current.version != version:
            raise ServiceError(_("该评定已被他人修改,请刷新后再改。"))
        before = snapshot(current) if current is not None else None
        assessment = current or FiveGoodsAssessment(party_organization=party_organization, year=data.year)
        for dimension in rules.DIMENSIONS:
            setattr(assessment, f"{dimension}_score", data.scores[dimension])
            setattr(assessment, f"{dimension}_comment", data.comments.get(dimension, "").strip()[:300])
        assessment.result = data.result
        assessment.assessing_unit = unit
        assessment.assessed_on = data.assessed_on
        assessment.note = data.note.strip()
        assessment.assessed_by = by
        assessment.version = current.version + 1 if current is not None else 1
        try:
            with transaction.atomic():
                assessment.save()
        except IntegrityError as exc:
            raise ServiceError(_("该党组织本年度已有评定记录,请刷新后修改。")) from exc
        log_change(
            actor=by,
            action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
            obj=assessment,
            changes=diff(before, snapshot(assessment)),
        )
    return assessment
