"""Writes of the formation register. Keyword-only, typed, one transaction each, audited.

Every plan transition is one function; each goes through ``transitions.next_status`` and so is
refused, with a Chinese message, from a status the table does not allow.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission
from liangxin.audit.models import AuditAction
from liangxin.audit.services import diff, log_change, snapshot
from liangxin.core.dates import today
from liangxin.core.errors import ConflictError, ServiceError
from liangxin.core.text import normalize_name
from liangxin.mobility import services as mobility_services
from liangxin.policy import partners
from liangxin.policy.selectors import policy_in_force
from liangxin.registry import services as registry_services
from liangxin.registry.choices import FormationMethod, OperatingStatus, PartyOrganizationKind
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
from .models import FormationPlan, JointAddition, MemberAction, Verification
from .selectors import members_to_move


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
    # 联合建 only: ids of the other organizations the joint party organization will cover.
    partners: tuple[int, ...] = ()


def _names(organizations: Iterable[Organization]) -> str:
    return "、".join(f"“{o.name}”" for o in organizations)


def _covered_on(on: dt.date) -> Q:
    """Coverage rows in force on ``on`` or later (open, or ending after it)."""
    return Q(valid_to__isnull=True) | Q(valid_to__gt=on)


def _clean_partners(by: User, organization: Organization, data: PlanData) -> list[Organization]:
    """The partners of a ready 联合建 plan (none for any other plan), each checked: in the user's
    scope, not the organization itself, not covered, not deregistered, at most
    ``max_joint_organizations - 1`` of them under the policy in force today."""
    if not (data.ready and data.method == FormationMethod.JOINT) or not data.partners:
        return []
    ids = sorted(set(data.partners) - {organization.pk})
    partners = list(
        Organization.objects.filter(organization_scope(by), pk__in=ids, merged_into__isnull=True).order_by("pk")
    )
    if len(partners) != len(ids):
        raise ServiceError(_("联建组织须是您管辖范围内的现有组织。"), field="partners")
    policy = policy_in_force(on=today())
    if policy is not None and len(partners) + 1 > policy.max_joint_organizations:
        raise ServiceError(
            _("一个联合党组织最多覆盖%(max)s个组织(含本组织),请减少联建组织。")
            % {"max": policy.max_joint_organizations},
            field="partners",
        )
    covered = [p for p in partners if _is_covered(p)]
    if covered:
        raise ServiceError(
            _("%(names)s已被党组织覆盖,不能作为联建组织。") % {"names": _names(covered)}, field="partners"
        )
    gone = [p for p in partners if _is_deregistered(p)]
    if gone:
        raise ServiceError(_("%(names)s已注销,不能作为联建组织。") % {"names": _names(gone)}, field="partners")
    if policy is not None:
        _refuse_non_candidates(partners, _current_facts(partners), policy.min_full_members, field="partners")
    return partners


def _set_partners(plan: FormationPlan, partners: Sequence[Organization]) -> dict[str, object]:
    """Store the partners; the audit diff of the change (M2M is not in ``snapshot``)."""
    before = sorted(plan.partners.values_list("pk", flat=True)) if plan.pk else []
    after = sorted(p.pk for p in partners)
    plan.partners.set(partners)
    return {"partners": [before, after]} if before != after else {}


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
    partners = _clean_partners(by, organization, data)
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
        partner_changes = _set_partners(plan, partners)
        log_change(actor=by, action=AuditAction.CREATE, obj=plan, changes=diff(None, snapshot(plan)) | partner_changes)
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
    partners = _clean_partners(by, plan.organization, data)
    with transaction.atomic():
        current = _locked(plan, version)
        if current.status not in OPEN_STATUSES:
            raise ServiceError(_("方案状态为“%(status)s”,已结束,不能修改。") % {"status": current.get_status_display()})
        before = snapshot(current)
        for key, value in values.items():
            setattr(current, key, value)
        current.version += 1
        current.save()
        partner_changes = _set_partners(current, partners)
        log_change(
            actor=by, action=AuditAction.UPDATE, obj=current, changes=diff(before, snapshot(current)) | partner_changes
        )
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


def _transition_with_reason(
    *, by: User, plan: FormationPlan, action: str, reason: str, missing: str, fields: dict[str, object]
) -> FormationPlan:
    """A transition a person makes only with a reason (``missing``: the message without one);
    ``fields`` are set on the plan, each ``None`` value replaced by the reason."""
    _require_editor(by, plan.organization)
    reason = reason.strip()
    with transaction.atomic():
        current, before = _transition(by=by, plan=plan, action=action)
        if not reason:
            raise ServiceError(missing, field="reason")
        for name, value in fields.items():
            setattr(current, name, reason if value is None else value)
        _save_and_log(by, current, before, action)
    return current


def suspend_plan(*, by: User, plan: FormationPlan, reason: str) -> FormationPlan:
    """计划/筹建中 → 暂缓, with a reason."""
    return _transition_with_reason(
        by=by,
        plan=plan,
        action=transitions.SUSPEND,
        reason=reason,
        missing=_("暂缓组建须填写原因。"),
        fields={"suspension_reason": None},
    )


def withdraw_plan(*, by: User, plan: FormationPlan, reason: str) -> FormationPlan:
    """An open plan → 已撤销 by a person who may edit the organization, with a reason: the plan is
    no longer pursued (a wrong plan, the organization moved away). A new plan can be made after."""
    return _transition_with_reason(
        by=by,
        plan=plan,
        action=transitions.WITHDRAW,
        reason=reason,
        missing=_("撤销方案须填写原因。"),
        fields={"withdrawal_reason": None, "closed_on": today()},
    )


def resume_plan(*, by: User, plan: FormationPlan) -> FormationPlan:
    """暂缓 → 计划. The suspension reason stays in the audit trail."""
    _require_editor(by, plan.organization)
    with transaction.atomic():
        current, before = _transition(by=by, plan=plan, action=transitions.RESUME, extra={"suspension_reason": ""})
        _save_and_log(by, current, before, transitions.RESUME)
    return current


def _link_unrostered(by: User, organizations: Sequence[Organization], party_org: PartyOrganization, on: dt.date) -> int:
    """Move the relation of every member working in ``organizations`` who is on no roster
    (``selectors.members_to_move``, what the confirmation showed) to ``party_org``; the number moved."""
    moving = members_to_move(user=by, organizations=organizations)
    for member in moving:
        registry_services.change_relation(by=by, member=member, party_organization=party_org, on=on)
    return len(moving)


def _current_facts(organizations: Sequence[Organization]) -> dict[int, OrganizationFacts]:
    return {
        f.organization_id: f
        for f in OrganizationFacts.objects.filter(
            organization_id__in=[o.pk for o in organizations], valid_to__isnull=True
        )
    }


def _refuse_non_candidates(
    organizations: Sequence[Organization],
    facts: dict[int, OrganizationFacts],
    min_full_members: int,
    *,
    lead: Organization | None = None,
    field: str | None = None,
) -> None:
    """Refuse, naming them, organizations that are no joint candidates (``partners.candidate_problem``)
    for a reason the caller has not dealt with already: suspended or closed, without full members
    (only a clerk's explicit addition with a reason covers one), or at the minimum alone (the lead
    of a formation plan may be)."""
    problems: dict[str, list[Organization]] = {}
    for org in organizations:
        f = facts[org.pk]
        problem = partners.candidate_problem(
            operating_status=f.operating_status,
            full_members=f.full_members,
            covered=False,
            min_full_members=min_full_members,
        )
        if problem is not None and not (org == lead and problem == partners.NOT_CANDIDATE_REACHES_MINIMUM):
            problems.setdefault(problem, []).append(org)
    if big := problems.get(partners.NOT_CANDIDATE_REACHES_MINIMUM):
        raise ServiceError(
            _("%(names)s正式党员已达%(min)s名,应单独组建党组织,不宜联合组建。")
            % {"names": _names(big), "min": min_full_members},
            field=field,
        )
    if idle := problems.get(partners.NOT_CANDIDATE_NOT_OPERATING):
        raise ServiceError(
            _("%(names)s处于停产或歇业状态,不是联合组建的候选组织。") % {"names": _names(idle)}, field=field
        )
    if empty := problems.get(partners.NOT_CANDIDATE_NO_FULL_MEMBERS):
        raise ServiceError(
            _(
                "%(names)s没有正式党员,不作为联合组建的组织;如确需纳入(例如与其他组织同在一栋楼),"
                "请在联合组建审核页面作为“无党员组织”加入并说明理由。"
            )
            % {"names": _names(empty)},
            field=field,
        )


def _check_joint(
    organizations: Sequence[Organization],
    *,
    on: dt.date,
    lead: Organization | None = None,
    added: Sequence[Organization] = (),
) -> int:
    """Refuse, with a message naming the organizations, a joint formation over ``organizations``
    (and ``added``, organizations without full members a clerk adds with a reason) that is no
    longer possible: one is covered on ``on`` or later, deregistered, has no census facts; more
    organizations than one joint party organization covers; one of ``organizations`` is no joint
    candidate (``_refuse_non_candidates``) or one of ``added`` has full members after all (it must
    be ticked as a candidate) or is not operating; or together they fall short of the minimum.
    The total full members."""
    every = [*organizations, *added]
    ids = [o.pk for o in every]
    covered_ids = set(
        PartyOrganizationCoverage.objects.filter(_covered_on(on), organization_id__in=ids).values_list(
            "organization_id", flat=True
        )
    )
    covered = [o for o in every if o.pk in covered_ids]
    if covered:
        raise ServiceError(
            _("%(names)s已被党组织覆盖(可能刚由他人组建),不能再联合组建;请重新生成方案。") % {"names": _names(covered)}
        )
    facts = _current_facts(every)
    gone = [o for o in every if o.pk in facts and facts[o.pk].operating_status == OperatingStatus.DEREGISTERED]
    if gone:
        raise ServiceError(_("%(names)s已注销,不能联合组建。") % {"names": _names(gone)})
    unknown = [o for o in every if o.pk not in facts]
    if unknown:
        raise ServiceError(_("%(names)s没有普查数据,请先核实。") % {"names": _names(unknown)})
    total = sum(facts[o.pk].full_members for o in organizations)
    policy = policy_in_force(on=on)
    if policy is None:
        return total
    if len(every) > policy.max_joint_organizations:
        raise ServiceError(
            _("一个联合党组织最多覆盖%(max)s个组织,现有%(count)s个。")
            % {"max": policy.max_joint_organizations, "count": len(every)}
        )
    _refuse_non_candidates(organizations, facts, policy.min_full_members, lead=lead)
    with_members = [o for o in added if facts[o.pk].full_members > 0]
    if with_members:
        raise ServiceError(
            _("%(names)s有正式党员,请作为联合组建的组织勾选,而不是作为无党员组织加入。")
            % {"names": _names(with_members)},
            field="added",
        )
    idle = [o for o in added if facts[o.pk].operating_status != OperatingStatus.OPERATING]
    if idle:
        raise ServiceError(
            _("%(names)s处于停产或歇业状态,不能纳入联合党组织。") % {"names": _names(idle)}, field="added"
        )
    if total < policy.min_full_members:
        raise ServiceError(
            _("这些组织合计正式党员%(total)s名,不足%(min)s名,不能组建联合党支部。")
            % {"total": total, "min": policy.min_full_members}
        )
    return total


def _refuse_duplicate_name(name: str, township_id: int) -> None:
    """The register allows one current party organization of a name per township; say so politely
    rather than let the unique constraint fail."""
    clean = " ".join(name.split())
    if (
        clean
        and PartyOrganization.objects.filter(
            township_id=township_id, name_normalized=normalize_name(clean), dissolved_on__isnull=True
        ).exists()
    ):
        raise ServiceError(_("本乡镇已有名为“%(name)s”的党组织,请换一个名称。") % {"name": clean}, field="name")


def _join_open_plans(
    organizations: Sequence[Organization], party_org: PartyOrganization, on: dt.date, *, except_plan: int | None = None
) -> int:
    """Open plans of organizations now covered by ``party_org`` become 已组建 (system ``join``)."""
    joined = 0
    plans = FormationPlan.objects.filter(organization__in=[o.pk for o in organizations], status__in=OPEN_STATUSES)
    if except_plan is not None:
        plans = plans.exclude(pk=except_plan)
    for plan in plans.select_for_update().order_by("pk"):
        current, before = _transition(
            by=None,
            plan=plan,
            action=transitions.JOIN,
            extra={"party_organization": party_org, "closed_on": on},
        )
        _save_and_log(None, current, before, transitions.JOIN)
        joined += 1
    return joined


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
    relation of every member employed there who is on no roster to it.

    A 联合建 plan covers its partners too (they are re-checked: in scope, not covered, not
    deregistered, and together reaching the minimum of full members); their own open plans close
    as 已组建 with the same party organization."""
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
        organizations = [organization]
        if current.method == FormationMethod.JOINT:
            partners = list(current.partners.order_by("pk"))
            if not partners:
                raise ServiceError(_("联合建方案须先在方案中选择联建组织,再完成组建。"), field="action")
            in_scope = set(
                Organization.objects.filter(organization_scope(by), pk__in=[p.pk for p in partners]).values_list(
                    "pk", flat=True
                )
            )
            if len(in_scope) != len(partners):
                raise ServiceError(_("部分联建组织已不在您的管辖范围内,请修改方案。"), field="action")
            organizations += partners
            _check_joint(organizations, on=founded_on, lead=organization)
        _refuse_duplicate_name(name, organization.township_id)
        party_org = registry_services.create_party_organization(
            by=by,
            name=name,
            kind=kind or current.target_kind,
            formation_method=current.method,
            township=organization.township,
            founded_on=founded_on,
            organizations=organizations,
        )
        linked = _link_unrostered(by, organizations, party_org, founded_on)
        current.party_organization = party_org
        current.closed_on = founded_on
        _save_and_log(by, current, before, transitions.FORM, {"members_linked": [None, linked]})
        if len(organizations) > 1:
            _join_open_plans(organizations[1:], party_org, founded_on, except_plan=current.pk)
    return current


def accept_joint_group(
    *,
    by: User,
    organizations: Sequence[Organization],
    name: str,
    founded_on: dt.date | None = None,
    added: Sequence[Organization] = (),
    added_reason: str = "",
    moving: Sequence[int] | None = None,
) -> PartyOrganization:
    """Accept a proposal of the joint-branch planner (reviewed, perhaps edited): create the joint
    party organization (联合党支部, 联合建) covering ``organizations`` and ``added`` (organizations
    without full members the clerk adds on purpose, with ``added_reason``, recorded as
    ``JointAddition``), move the members on no roster who work there to it, close their open plans
    as 已组建, audit.

    An optimistic re-check, inside the transaction and with the organizations locked: refused with
    a message if any organization is outside the user's scope, got covered meanwhile, was
    deregistered, is no joint candidate, or if together they no longer reach the minimum of full
    members (policy in force on ``founded_on``), or exceed the most organizations one joint party
    organization may cover; and, when ``moving`` (the ids of the members the confirmation listed)
    is given, if the members whose relations would move are no longer those. The party
    organization belongs to the township most of them lie in (the lowest code on a tie)."""
    if not by.can(Permission.EDIT_ORGANIZATIONS):
        raise ServiceError(_("您的角色无权进行此操作。"))
    founded_on = founded_on or today()
    if founded_on > today():
        raise ServiceError(_("成立日期不能晚于今天。"), field="founded_on")
    ids = sorted({o.pk for o in organizations})
    added_ids = sorted({o.pk for o in added} - set(ids))
    if len(ids) < 2:
        raise ServiceError(_("联合组建至少需要两个组织。"), field="organizations")
    reason = " ".join(added_reason.split())
    if added_ids and not reason:
        raise ServiceError(_("加入没有正式党员的组织,须说明理由(例如同在一栋楼)。"), field="added_reason")
    if policy_in_force(on=founded_on) is None:
        raise ServiceError(_("成立日期没有施行中的政策版本。"), field="founded_on")
    with transaction.atomic():
        locked = list(
            Organization.objects.select_for_update()
            .filter(organization_scope(by), pk__in=[*ids, *added_ids], merged_into__isnull=True)
            .select_related("township")
            .order_by("pk")
        )
        if len(locked) != len(ids) + len(added_ids):
            raise ServiceError(_("部分组织不在您的管辖范围内。"), field="organizations")
        grouped = [o for o in locked if o.pk in ids]
        extra = [o for o in locked if o.pk in added_ids]
        total = _check_joint(grouped, on=founded_on, added=extra)
        if moving is not None and [m.pk for m in members_to_move(user=by, organizations=locked)] != sorted(moving):
            raise ServiceError(_("需要转接组织关系的党员已有变化,请重新核对后再确认。"))
        counts = Counter(o.township for o in grouped)
        township = min(counts, key=lambda t: (-counts[t], t.code))
        _refuse_duplicate_name(name, township.pk)
        party_org = registry_services.create_party_organization(
            by=by,
            name=name,
            kind=PartyOrganizationKind.JOINT_BRANCH,
            formation_method=FormationMethod.JOINT,
            township=township,
            founded_on=founded_on,
            organizations=locked,
        )
        for org in extra:
            addition = JointAddition.objects.create(
                party_organization=party_org, organization=org, reason=reason, added_on=founded_on, added_by=by
            )
            log_change(actor=by, action=AuditAction.CREATE, obj=addition, changes=diff(None, snapshot(addition)))
        linked = _link_unrostered(by, locked, party_org, founded_on)
        joined = _join_open_plans(locked, party_org, founded_on)
        log_change(
            actor=by,
            action=AuditAction.UPDATE,
            obj=party_org,
            changes={
                "joint_planner": [None, "accepted"],
                "organizations": [None, ids],
                "added_without_members": [None, added_ids],
                "full_members": [None, total],
                "members_linked": [None, linked],
                "plans_joined": [None, joined],
            },
        )
    return party_org


def deregister_organization(
    *, by: User, organization: Organization, on: dt.date | None = None, reason: str = ""
) -> list[tuple[int, str]]:
    """注销 an organization (``registry.services.deregister_organization``) and close its formation
    plans, in one transaction: what the register's 注销 page calls. The registry is the base and
    knows nothing of plans, so a writer that deregisters closes them itself. Returns the plans
    closed (``close_plans_of_deregistered``), for a caller that keeps them to reopen on revert."""
    on = on or today()
    with transaction.atomic():
        registry_services.deregister_organization(by=by, organization=organization, on=on, reason=reason)
        return close_plans_of_deregistered(organizations=Organization.objects.filter(pk=organization.pk), on=on, by=by)


def close_plans_of_deregistered(
    *, organizations: QuerySet[Organization], on: dt.date, by: User | None
) -> list[tuple[int, str]]:
    """The one place open plans end because their organization was deregistered: the open plans
    of ``organizations`` whose current census facts say 注销 become 已撤销 on ``on``, in the caller's
    transaction, audited with ``by`` as the actor (None: the command line). Called by every write
    that deregisters — the register's 注销 (:func:`deregister_organization`), a census import and so
    a campaign's approval — never by a page that reads. Other organizations are left alone, so a
    caller may pass every organization it touched. Returns (plan id, status before) of each plan
    closed, which an import batch keeps so that its revert reopens them (:func:`reopen_plans`)."""
    deregistered = OrganizationFacts.objects.filter(
        organization=OuterRef("organization"), valid_to__isnull=True, operating_status=OperatingStatus.DEREGISTERED
    )
    plans = FormationPlan.objects.filter(
        Exists(deregistered), status__in=OPEN_STATUSES, organization__in=organizations.values("pk")
    )
    closed: list[tuple[int, str]] = []
    with transaction.atomic():
        for plan in plans.select_for_update().order_by("pk"):
            status_before = plan.status
            current, before = _transition(by=by, plan=plan, action=transitions.CANCEL, extra={"closed_on": on})
            _save_and_log(by, current, before, transitions.CANCEL)
            closed.append((current.pk, status_before))
    return closed


def reopen_plans(*, closed: Sequence[Sequence[Any]], by: User | None) -> int:
    """Undo :func:`close_plans_of_deregistered` for an import batch being reverted: each plan of
    ``closed`` ((plan id, status before) as it returned them) goes back to the status it had, in
    the caller's transaction, audited. Refused (ServiceError) when that cannot be exact: the plan is
    no longer the cancelled one, its organization is still deregistered, or it has another open
    plan now."""
    reopened = 0
    with transaction.atomic():
        for plan_id, status_before in sorted((int(pk), str(status)) for pk, status in closed):
            plan = FormationPlan.objects.select_for_update().select_related("organization").get(pk=plan_id)
            organization = plan.organization
            if plan.status != transitions.CANCELLED or _is_deregistered(organization):
                raise ServiceError(
                    _("“%(name)s”的组建方案已不是本批次撤销时的状态,不能恢复。") % {"name": organization.name}
                )
            if FormationPlan.objects.filter(organization=organization, status__in=OPEN_STATUSES).exists():
                raise ServiceError(
                    _("“%(name)s”已有新的组建方案,不能恢复本批次撤销的方案。") % {"name": organization.name}
                )
            before = snapshot(plan)
            try:
                plan.status = transitions.reopened_status(status_before)
            except transitions.TransitionRefused as exc:
                raise ServiceError(exc.message) from exc
            plan.closed_on = None
            plan.version += 1
            _save_and_log(by, plan, before, transitions.REOPEN)
            reopened += 1
    return reopened


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
            # On the mobile members' ledger as coming in: the relation is held outside the county.
            mobility_services.register_unrostered_as_mobile(by=by, member=member, on=on)
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
