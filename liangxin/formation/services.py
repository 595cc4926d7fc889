"""Writes of the formation register. Keyword-only, typed, one transaction each, audited.

Every plan transition is one function; each goes through ``transitions.next_status`` and so is
refused, with a Chinese message, from a status the table does not allow.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission
from liangxin.audit.models import AuditAction
from liangxin.audit.services import diff, log_change, snapshot
from liangxin.core.dates import today
from liangxin.core.errors import ConflictError, ServiceError
from liangxin.registry import services as registry_services
from liangxin.registry.choices import OperatingStatus
from liangxin.registry.models import (
    Employment,
    Member,
    Organization,
    OrganizationFacts,
    PartyOrganization,
    PartyOrganizationCoverage,
    PartyRelation,
)
from liangxin.registry.scoping import organization_scope, party_organization_scope

from . import transitions
from .choices import OPEN_STATUSES, MemberActionKind, NotReadyReason
from .models import FormationPlan, MemberAction, Verification


def _require_editor(user: User, organization: Organization) -> None:
    if not user.can(Permission.EDIT_ORGANIZATIONS):
        raise ServiceError(_("您的角色无权进行此操作。"))
    if not Organization.objects.filter(organization_scope(user), pk=organization.pk).exists():
        raise ServiceError(_("该组织不在您的管辖范围内。"))


def _is_deregistered(organization: Organization) -> bool:
    return OrganizationFacts.objects.filter(
        organization=organization, valid_to__isnull=True, operating_status=OperatingStatus.DEREGISTERED
    ).exists()


def _is_covered(organization: Organization) -> bool:
    return PartyOrganizationCoverage.objects.filter(organization=organization, valid_to__isnull=True).exists()


@dataclass(frozen=True)
class PlanData:
    ready: bool
    responsible_person: str
    method: str = ""
    target_kind: str = ""
    planned_date: dt.date | None = None
    reason: str = ""
    reason_text: str = ""
    countermeasure: str = ""


def _clean_plan(data: PlanData) -> dict[str, object]:
    """The fields of one branch (the other branch's are blanked), checked with a message per field
    before the database constraints would refuse them less politely."""
    responsible = " ".join(data.responsible_person.split())
    if not responsible:
        raise ServiceError(_("请填写责任人。"), field="responsible_person")
    if data.ready:
        if not data.method:
            raise ServiceError(_("具备组建条件的,请选择组建方式。"), field="method")
        if not data.target_kind:
            raise ServiceError(_("具备组建条件的,请选择拟组建的党组织类别。"), field="target_kind")
        if data.planned_date is None:
            raise ServiceError(_("具备组建条件的,请填写计划组建时间。"), field="planned_date")
        return {
            "ready": True,
            "responsible_person": responsible,
            "method": data.method,
            "target_kind": data.target_kind,
            "planned_date": data.planned_date,
            "reason": "",
            "reason_text": "",
            "countermeasure": "",
        }
    if not data.reason:
        raise ServiceError(_("暂不具备组建条件的,请选择原因。"), field="reason")
    if data.reason == NotReadyReason.OTHER and not data.reason_text.strip():
        raise ServiceError(_("原因选择“其他”的,请填写原因说明。"), field="reason_text")
    if not data.countermeasure.strip():
        raise ServiceError(_("暂不具备组建条件的,请提出对策措施。"), field="countermeasure")
    return {
        "ready": False,
        "responsible_person": responsible,
        "method": "",
        "target_kind": "",
        "planned_date": None,
        "reason": data.reason,
        "reason_text": data.reason_text.strip(),
        "countermeasure": data.countermeasure.strip(),
    }


def create_plan(*, by: User, organization: Organization, data: PlanData) -> FormationPlan:
    """A new plan (status 计划) for an organization without an open one."""
    _require_editor(by, organization)
    values = _clean_plan(data)
    if _is_deregistered(organization):
        raise ServiceError(_("该组织已注销,不能制定组建方案。"))
    if _is_covered(organization):
        raise ServiceError(_("该组织已被党组织覆盖,无需制定组建方案。"))
    with transaction.atomic():
        if FormationPlan.objects.filter(organization=organization, status__in=OPEN_STATUSES).exists():
            raise ServiceError(_("该组织已有进行中的组建方案,请修改现有方案。"))
        try:
            with transaction.atomic():
                plan = FormationPlan.objects.create(organization=organization, created_by=by, **values)
        except IntegrityError as exc:  # a concurrent create won the race
            raise ServiceError(_("该组织已有进行中的组建方案,请修改现有方案。")) from exc
        log_change(actor=by, action=AuditAction.CREATE, obj=plan, changes=diff(None, snapshot(plan)))
    return plan


def _locked(plan: FormationPlan, version: int | None = None) -> FormationPlan:
    current = FormationPlan.objects.select_for_update().get(pk=plan.pk)
    if version is not None and current.version != version:
        raise ConflictError(_("该方案已被他人修改,请刷新页面查看最新内容后再提交。"))
    return current


def update_plan(*, by: User, plan: FormationPlan, data: PlanData, version: int | None = None) -> FormationPlan:
    """Edit an open plan's content (not its status)."""
    _require_editor(by, plan.organization)
    values = _clean_plan(data)
    with transaction.atomic():
        current = _locked(plan, version)
        if current.status not in OPEN_STATUSES:
            raise ServiceError(_("方案状态为“%(status)s”,已结束,不能修改。") % {"status": current.get_status_display()})
        before = snapshot(current)
        for key, value in values.items():
            setattr(current, key, value)
        current.version += 1
        current.save()
        log_change(actor=by, action=AuditAction.UPDATE, obj=current, changes=diff(before, snapshot(current)))
    return current


def _transition(
    *, by: User | None, plan: FormationPlan, action: str, extra: dict[str, object] | None = None
) -> tuple[FormationPlan, dict[str, object]]:
    """Lock, check the table, move; the caller saves the extra fields and audits."""
    current = _locked(plan)
    try:
        target = transitions.next_status(current.status, action)
    except transitions.TransitionRefused as exc:
        raise ServiceError(exc.message, field="action") from exc
    before = snapshot(current)
    current.status = target
    for key, value in (extra or {}).items():
        setattr(current, key, value)
    current.version += 1
    return current, before


def _save_and_log(
    by: User | None,
    plan: FormationPlan,
    before: dict[str, object],
    action: str,
    extra: dict[str, object] | None = None,
) -> None:
    plan.save()
    log_change(
        actor=by,
        action=AuditAction.UPDATE,
        obj=plan,
        changes=diff(before, snapshot(plan)) | {"transition": [None, action]} | (extra or {}),
    )


def start_preparing(*, by: User, plan: FormationPlan) -> FormationPlan:
    """计划 → 筹建中. Only a plan that is ready (method, kind and date set) can start."""
    _require_editor(by, plan.organization)
    with transaction.atomic():
        current, before = _transition(by=by, plan=plan, action=transitions.START)
        if not current.ready:
            raise ServiceError(
                _("方案为“暂不具备组建条件”,请先修改方案,确定组建方式、类别和时间后再开始筹建。"), field="action"
            )
        _save_and_log(by, current, before, transitions.START)
    return current


def suspend_plan(*, by: User, plan: FormationPlan, reason: str) -> FormationPlan:
    """计划/筹建中 → 暂缓, with a reason."""
    _require_editor(by, plan.organization)
    reason = reason.strip()
    with transaction.atomic():
        current, before = _transition(by=by, plan=plan, action=transitions.SUSPEND)
        if not reason:
            raise ServiceError(_("暂缓组建须填写原因。"), field="reason")
        current.suspension_reason = reason
        _save_and_log(by, current, before, transitions.SUSPEND)
    return current


def resume_plan(*, by: User, plan: FormationPlan) -> FormationPlan:
    """暂缓 → 计划. The suspension reason stays in the audit trail."""
    _require_editor(by, plan.organization)
    with transaction.atomic():
        current, before = _transition(by=by, plan=plan, action=transitions.RESUME, extra={"suspension_reason": ""})
        _save_and_log(by, current, before, transitions.RESUME)
    return current


def form_party_organization(
    *,
    by: User,
    plan: FormationPlan,
    name: str,
    founded_on: dt.date | None = None,
    kind: str = "",
) -> FormationPlan:
    """筹建中 → 已组建: creates the party organization (``registry.services.create_party_organization``,
    covering the organization, the plan's method and kind unless ``kind`` is given) and moves the
    relation of every member employed there who is on no roster to it."""
    _require_editor(by, plan.organization)
    founded_on = founded_on or today()
    if founded_on > today():
        raise ServiceError(_("成立日期不能晚于今天。"), field="founded_on")
    with transaction.atomic():
        current, before = _transition(by=by, plan=plan, action=transitions.FORM)
        organization = current.organization
        if _is_covered(organization):
            raise ServiceError(
                _("该组织已被党组织覆盖(可能已联合组建),不能再次组建;请暂缓或修改方案。"), field="action"
            )
        party_org = registry_services.create_party_organization(
            by=by,
            name=name,
            kind=kind or current.target_kind,
            formation_method=current.method,
            township=organization.township,
            founded_on=founded_on,
            organizations=[organization],
        )
        unrostered = Member.objects.filter(
            Exists(Employment.objects.filter(member=OuterRef("pk"), organization=organization, valid_to__isnull=True)),
            ~Exists(PartyRelation.objects.filter(member=OuterRef("pk"), valid_to__isnull=True)),
        ).order_by("pk")
        linked = 0
        for member in unrostered:
            registry_services.change_relation(by=by, member=member, party_organization=party_org, on=founded_on)
            linked += 1
        current.party_organization = party_org
        current.closed_on = founded_on
        _save_and_log(by, current, before, transitions.FORM, {"members_linked": [None, linked]})
    return current


def close_plans_of_deregistered(
    *, organizations: QuerySet[Organization] | None = None, on: dt.date | None = None
) -> int:
    """Every open plan whose organization is deregistered (注销) now becomes 已撤销. Callable at any
    time (the register runs it for the user's scope; ``registry.services.deregister_organization``
    may call it after deregistering). A system transition: the audit record has no actor."""
    on = on or today()
    deregistered = OrganizationFacts.objects.filter(
        organization=OuterRef("organization"), valid_to__isnull=True, operating_status=OperatingStatus.DEREGISTERED
    )
    plans = FormationPlan.objects.filter(Exists(deregistered), status__in=OPEN_STATUSES)
    if organizations is not None:
        plans = plans.filter(organization__in=organizations.values("pk"))
    closed = 0
    with transaction.atomic():
        for plan in plans.select_for_update().order_by("pk"):
            current, before = _transition(by=None, plan=plan, action=transitions.CANCEL, extra={"closed_on": on})
            _save_and_log(None, current, before, transitions.CANCEL)
            closed += 1
    return closed


def add_verification(
    *,
    by: User,
    organization: Organization,
    verified_on: dt.date,
    verifier: str,
    method: str,
    result: str,
    note: str = "",
) -> Verification:
    _require_editor(by, organization)
    verifier = " ".join(verifier.split())
    if not verifier:
        raise ServiceError(_("请填写核实人。"), field="verifier")
    if verified_on > today():
        raise ServiceError(_("核实日期不能晚于今天。"), field="verified_on")
    with transaction.atomic():
        row = Verification.objects.create(
            organization=organization,
            verified_on=verified_on,
            verifier=verifier,
            method=method,
            result=result,
            note=note.strip(),
            recorded_by=by,
        )
        log_change(actor=by, action=AuditAction.CREATE, obj=row, changes=diff(None, snapshot(row)))
    return row


def record_member_action(
    *,
    by: User,
    member: Member,
    kind: str,
    note: str = "",
    party_organization: PartyOrganization | None = None,
    on: dt.date | None = None,
) -> MemberAction:
    """The action taken for a member on no roster. ``transferred_in`` also moves the member's
    relation to ``party_organization`` (one in the user's scope), so the member leaves the list."""
    if not by.can(Permission.EDIT_ORGANIZATIONS):
        raise ServiceError(_("您的角色无权进行此操作。"))
    on = on or today()
    note = note.strip()
    employment = (
        Employment.objects.filter(member=member, valid_to__isnull=True)
        .filter(organization_scope(by, prefix="organization__"))
        .select_related("organization")
        .first()
    )
    if employment is None:
        raise ServiceError(_("该党员不在您管辖范围内的两新组织工作。"))
    if kind not in MemberActionKind.values:
        raise ServiceError(_("请选择处理方式。"), field="kind")
    if kind == MemberActionKind.OTHER and not note:
        raise ServiceError(_("处理方式为“其他”的,请填写说明。"), field="note")
    if kind == MemberActionKind.TRANSFERRED_IN:
        if party_organization is None:
            raise ServiceError(_("组织关系转入的,请选择转入的党组织。"), field="party_organization")
        if not PartyOrganization.objects.filter(
            party_organization_scope(by), pk=party_organization.pk, dissolved_on__isnull=True
        ).exists():
            raise ServiceError(_("只能转入您管辖范围内现存的党组织。"), field="party_organization")
    else:
        party_organization = None
    with transaction.atomic():
        if kind == MemberActionKind.TRANSFERRED_IN:
            if PartyRelation.objects.filter(member=member, valid_to__isnull=True).exists():
                raise ServiceError(_("该党员已有组织关系,无需转入。"))
            registry_services.change_relation(by=by, member=member, party_organization=party_organization, on=on)
        elif kind == MemberActionKind.MOBILE:
            registry_services.set_mobile(by=by, member=member, is_mobile=True)
        action = MemberAction.objects.create(
            member=member,
            organization=employment.organization,
            kind=kind,
            party_organization=party_organization,
            note=note,
            acted_on=on,
            recorded_by=by,
        )
        log_change(actor=by, action=AuditAction.CREATE, obj=action, changes=diff(None, snapshot(action)))
    return action
