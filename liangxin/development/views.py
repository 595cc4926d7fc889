"""Pages of member development (发展党员). Thin: every object is fetched through the user's scope
(404 outside it), every write goes through ``services``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission
from liangxin.core.audited_export import audited_workbook
from liangxin.core.clients import client_address
from liangxin.core.dates import today
from liangxin.core.errors import ServiceError
from liangxin.core.shortcuts import add_service_error, get_in_scope_or_404, refuse_method
from liangxin.geo.models import AdministrativeUnit
from liangxin.registry.pickers import members_to_pick, organizations_to_pick

from . import export, pipeline, selectors, services
from .forms import (
    ApplicationForm,
    ListFilterForm,
    RecommendationForm,
    RecommendationResultForm,
    StageForm,
    StepForm,
)
from .models import DevelopmentFile, Recommendation, RecommendationResult

SHOWN = 500  # rows of a list on the page; the export has them all


class AuthedRequest(HttpRequest):
    user: User


def _filters(request: AuthedRequest) -> ListFilterForm:
    party_orgs = selectors.party_organizations_for(user=request.user)
    townships = AdministrativeUnit.objects.filter(pk__in=party_orgs.values("township_id")).order_by("code")
    return ListFilterForm(request.GET or None, townships=townships, party_organizations=party_orgs)


def _lists(request: AuthedRequest, form: ListFilterForm) -> selectors.Lists:
    township = form.chosen("township")
    party_org = form.chosen("party_organization")
    return selectors.development_lists(
        user=request.user,
        on=today(),
        township_id=township.pk if township else None,
        party_organization_id=party_org.pk if party_org else None,
    )


def index(request: AuthedRequest) -> HttpResponse:
    form = _filters(request)
    lists = _lists(request, form)
    stage = form.chosen("stage")
    rows = [row for row in lists.rows if not stage or row.stage == stage]
    return render(
        request,
        "development/index.html",
        {
            "form": form,
            "lists": lists,
            "stages": [(pipeline.STAGE_LABELS[s], lists.by_stage[s]) for s in pipeline.STAGES],
            "stage_labels": [pipeline.STAGE_LABELS[s] for s in pipeline.STAGES],
            "preference_rows": [
                (pipeline.PREFERENCE_LABELS[p], [counts[s] for s in pipeline.STAGES], sum(counts.values()))
                for p, counts in lists.preference_counts.items()
            ],
            "rows": rows[:SHOWN],
            "more": max(0, len(rows) - SHOWN),
            "may_develop": request.user.can(Permission.DEVELOP_MEMBERS),
            "query": request.GET.urlencode(),
        },
    )


def lists_export(request: AuthedRequest) -> HttpResponseBase:
    form = _filters(request)
    lists = _lists(request, form)
    filters: dict[str, object] = {
        name: str(value.pk) for name in ("township", "party_organization") if (value := form.chosen(name))
    }
    return audited_workbook(
        request,
        object_type="development.developmentfile",
        filters=filters,
        rows=len(lists.rows),
        filename=_("发展党员名单"),
        write=export.lists_workbook(lists),
    )


def file_create(request: AuthedRequest) -> HttpResponse:
    form = ApplicationForm(
        request.POST or None,
        party_organizations=selectors.party_organizations_for(user=request.user),
        organizations=organizations_to_pick(user=request.user),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            file = services.open_application(
                by=request.user,
                data=services.ApplicationData(
                    name=d["name"],
                    id_number=d["id_number"],
                    party_organization=d["party_organization"],
                    organization=d["organization"],
                    work_role=d["work_role"],
                    position=d["position"],
                    phone=d["phone"],
                    applied_on=d["applied_on"],
                ),
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("已登记入党申请。"))
            return redirect(file)
    return render(request, "development/file_create.html", {"form": form})


def _scoped_file(request: AuthedRequest, pk: int) -> DevelopmentFile:
    return get_in_scope_or_404(selectors.files_for(user=request.user), pk=pk)


def _detail(request: AuthedRequest, file: DevelopmentFile, **extra: Any) -> HttpResponse:
    record = file.record()
    rules = selectors.rules_in_force(on=file.applied_on)
    stage = record.stage
    following = pipeline.next_stage(stage)
    dates = file.stage_dates()
    context: dict[str, Any] = {
        "file": file,
        "stage_label": pipeline.STAGE_LABELS[stage] if stage else "",
        "timeline": [(pipeline.STAGE_LABELS[s], dates[s]) for s in pipeline.STAGES],
        "steps": list(file.steps.all()),
        "next_stage": pipeline.STAGE_LABELS[following] if following else None,
        "missing": [pipeline.STEP_LABELS[s] for s in pipeline.missing_steps(record, following)] if following else [],
        "probation_ends": pipeline.probation_ends(record, rules),
        "talk_due": pipeline.talk_due(record, rules) if pipeline.Step.TALK not in record.steps else None,
        "overdue": pipeline.overdue(record, today(), rules),
        "may_develop": request.user.can(Permission.DEVELOP_MEMBERS),
        "may_reveal": request.user.can(Permission.VIEW_FULL_ID_NUMBER),
        "masked": file.member.id_number_masked if file.member else file.id_number_masked,
        "recommendations": list(file.recommendations.select_related("organization")),
    }
    if context["may_develop"]:
        context.setdefault("step_form", StepForm())
        context.setdefault("stage_form", StageForm(initial={"stage": following.value if following else ""}))
    context.update(extra)
    return render(request, "development/file_detail.html", context)


def file_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    file = _scoped_file(request, pk)
    if refused := refuse_method(request, "GET"):
        return refused
    return _detail(request, file)


def file_step(request: AuthedRequest, pk: int) -> HttpResponse:
    file = _scoped_file(request, pk)
    if refused := refuse_method(request, "POST"):
        return refused
    form = StepForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.record_step(
                by=request.user,
                file=file,
                step=pipeline.Step(d["step"]),
                on=d["done_on"],
                note=d["note"],
                months=d["months"] or 0,
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("已记录。"))
            return redirect(file)
    return _detail(request, file, step_form=form)


def file_stage(request: AuthedRequest, pk: int) -> HttpResponse:
    file = _scoped_file(request, pk)
    if refused := refuse_method(request, "POST"):
        return refused
    form = StageForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.enter_stage(by=request.user, file=file, stage=pipeline.Stage(d["stage"]), on=d["on"])
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("已进入新阶段。"))
            return redirect(file)
    return _detail(request, file, stage_form=form)


def file_reveal_id_number(request: AuthedRequest, pk: int) -> HttpResponse:
    file = _scoped_file(request, pk)
    if refused := refuse_method(request, "POST"):
        return refused
    try:
        number = services.reveal_id_number(by=request.user, file=file, remote_addr=client_address(request))
    except ServiceError as exc:
        raise PermissionDenied(exc.message) from exc
    if request.headers.get("HX-Request"):
        return render(request, "registry/_id_number.html", {"number": number})
    return _detail(request, file, revealed=number)


def recommendation_list(request: AuthedRequest) -> HttpResponse:
    rows = selectors.recommendations_for(user=request.user)
    return render(
        request,
        "development/recommendation_list.html",
        {"rows": rows[:SHOWN], "may_develop": request.user.can(Permission.DEVELOP_MEMBERS)},
    )


def recommendation_create(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form = RecommendationForm(
        request.POST or None,
        party_organizations=selectors.party_organizations_for(user=user),
        members=members_to_pick(user=user),
        files=selectors.files_for(user=user).filter(member__isnull=True).order_by("name", "pk"),
        organizations=organizations_to_pick(user=user),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            row = services.recommend(
                by=user,
                data=services.RecommendationData(
                    kind=d["kind"],
                    party_organization=d["party_organization"],
                    recommender=d["recommender"],
                    organization=d["organization"],
                    recommended_on=d["recommended_on"],
                    member=d["member"],
                    file=d["file"],
                    note=d["note"],
                ),
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("已记录推荐。"))
            return redirect(row)
    return render(request, "development/recommendation_create.html", {"form": form})


def recommendation_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    row: Recommendation = get_in_scope_or_404(selectors.recommendations_for(user=request.user), pk=pk)
    if refused := refuse_method(request, "GET", "POST"):
        return refused
    form = None
    if row.result == RecommendationResult.PENDING and request.user.can(Permission.DEVELOP_MEMBERS):
        form = RecommendationResultForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            try:
                services.record_recommendation_result(
                    by=request.user, recommendation=row, result=d["result"], on=d["result_on"], note=d["result_note"]
                )
            except ServiceError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("已记录推荐结果。"))
                return redirect(row)
    elif request.method == "POST":
        messages.error(request, _("该推荐已有结果。"))
    return render(request, "development/recommendation_detail.html", {"row": row, "form": form})
