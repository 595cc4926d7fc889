"""The read-only JSON API, version 1 (``/api/v1/``). Thin: every read is a selector of the app
that owns the data, called with the token's account, so the scope is the account's pages' scope
(404 outside it) and the filters are the pages' filters; this module only turns codes into rows
and rows into the shapes of ``schemas.py``.

Lists are cursor-paginated in ascending id (``pagination.py``) and take ``updated_since``: the
rows whose record was written at or after that time (``ARCHITECTURE.md`` "API" says which time
each list reads).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import CharField, Count, Exists, Model, OuterRef, Q, QuerySet, TextChoices
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router

from liangxin.accounts.models import User
from liangxin.audit.models import AuditRecord
from liangxin.campaigns import selectors as campaign_selectors
from liangxin.campaigns.models import Campaign, CampaignStatus, Submission, SubmissionState
from liangxin.core.dates import today
from liangxin.core.forms import EARLIEST, latest_date
from liangxin.core.masking import birth_year, mask_phone
from liangxin.core.shortcuts import get_in_scope_or_404
from liangxin.coverage import selectors as coverage_selectors
from liangxin.coverage.choices import Grouping
from liangxin.coverage.payload import indicator_rows, scope_code
from liangxin.formation.choices import NotReadyReason, PlanStatus
from liangxin.formation.models import FormationPlan
from liangxin.geo.models import AdministrativeUnit, Department, UnitLevel
from liangxin.mobility.models import MobileMember
from liangxin.registry import selectors as registry
from liangxin.registry.choices import (
    Category,
    Education,
    FactSource,
    FormationMethod,
    MemberStatus,
    OperatingStatus,
    OrganizationType,
    OwnerAttitude,
    PartyOrganizationKind,
    Sex,
)
from liangxin.registry.models import Member, Organization, OrganizationFacts, PartyOrganization
from liangxin.registry.scoping import organization_scope

from . import schemas
from .pagination import ApiError, page

router = Router()

ERRORS: dict[int, type[schemas.Error]] = {code: schemas.Error for code in (400, 401, 403, 404, 422, 429)}
LARGEST_ID = 2**63 - 1
CODE_PATTERN = r"^[0-9A-Za-z_-]{1,32}$"
TOWNSHIP_PATTERN = r"^[0-9]{9}$"
# What a search or filter text may hold: no control characters (a NUL is refused by PostgreSQL).
TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*$"
CURSOR_PATTERN = r"^[A-Za-z0-9_-]*$"
# An object's id in the path: any other text (a negative number, a word) is a 422 in JSON, not
# the site's HTML 404 page.
ID = Path(..., ge=1, le=LARGEST_ID, description="id")
# The parameters every list takes alike.
CURSOR = Query(None, max_length=64, pattern=CURSOR_PATTERN, description="上一页返回的 next_cursor")
LIMIT = Query(50, ge=1, le=200, description="每页条数")
TOWNSHIP = Query(None, pattern=TOWNSHIP_PATTERN, description="乡镇代码(9 位)")
DEPARTMENT = Query(None, pattern=CODE_PATTERN, description="行业主管部门代码")


# --- Shared parameters and conversions ------------------------------------------------------


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # set from the token by ApiTokenMiddleware
    return user


def _check_date(value: dt.date, name: str) -> dt.date:
    """Dates as the pages take them: from 1900 to ten years ahead (``core.forms``)."""
    if not EARLIEST <= value <= latest_date():
        raise ApiError(
            422,
            _("%(name)s 须在 %(first)s 至 %(last)s 之间。")
            % {"name": name, "first": EARLIEST.isoformat(), "last": latest_date().isoformat()},
        )
    return value


def _as_of(value: dt.date | None) -> dt.date:
    return today() if value is None else _check_date(value, "as_of")


def _since(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)  # the county's time zone
    _check_date(value.date(), "updated_since")
    return value


def _township_id(code: str | None) -> int | None:
    """The township of a 9-digit code; -1 for a code that names none (an empty answer)."""
    if code is None:
        return None
    unit = AdministrativeUnit.objects.filter(code=code, level=UnitLevel.TOWNSHIP).order_by("-valid_from").first()
    return unit.pk if unit is not None else -1


def _department_id(code: str | None) -> int | None:
    if code is None:
        return None
    department = Department.objects.filter(code=code).first()
    return department.pk if department is not None else -1


def _audited_since(model: type[Model], since: dt.datetime) -> Exists:
    """A record of the audit log on the row at or after ``since``: the change time of rows that
    keep none of their own (every change is audited, ``audit.services``)."""
    return Exists(
        AuditRecord.objects.filter(
            object_type=f"{model._meta.app_label}.{model._meta.model_name}",
            object_id=Cast(OuterRef("pk"), CharField()),
            at__gte=since,
        )
    )


def _coded(choices: type[TextChoices], value: str | None) -> dict[str, str] | None:
    if not value:
        return None
    labels = dict(choices.choices)
    return {"code": value, "label": str(labels.get(value, value))}


def _place(unit: Any) -> dict[str, str] | None:
    return None if unit is None else {"code": unit.code, "name": unit.name}


def _ref(pk: int | None, name: str | None) -> dict[str, Any] | None:
    return None if pk is None else {"id": pk, "name": name or ""}


def _organization_ref(org: Organization) -> dict[str, Any]:
    return {"id": org.pk, "name": org.name, "uscc": org.uscc, "township": org.township.code}


# --- Organizations ----------------------------------------------------------------------------


def _facts(facts: OrganizationFacts) -> dict[str, Any]:
    return {
        "valid_from": facts.valid_from,
        "valid_to": facts.valid_to,
        "operating_status": _coded(OperatingStatus, facts.operating_status),
        "employees": facts.employees,
        "full_members": facts.full_members,
        "probationary_members": facts.probationary_members,
        "owner_attitude": _coded(OwnerAttitude, facts.owner_attitude),
        "secretary_candidate_available": facts.secretary_candidate_available,
        "payroll": None if facts.payroll is None else str(facts.payroll),
        "has_union": facts.has_union,
        "has_youth_league": facts.has_youth_league,
        "has_womens_federation": facts.has_womens_federation,
        "source": _coded(FactSource, facts.source),
    }


def _organizations(rows: Sequence[Organization], on: dt.date) -> list[dict[str, Any]]:
    ids = [org.pk for org in rows]
    facts = registry.facts_on(organization_ids=ids, on=on)
    covered = registry.covered_on(organization_ids=ids, on=on)
    return [
        {
            "id": org.pk,
            "uscc": org.uscc,
            "name": org.name,
            "category": _coded(Category, org.category),
            "org_type": _coded(OrganizationType, org.org_type),
            "industry_code": org.industry_code,
            "township": _place(org.township),
            "village": _place(org.village),
            "department": _place(org.department),
            "above_designated_size": org.above_designated_size,
            "address": org.address,
            "as_of": on,
            "facts": _facts(facts[org.pk]) if org.pk in facts else None,
            "has_party_organization": org.pk in covered,
            "updated_at": org.updated_at,
        }
        for org in rows
    ]


@router.get(
    "/organizations",
    response={200: schemas.OrganizationPage, **ERRORS},
    url_name="organization_list",
    summary="两新组织列表",
    description="本账号范围内的两新组织(已合并的除外)及其截至 as_of 的普查数据。筛选与页面相同;"
    "updated_since:组织记录或普查数据在该时刻及以后写入的。",
)
def organization_list(
    request: HttpRequest,
    q: str | None = Query(None, max_length=100, pattern=TEXT_PATTERN, description="名称、拼音首字母、全拼或信用代码"),
    township: str | None = TOWNSHIP,
    department: str | None = DEPARTMENT,
    category: Category | None = None,
    org_type: OrganizationType | None = None,
    operating_status: OperatingStatus | None = Query(None, description="今天的经营状况(与页面相同)"),
    has_party_organization: bool | None = Query(None, description="今天是否有党组织覆盖(与页面相同)"),
    as_of: dt.date | None = Query(None, description="普查数据截至日期,默认今天"),
    updated_since: dt.datetime | None = None,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
) -> dict[str, Any]:
    user = _user(request)
    on = _as_of(as_of)
    since = _since(updated_since)
    filters = registry.OrganizationFilter(
        q=q or "",
        township=_township_id(township),
        department=_department_id(department),
        category=category.value if category else "",
        org_type=org_type.value if org_type else "",
        operating_status=operating_status.value if operating_status else "",
        has_party_organization=has_party_organization,
    )
    qs = registry.organization_list(user=user, filters=filters)
    if since is not None:
        written = OrganizationFacts.objects.filter(organization=OuterRef("pk"), recorded_at__gte=since)
        qs = qs.filter(Q(updated_at__gte=since) | Q(Exists(written)))
    return page(request, qs, cursor=cursor, limit=limit, serialize=lambda rows: _organizations(rows, on))


@router.get(
    "/organizations/{pk}",
    response={200: schemas.OrganizationDetail, **ERRORS},
    url_name="organization_detail",
    summary="两新组织",
    description="一个两新组织:截至 as_of 的普查数据、普查数据的全部历史和党组织覆盖的历史。",
)
def organization_detail(
    request: HttpRequest,
    pk: int = ID,
    as_of: dt.date | None = Query(None, description="普查数据截至日期,默认今天"),
) -> dict[str, Any]:
    user = _user(request)
    on = _as_of(as_of)
    org = get_in_scope_or_404(registry.organizations_for(user=user), pk=pk)
    [data] = _organizations([org], on)
    data["facts_history"] = [_facts(f) for f in registry.organization_facts_history(organization=org)]
    data["coverages"] = [
        {
            "party_organization": _ref(c.party_organization_id, c.party_organization.name),
            "valid_from": c.valid_from,
            "valid_to": c.valid_to,
        }
        for c in registry.coverages_of(organization=org)
    ]
    return data


# --- Party organizations ---------------------------------------------------------------------


def _party_organizations(rows: Sequence[PartyOrganization]) -> list[dict[str, Any]]:
    return [
        {
            "id": po.pk,
            "name": po.name,
            "kind": _coded(PartyOrganizationKind, po.kind),
            "formation_method": _coded(FormationMethod, po.formation_method),
            "township": _place(po.township),
            "parent": _ref(po.parent_id, po.parent.name if po.parent is not None else None),
            "founded_on": po.founded_on,
            "dissolved_on": po.dissolved_on,
            "dissolution_reason": po.dissolution_reason,
            "organization_count": po.organization_count,  # type: ignore[attr-defined]
            "member_count": po.member_count,  # type: ignore[attr-defined]
        }
        for po in rows
    ]


@router.get(
    "/party-organizations",
    response={200: schemas.PartyOrganizationPage, **ERRORS},
    url_name="party_organization_list",
    summary="党组织列表",
    description="本账号范围内的党组织。updated_since:在该时刻及以后建立或变更(审计日志有记录)的。",
)
def party_organization_list(
    request: HttpRequest,
    q: str | None = Query(None, max_length=100, pattern=TEXT_PATTERN, description="名称"),
    township: str | None = TOWNSHIP,
    kind: PartyOrganizationKind | None = None,
    dissolved: bool | None = Query(None, description="是否已撤销"),
    updated_since: dt.datetime | None = None,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
) -> dict[str, Any]:
    user = _user(request)
    since = _since(updated_since)
    filters = registry.PartyOrganizationFilter(
        q=q or "", township=_township_id(township), kind=kind.value if kind else "", dissolved=dissolved
    )
    qs = registry.party_organization_list(user=user, filters=filters)
    if since is not None:
        qs = qs.filter(_audited_since(PartyOrganization, since))
    return page(request, qs, cursor=cursor, limit=limit, serialize=_party_organizations)


@router.get(
    "/party-organizations/{pk}",
    response={200: schemas.PartyOrganizationDetail, **ERRORS},
    url_name="party_organization_detail",
    summary="党组织",
    description="一个党组织及其覆盖两新组织的历史(仅本账号范围内的组织)。",
)
def party_organization_detail(request: HttpRequest, pk: int = ID) -> dict[str, Any]:
    user = _user(request)
    qs = registry.party_organization_list(user=user, filters=registry.PartyOrganizationFilter())
    po = get_in_scope_or_404(qs, pk=pk)
    [data] = _party_organizations([po])
    data["coverages"] = [
        {"organization": _organization_ref(c.organization), "valid_from": c.valid_from, "valid_to": c.valid_to}
        for c in registry.coverages_of_party_organization(party_organization=po, user=user).select_related(
            "organization__township"
        )
    ]
    return data


# --- Members --------------------------------------------------------------------------------


def _mobile() -> Exists:
    """The member has an open registration as a mobile member (liangxin.mobility)."""
    return Exists(MobileMember.objects.filter(member=OuterRef("pk"), ended_on__isnull=True))


def _with_mobility(qs: QuerySet[Member]) -> QuerySet[Member]:
    return qs.annotate(is_mobile=_mobile())


def _members(rows: Sequence[Member]) -> list[dict[str, Any]]:
    """Masked as on every page: the ID number's last two characters, the birth year."""
    return [
        {
            "id": m.pk,
            "name": m.name,
            "sex": _coded(Sex, m.sex),
            "birth_year": int(birth_year(m.birth_date)),
            "id_number_masked": m.id_number_masked,
            "status": _coded(MemberStatus, m.status),
            "admitted_on": m.admitted_on,
            "full_membership_on": m.full_membership_on,
            "education": _coded(Education, m.education),
            "position": m.position,
            "is_mobile": m.is_mobile,  # type: ignore[attr-defined]
            "party_organization": _ref(m.current_party_organization_id, m.current_party_organization_name),  # type: ignore[attr-defined]
            "employer": _ref(m.current_employer_id, m.current_employer_name),  # type: ignore[attr-defined]
            "updated_at": m.updated_at,
        }
        for m in rows
    ]


@router.get(
    "/members",
    response={200: schemas.MemberPage, **ERRORS},
    url_name="member_list",
    summary="党员列表",
    description="本账号范围内的党员,身份证号只给末两位,出生日期只给年份,列表不含电话。",
)
def member_list(
    request: HttpRequest,
    q: str | None = Query(None, max_length=100, pattern=TEXT_PATTERN, description="姓名"),
    status: MemberStatus | None = None,
    township: str | None = Query(None, pattern=TOWNSHIP_PATTERN, description="组织关系或工作单位所在乡镇代码"),
    is_mobile: bool | None = None,
    updated_since: dt.datetime | None = None,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
) -> dict[str, Any]:
    user = _user(request)
    since = _since(updated_since)
    filters = registry.MemberFilter(q=q or "", status=status.value if status else "", township=_township_id(township))
    qs = _with_mobility(registry.member_list(user=user, filters=filters))
    if is_mobile is not None:
        qs = qs.filter(_mobile() if is_mobile else ~_mobile())
    if since is not None:
        qs = qs.filter(updated_at__gte=since)
    return page(request, qs, cursor=cursor, limit=limit, serialize=_members)


@router.get(
    "/members/{pk}",
    response={200: schemas.MemberDetail, **ERRORS},
    url_name="member_detail",
    summary="党员",
    description="一个党员(遮盖的身份证号和电话、出生年份)及其组织关系和工作单位的历史"
    "([valid_from, valid_to),valid_to 为 null 表示至今)。完整身份证号不经接口提供。",
)
def member_detail(request: HttpRequest, pk: int = ID) -> dict[str, Any]:
    user = _user(request)
    member = get_in_scope_or_404(_with_mobility(registry.with_affiliations(registry.members_for(user=user))), pk=pk)
    [data] = _members([member])
    data["phone_masked"] = mask_phone(member.phone)
    data["relations"] = [
        {
            "party_organization": _ref(r.party_organization_id, r.party_organization.name),
            "valid_from": r.valid_from,
            "valid_to": r.valid_to,
        }
        for r in registry.relation_history(member=member)
    ]
    data["employments"] = [
        {
            "organization": _ref(e.organization_id, e.organization.name),
            "position": e.position,
            "valid_from": e.valid_from,
            "valid_to": e.valid_to,
        }
        for e in registry.employment_history(member=member)
    ]
    return data


# --- Formation plans --------------------------------------------------------------------------


def _plans_for(user: User) -> QuerySet[FormationPlan]:
    """Plans of the organizations the user may open a plan page for."""
    return (
        FormationPlan.objects.filter(organization_scope(user, prefix="organization__"))
        .filter(organization__merged_into__isnull=True)
        .select_related("organization__township", "party_organization")
        .prefetch_related("partners__township")
    )


def _plans(rows: Sequence[FormationPlan]) -> list[dict[str, Any]]:
    return [
        {
            "id": p.pk,
            "organization": _organization_ref(p.organization),
            "status": _coded(PlanStatus, p.status),
            "ready": p.ready,
            "method": _coded(FormationMethod, p.method),
            "target_kind": _coded(PartyOrganizationKind, p.target_kind),
            "planned_date": p.planned_date,
            "reason": _coded(NotReadyReason, p.reason),
            "reason_text": p.reason_text,
            "countermeasure": p.countermeasure,
            "responsible_person": p.responsible_person,
            "suspension_reason": p.suspension_reason,
            "partners": [_organization_ref(o) for o in sorted(p.partners.all(), key=lambda o: o.pk)],
            "party_organization": _ref(
                p.party_organization_id, p.party_organization.name if p.party_organization is not None else None
            ),
            "closed_on": p.closed_on,
            "created_at": p.created_at,
            "updated_at": p.updated_at,
        }
        for p in rows
    ]


@router.get(
    "/formation-plans",
    response={200: schemas.FormationPlanPage, **ERRORS},
    url_name="formation_plan_list",
    summary="组建方案列表",
    description="本账号范围内组织的组建方案(含已结束的)。updated_since:方案在该时刻及以后写入的。",
)
def formation_plan_list(
    request: HttpRequest,
    status: PlanStatus | None = None,
    township: str | None = TOWNSHIP,
    organization: int | None = Query(None, ge=1, le=LARGEST_ID, description="组织 id"),
    updated_since: dt.datetime | None = None,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
) -> dict[str, Any]:
    user = _user(request)
    since = _since(updated_since)
    qs = _plans_for(user)
    if status is not None:
        qs = qs.filter(status=status.value)
    township_id = _township_id(township)
    if township_id is not None:
        qs = qs.filter(organization__township_id=township_id)
    if organization is not None:
        qs = qs.filter(organization_id=organization)
    if since is not None:
        qs = qs.filter(updated_at__gte=since)
    return page(request, qs, cursor=cursor, limit=limit, serialize=_plans)


@router.get(
    "/formation-plans/{pk}",
    response={200: schemas.FormationPlan, **ERRORS},
    url_name="formation_plan_detail",
    summary="组建方案",
)
def formation_plan_detail(request: HttpRequest, pk: int = ID) -> dict[str, Any]:
    plan = get_in_scope_or_404(_plans_for(_user(request)), pk=pk)
    return _plans([plan])[0]


# --- Census campaigns and submissions ---------------------------------------------------------


def _campaigns(rows: Sequence[Campaign]) -> list[dict[str, Any]]:
    return [
        {
            "id": c.pk,
            "code": c.code,
            "name": c.name,
            "status": _coded(CampaignStatus, c.status),
            "as_of": c.as_of,
            "survey_deadline": c.survey_deadline,
            "plan_deadline": c.plan_deadline,
            "townships": [_place(u) for u in sorted(c.townships.all(), key=lambda u: u.code)],
            "departments": [_place(d) for d in sorted(c.departments.all(), key=lambda d: d.code)],
            "created_at": c.created_at,
        }
        for c in rows
    ]


def _campaigns_for(user: User) -> QuerySet[Campaign]:
    return campaign_selectors.campaigns_for(user=user).prefetch_related("townships", "departments")


@router.get(
    "/campaigns",
    response={200: schemas.CampaignPage, **ERRORS},
    url_name="campaign_list",
    summary="摸底任务列表",
    description="本账号可见的集中摸底任务。updated_since:在该时刻及以后创建或变更(审计日志有记录)的。",
)
def campaign_list(
    request: HttpRequest,
    status: CampaignStatus | None = None,
    updated_since: dt.datetime | None = None,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
) -> dict[str, Any]:
    user = _user(request)
    since = _since(updated_since)
    qs = _campaigns_for(user)
    if status is not None:
        qs = qs.filter(status=status.value)
    if since is not None:
        qs = qs.filter(Q(created_at__gte=since) | Q(_audited_since(Campaign, since)))
    return page(request, qs, cursor=cursor, limit=limit, serialize=_campaigns)


@router.get(
    "/campaigns/{pk}",
    response={200: schemas.Campaign, **ERRORS},
    url_name="campaign_detail",
    summary="摸底任务",
)
def campaign_detail(request: HttpRequest, pk: int = ID) -> dict[str, Any]:
    campaign = get_in_scope_or_404(_campaigns_for(_user(request)), pk=pk)
    return _campaigns([campaign])[0]


def _submissions(rows: Sequence[Submission], user: User) -> list[dict[str, Any]]:
    counts = dict(
        campaign_selectors.entries_for(user=user)
        .filter(submission_id__in=[s.pk for s in rows])
        .order_by()
        .values("submission_id")
        .annotate(n=Count("pk"))
        .values_list("submission_id", "n")
    )
    return [
        {
            "id": s.pk,
            "campaign": _ref(s.campaign_id, s.campaign.name),
            "campaign_code": s.campaign.code,
            "township": _place(s.township),
            "department": _place(s.department),
            "state": _coded(SubmissionState, s.state),
            "submitted_on": s.submitted_on,
            "reviewed_at": s.reviewed_at,
            "last_reason": s.last_reason,
            "entry_count": counts.get(s.pk, 0),
            "updated_at": s.updated_at,
        }
        for s in rows
    ]


@router.get(
    "/submissions",
    response={200: schemas.SubmissionPage, **ERRORS},
    url_name="submission_list",
    summary="摸底填报列表",
    description="本账号可见的摸底填报(乡镇的属地填报、部门的业务核实)。updated_since:在该时刻及以后变更的。",
)
def submission_list(
    request: HttpRequest,
    campaign: int | None = Query(None, ge=1, le=LARGEST_ID, description="摸底任务 id"),
    state: SubmissionState | None = None,
    township: str | None = TOWNSHIP,
    department: str | None = DEPARTMENT,
    updated_since: dt.datetime | None = None,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
) -> dict[str, Any]:
    user = _user(request)
    since = _since(updated_since)
    qs = campaign_selectors.submissions_for(user=user)
    if campaign is not None:
        qs = qs.filter(campaign_id=campaign)
    if state is not None:
        qs = qs.filter(state=state.value)
    township_id = _township_id(township)
    if township_id is not None:
        qs = qs.filter(township_id=township_id)
    department_id = _department_id(department)
    if department_id is not None:
        qs = qs.filter(department_id=department_id)
    if since is not None:
        qs = qs.filter(updated_at__gte=since)
    return page(request, qs, cursor=cursor, limit=limit, serialize=lambda rows: _submissions(rows, user))


@router.get(
    "/submissions/{pk}",
    response={200: schemas.SubmissionDetail, **ERRORS},
    url_name="submission_detail",
    summary="摸底填报",
    description="一份摸底填报及其暂存的摸底行(部门只见其主管组织的行)。",
)
def submission_detail(request: HttpRequest, pk: int = ID) -> dict[str, Any]:
    user = _user(request)
    submission = get_in_scope_or_404(campaign_selectors.submissions_for(user=user), pk=pk)
    [data] = _submissions([submission], user)
    entries = campaign_selectors.entries_for(user=user).filter(submission=submission).order_by("row", "pk")
    data["entries"] = [
        {
            "row": e.row,
            "name": e.name,
            "uscc": e.uscc or None,
            "department_code": e.department_code,
            "organization_id": e.organization_id,
        }
        for e in entries
    ]
    return data


# --- Indicators -------------------------------------------------------------------------------


@router.get(
    "/indicators",
    response={200: list[schemas.IndicatorGroup], **ERRORS},
    url_name="indicator_table",
    summary="覆盖指标",
    description="本账号范围内的全部覆盖指标,按 by 分组,截至 as_of:与 `manage.py indicators --json` 同一形状,"
    "每组带 code(乡镇 9 位代码、部门代码、类别/类型/规模代码)。",
)
def indicator_table(
    request: HttpRequest,
    by: Grouping = Grouping.COUNTY,
    as_of: dt.date | None = Query(None, description="截至日期,默认今天"),
) -> list[dict[str, Any]]:
    user = _user(request)
    on = _as_of(as_of)
    groups = coverage_selectors.indicator_table(user=user, as_of=on, by=by.value)
    return indicator_rows(groups, as_of=on, by=by.value, total_code=scope_code(user))
