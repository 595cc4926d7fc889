"""Pages of the formation register. Thin: forms parse, scoped selectors read, services write.
Every object named in a URL comes from a scoped queryset (404 outside the scope, before the
method is even looked at); a role that may not write gets 403 after that."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_htmx.middleware import HtmxDetails

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission, ScopeKind
from liangxin.core.clients import client_address
from liangxin.core.dates import today
from liangxin.core.errors import ServiceError
from liangxin.core.shortcuts import get_in_scope_or_404
from liangxin.geo.models import AdministrativeUnit
from liangxin.policy import engine, partners
from liangxin.policy.selectors import NoPolicyInForce, engine_policy_in_force, recommendation_of
from liangxin.registry import selectors as registry_selectors
from liangxin.registry.choices import FormationMethod, PartyOrganizationKind
from liangxin.registry.models import Member, Organization

from . import export, joint, selectors, services, transitions
from .choices import JOINT_PROBLEM_LABELS, JOINT_REASON_LABELS
from .forms import (
    JointGroupForm,
    JointTownshipForm,
    MemberActionForm,
    PlanForm,
    RegisterFilterForm,
    TransitionForm,
    VerificationForm,
    moving_value,
)
from .models import FormationPlan


class AuthedRequest(HttpRequest):
    user: User
    htmx: HtmxDetails


def _require(user: User, permission: Permission) -> None:
    if not user.can(permission):
        raise PermissionDenied(_("您的角色无权进行此操作。"))


def _refuse_method(request: HttpRequest, *allowed: str) -> HttpResponseNotAllowed | None:
    return None if request.method in allowed else HttpResponseNotAllowed(allowed)


def _render_list(request: AuthedRequest, *, template: str, partial: str, context: dict[str, Any]) -> HttpResponse:
    partial_only = bool(request.htmx) and not request.htmx.history_restore_request
    response = render(request, partial if partial_only else template, context | {"is_htmx": partial_only})
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- The register ----------------------------------------------------------------------------


def _register(
    request: AuthedRequest, *, block: int = selectors.REGISTER_BATCH
) -> tuple[RegisterFilterForm, Iterator[selectors.RegisterRow] | None]:
    user = request.user
    _require(user, Permission.VIEW_BUSINESS)
    form = RegisterFilterForm(request.GET, townships=registry_selectors.townships_for(user=user))
    try:
        rows = selectors.iter_register_rows(user=user, on=today(), filters=form.to_filter(), block=block)
    except NoPolicyInForce as exc:
        messages.error(request, exc.message)
        return form, None
    return form, rows


@require_GET
def register_list(request: AuthedRequest) -> HttpResponse:
    form, found = _register(request, block=settings.PAGE_SIZE)  # a page reads only its rows' instances
    rows = list(found or [])
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "rows": page.object_list,
        "count": page.paginator.count,
        "overdue_count": sum(1 for r in rows if r.overdue),
        "list_url": reverse("formation:register_list"),
        "export_url": reverse("formation:register_export"),
        "export_label": _("Excel(台账及乡镇汇总)"),
        "empty_label": _("没有符合条件的记录。"),
        "today": today(),
    }
    return _render_list(
        request, template="formation/register_list.html", partial="formation/_register_results.html", context=context
    )


@require_GET
def register_export(request: AuthedRequest) -> HttpResponseBase:
    form, rows = _register(request)
    if rows is None:
        return redirect("formation:register_list")
    try:
        return export.register_response(
            by=request.user,
            rows=rows,
            unit=request.user.scope_label,
            on=today(),
            title=export.REGISTER_TITLE,
            object_type="formation.register",
            filters=form.audit_filters(),
            remote_addr=client_address(request),
        )
    except export.TooManyRows:
        messages.error(request, _("记录超过单次导出上限,请缩小筛选范围后分批导出。"))
        return redirect("formation:register_list")


# --- One organization's plan -----------------------------------------------------------------


def _scoped_organization(request: AuthedRequest, pk: int) -> Organization:
    return get_in_scope_or_404(selectors.organizations_for(user=request.user), pk=pk)


# What a new plan is pre-filled with, from the engine's recommendation: (组建方式, 党组织类别).
SUGGESTED: dict[str, tuple[str, str]] = {
    engine.FORM_BRANCH: (FormationMethod.INDEPENDENT, PartyOrganizationKind.BRANCH),
    engine.FORM_GENERAL_BRANCH: (FormationMethod.INDEPENDENT, PartyOrganizationKind.GENERAL_BRANCH),
    engine.FORM_COMMITTEE: (FormationMethod.INDEPENDENT, PartyOrganizationKind.COMMITTEE),
    engine.JOINT: (FormationMethod.JOINT, PartyOrganizationKind.JOINT_BRANCH),
    engine.VILLAGE_ENTERPRISE: (FormationMethod.TERRITORIAL, PartyOrganizationKind.JOINT_BRANCH),
    engine.VIA_ASSOCIATION: (FormationMethod.HOST_BASED, PartyOrganizationKind.BRANCH),
}


def _plan_form(
    plan: FormationPlan | None,
    data: Any = None,
    recommendation: engine.Recommendation | None = None,
    *,
    partner_choices: Any = None,
) -> PlanForm:
    if data is not None:
        return PlanForm(data, partner_choices=partner_choices)
    if plan is None:
        code = recommendation.code if recommendation is not None else ""
        if code in SUGGESTED:
            method, kind = SUGGESTED[code]
            partners = [int(p.id) for p in recommendation.primary.partners] if recommendation is not None else []
            return PlanForm(
                initial={"ready": "yes", "method": method, "target_kind": kind, "partners": partners},
                partner_choices=partner_choices,
            )
        return PlanForm(initial={"ready": "no" if code else "yes"}, partner_choices=partner_choices)
    return PlanForm(
        partner_choices=partner_choices,
        initial={
            "ready": "yes" if plan.ready else "no",
            "responsible_person": plan.responsible_person,
            "method": plan.method,
            "target_kind": plan.target_kind,
            "planned_date": plan.planned_date,
            "reason": plan.reason,
            "reason_text": plan.reason_text,
            "countermeasure": plan.countermeasure,
            "partners": list(plan.partners.values_list("pk", flat=True)),
            "version": plan.version,
        },
    )


def _plan_page(
    request: AuthedRequest,
    organization: Organization,
    *,
    verification_form: VerificationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    on = today()
    plan = selectors.open_plan(organization=organization)
    try:
        recommendation = recommendation_of(user=user, organization=organization, on=on)
    except NoPolicyInForce:
        recommendation = None
    actions = [(a, transitions.ACTION_LABELS[a]) for a in transitions.allowed_actions(plan.status)] if plan else []
    plans = selectors.plans_of(organization=organization)
    # Without an open plan: the party organization that covers it now (formed by its plan or
    # another way) and the finished plan, rather than an invitation to make one.
    covering = [
        c.party_organization
        for c in registry_selectors.coverages_of(organization=organization)
        if c.valid_to is None or c.valid_to > on
    ]
    finished = next((p for p in plans if p.status == transitions.FORMED), None) if plan is None else None
    context = {
        "organization": organization,
        "recommendation": recommendation,
        "plan": plan,
        "overdue": plan is not None
        and transitions.is_overdue(status=plan.status, planned_date=plan.planned_date, today=on),
        "plans": plans,
        "covering": covering,
        "visible_party_orgs": registry_selectors.party_organization_ids_in_scope(
            user=user, ids={po.pk for po in covering}
        ),
        "finished_plan": finished,
        "partners": list(plan.partners.order_by("name_normalized")) if plan is not None else [],
        "verifications": selectors.verifications_of(organization=organization),
        "actions": actions,
        "transition_form": TransitionForm(initial={"name": f"{organization.name}党支部", "founded_on": on}),
        "verification_form": verification_form or VerificationForm(),
        "can_edit": user.can(Permission.EDIT_ORGANIZATIONS),
    }
    return render(request, "formation/organization_plan.html", context, status=status)


def organization_plan(request: AuthedRequest, pk: int) -> HttpResponse:
    organization = _scoped_organization(request, pk)
    if refused := _refuse_method(request, "GET"):
        return refused
    return _plan_page(request, organization)


PARTNER_TARGET = "partner-options"  # the element the partner search (htmx) replaces


def _partner_context(options: list[selectors.PartnerOption], *, q: str, chosen: list[int]) -> dict[str, Any]:
    picked, found, more = selectors.search_partner_options(options, q=q, chosen=chosen)
    return {"partner_q": q, "picked": picked, "found": found, "more": more, "option_count": len(options)}


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


def plan_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """Create the organization's plan, or edit its open one. Partners of a 联合建 plan are picked
    with a search among the compatible organizations (``selectors.partner_options``): with htmx
    the search answers the list alone; without JavaScript the search button posts the form and the
    page comes back with everything typed kept and nothing saved."""
    organization = _scoped_organization(request, pk)
    if refused := _refuse_method(request, "GET", "POST"):
        return refused
    _require(request.user, Permission.EDIT_ORGANIZATIONS)
    plan = selectors.open_plan(organization=organization)
    # Partners chosen earlier stay on the list even if covered since (forming then says so).
    before = list(plan.partners.values_list("pk", flat=True)) if plan is not None else []
    options = selectors.partner_options(user=request.user, organization=organization, include=before)
    partner_choices = selectors.organizations_for(user=request.user).filter(pk__in=[o.organization_id for o in options])
    data = request.POST if request.method == "POST" else request.GET
    q = (data.get("partner_q") or "").strip()[:100]
    if request.method == "GET" and request.htmx and request.htmx.target == PARTNER_TARGET:
        context = _partner_context(options, q=q, chosen=_ids(request.GET.getlist("partners")))
        return render(request, "formation/_partner_options.html", context)
    if request.method == "POST" and "partner_search" in request.POST:
        # The search without JavaScript: show what was typed again, unsaved and without errors.
        form = PlanForm(
            initial={name: request.POST.get(name, "") for name in PlanForm.base_fields if name != "partners"},
            partner_choices=partner_choices,
        )
        chosen = _ids(request.POST.getlist("partners"))
    elif request.method == "POST":
        form = _plan_form(plan, request.POST, partner_choices=partner_choices)
        chosen = _ids(request.POST.getlist("partners"))
        if form.is_valid():
            try:
                if plan is None:
                    services.create_plan(by=request.user, organization=organization, data=form.to_data())
                else:
                    services.update_plan(
                        by=request.user, plan=plan, data=form.to_data(), version=form.cleaned_data.get("version")
                    )
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("组建方案已保存。"))
                return redirect("formation:organization_plan", pk=organization.pk)
    else:
        recommendation = None
        if plan is None:
            with contextlib.suppress(NoPolicyInForce):
                recommendation = recommendation_of(user=request.user, organization=organization, on=today())
        form = _plan_form(plan, recommendation=recommendation, partner_choices=partner_choices)
        chosen = [int(p) for p in form.initial.get("partners") or []]
    context = {"organization": organization, "plan": plan, "form": form, "partner_target": PARTNER_TARGET}
    return render(request, "formation/plan_form.html", context | _partner_context(options, q=q, chosen=chosen))


def plan_transition(request: AuthedRequest, pk: int) -> HttpResponse:
    organization = _scoped_organization(request, pk)
    if refused := _refuse_method(request, "POST"):
        return refused
    user = request.user
    _require(user, Permission.EDIT_ORGANIZATIONS)
    plan = selectors.open_plan(organization=organization)
    form = TransitionForm(request.POST)
    if plan is None:
        messages.error(request, _("该组织还没有进行中的组建方案。"))
    elif not form.is_valid():
        messages.error(request, _("请选择要进行的操作。"))
    else:
        data = form.cleaned_data
        action = data["action"]
        try:
            if action == transitions.START:
                services.start_preparing(by=user, plan=plan)
            elif action == transitions.SUSPEND:
                services.suspend_plan(by=user, plan=plan, reason=data["reason"])
            elif action == transitions.RESUME:
                services.resume_plan(by=user, plan=plan)
            elif action == transitions.WITHDRAW:
                services.withdraw_plan(by=user, plan=plan, reason=data["reason"])
            else:
                services.form_party_organization(by=user, plan=plan, name=data["name"], founded_on=data["founded_on"])
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已%(action)s。") % {"action": transitions.ACTION_LABELS[action]})
    return redirect("formation:organization_plan", pk=organization.pk)


def verification_add(request: AuthedRequest, pk: int) -> HttpResponse:
    organization = _scoped_organization(request, pk)
    if refused := _refuse_method(request, "POST"):
        return refused
    _require(request.user, Permission.EDIT_ORGANIZATIONS)
    form = VerificationForm(request.POST)
    if form.is_valid():
        try:
            services.add_verification(by=request.user, organization=organization, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("核实记录已添加。"))
            return redirect("formation:organization_plan", pk=organization.pk)
    return _plan_page(request, organization, verification_form=form)


# --- 一个不能少 ------------------------------------------------------------------------------


@require_GET
def unrostered_list(request: AuthedRequest) -> HttpResponse:
    _require(request.user, Permission.VIEW_BUSINESS)
    members = selectors.unrostered_members(user=request.user)
    page = Paginator(members, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "members": page.object_list,
        "count": page.paginator.count,
        "list_url": reverse("formation:unrostered_list"),
        "can_edit": request.user.can(Permission.EDIT_ORGANIZATIONS),
    }
    return _render_list(
        request,
        template="formation/unrostered_list.html",
        partial="formation/_unrostered_results.html",
        context=context,
    )


def member_action(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    member: Member = get_in_scope_or_404(selectors.unrostered_members(user=user), pk=pk)
    if refused := _refuse_method(request, "GET", "POST"):
        return refused
    _require(user, Permission.EDIT_ORGANIZATIONS)
    targets = selectors.transfer_targets(user=user)
    if request.method == "POST":
        form = MemberActionForm(request.POST, party_organizations=targets)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.record_member_action(
                    by=user,
                    member=member,
                    kind=d["kind"],
                    note=d["note"],
                    party_organization=d["party_organization"],
                    on=d["acted_on"],
                )
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("处理情况已记录。"))
                return redirect("formation:unrostered_list")
    else:
        form = MemberActionForm(party_organizations=targets)
    return render(request, "formation/member_action.html", {"member": member, "form": form})


# --- 联合组建: the joint-branch planner -----------------------------------------------------------


def _require_planner(user: User) -> None:
    """County, township and department users and leaders see the planner; secretaries and the
    administrators do not (a secretary's scope holds covered organizations only)."""
    if not user.can(Permission.VIEW_BUSINESS) or user.scope_kind is ScopeKind.PARTY_ORGANIZATION:
        raise PermissionDenied(_("您的角色无权进行此操作。"))


def _planner_township(request: AuthedRequest, data: Any) -> tuple[JointTownshipForm, AdministrativeUnit | None]:
    """The township asked for (404 outside the user's townships), else the first of them."""
    townships = registry_selectors.townships_for(user=request.user)
    form = JointTownshipForm(data if data.get("township") else None, townships=townships)
    if data.get("township"):
        if not form.is_valid():
            raise Http404
        return form, form.cleaned_data["township"]
    township = townships.first()
    return JointTownshipForm({"township": township.pk} if township else None, townships=townships), township


@require_GET
def joint_planner(request: AuthedRequest) -> HttpResponse:
    user = request.user
    _require_planner(user)
    form, township = _planner_township(request, request.GET)
    proposal = None
    if township is not None:
        try:
            proposal = selectors.joint_proposal(
                user=user, on=today(), township=township, seconds=settings.JOINT_PLANNER_SECONDS
            )
        except NoPolicyInForce as exc:
            messages.error(request, exc.message)
    # A township of thousands of candidates has hundreds of groups: a page of them at a time.
    page = Paginator(proposal.groups if proposal else [], settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "township": township,
        "proposal": proposal,
        "page": page,
        "can_edit": user.can(Permission.EDIT_ORGANIZATIONS),
        "reason_labels": JOINT_REASON_LABELS,
    }
    return render(request, "formation/joint_planner.html", context)


def _default_name(organizations: list[Organization]) -> str:
    if not organizations:
        return ""
    first = min(organizations, key=lambda o: (o.name_normalized, o.pk))
    return _("%(name)s等%(n)s家单位联合党支部") % {"name": first.name, "n": len(organizations)}


def joint_review(request: AuthedRequest) -> HttpResponse:
    """Review one proposed group, edit it (tick or untick organizations, add an organization without
    full members with a reason, recheck), confirm what will be written (the organizations and the
    members whose party relations move), and accept it."""
    if refused := _refuse_method(request, "GET", "POST"):
        return refused
    user = request.user
    _require_planner(user)
    _require(user, Permission.EDIT_ORGANIZATIONS)
    data = request.POST if request.method == "POST" else request.GET
    _form, township = _planner_township(request, data)
    if township is None:
        raise Http404
    on = today()
    try:
        policy = engine_policy_in_force(on=on)
    except NoPolicyInForce as exc:
        messages.error(request, exc.message)
        return redirect("formation:joint_planner")
    rows = selectors.joint_rows(user=user, on=on, township=township, policy=policy)
    by_pk = {r.organization_id: r for r in rows}
    wanted = [int(v) for v in data.getlist("organizations") if v.isdigit()]
    wanted_added = [int(v) for v in data.getlist("added") if v.isdigit()]
    settings_ = engine.partner_settings(policy)
    nearby, memberless = selectors.review_choices(rows=rows, selected=wanted, settings=settings_)
    in_township = selectors.organizations_for(user=user).filter(township=township)
    candidates = in_township.filter(pk__in={*wanted, *nearby}).order_by("name_normalized", "pk")
    memberless_choices = in_township.filter(pk__in={*memberless, *wanted_added}).order_by("name_normalized", "pk")
    if request.method == "POST":
        form = JointGroupForm(request.POST, candidates=candidates, memberless=memberless_choices)
    else:
        form = JointGroupForm(
            candidates=candidates,
            memberless=memberless_choices,
            initial={
                "organizations": [pk for pk in wanted if pk in {o.pk for o in candidates}],
                "name": _default_name(list(candidates.filter(pk__in=wanted))),
            },
        )
    selected: list[Organization] = []
    added: list[Organization] = []
    confirm = None
    if form.is_bound and form.is_valid():
        selected = list(form.cleaned_data["organizations"])
        added = list(form.cleaned_data.get("added") or ())
        moving = form.cleaned_data["moving"]
        name = form.cleaned_data["name"] or _default_name(selected)
        if "accept" in request.POST and moving is not None:
            try:
                party_org = services.accept_joint_group(
                    by=user,
                    organizations=selected,
                    added=added,
                    added_reason=form.cleaned_data.get("added_reason", ""),
                    name=name,
                    founded_on=form.cleaned_data["founded_on"],
                    moving=moving,
                )
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("已联合组建“%(name)s”。") % {"name": party_org.name})
                return redirect(f"{reverse('formation:joint_planner')}?township={township.pk}")
        elif "accept" in request.POST or "confirm" in request.POST:
            # Nothing is written before the clerk has seen whose party relations move.
            members = selectors.members_to_move(user=user, organizations=[*selected, *added])
            confirm = {
                "name": name,
                "rows": [by_pk[o.pk] for o in selected if o.pk in by_pk],
                "added": [by_pk[o.pk] for o in added if o.pk in by_pk],
                "members": members,
                "moving": moving_value([m.pk for m in members]),
            }
    elif not form.is_bound:
        selected = list(candidates.filter(pk__in=wanted))
    check = None
    if selected:
        members_ = [by_pk[o.pk].candidate for o in selected if o.pk in by_pk and by_pk[o.pk].problem is None]
        gone = [o for o in selected if o.pk not in by_pk or by_pk[o.pk].problem is not None]
        check = {
            "group": joint.make_group(members_, settings_) if members_ else None,
            "problems": [
                JOINT_PROBLEM_LABELS[p] for p in partners.group_problems(members_, settings_, added=len(added))
            ],
            "gone": gone,
            "reasons": [JOINT_REASON_LABELS[r] for r in joint.group_reasons(members_, settings_)],
        }
    # The group's organizations first, then the compatible candidates, each with its members and
    # why it fits; the organizations without full members apart, in the township's name order.
    options = selectors.review_options(rows=rows, selected=wanted, nearby=nearby, checked=wanted, settings=settings_)
    memberless_options = selectors.review_options(
        rows=rows,
        selected=[pk for pk in wanted_added if pk in by_pk],
        nearby=memberless,
        checked=wanted_added,
        settings=settings_,
    )
    context = {
        "form": form,
        "township": township,
        "row_of": by_pk,
        "check": check,
        "confirm": confirm,
        "policy": policy,
        "options": options,
        "memberless_options": memberless_options,
        "added_open": bool(wanted_added) or bool(form.is_bound and form.errors.get("added_reason")),
    }
    return render(request, "formation/joint_review.html", context)
