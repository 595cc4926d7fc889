"""Pages of training records and the yearly gap list. Thin: parse with a form, read through scoped
selectors, write through services. An object named in a URL is fetched from a scoped queryset
first (404 outside the scope); which roles may open or send to a page is ``accounts/access.py``'s.
Every export is audited (``registry.services.log_export``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from liangxin.accounts import access
from liangxin.accounts.models import User
from liangxin.core.audited_export import audited_workbook
from liangxin.core.errors import ServiceError
from liangxin.core.export import Cell, XlsxBook, write_table
from liangxin.core.shortcuts import add_service_error, get_in_scope_or_404, refuse_method
from liangxin.registry import pickers
from liangxin.registry.models import PartyOrganization
from liangxin.registry.selectors import townships_for

from . import rules, selectors, services
from .forms import AttendeeForm, RuleVersionForm, TrainingFilterForm, TrainingForm
from .scoping import may_keep


class AuthedRequest(HttpRequest):
    user: User


def _year_form(request: AuthedRequest, *, with_township: bool = True) -> TrainingFilterForm:
    return TrainingFilterForm(request.GET, townships=townships_for(user=request.user) if with_township else None)


@require_GET
def index(request: AuthedRequest) -> HttpResponse:
    form = _year_form(request, with_township=False)
    year = form.chosen_year()
    trainings = selectors.trainings_for(user=request.user, year=year)
    return render(
        request,
        "training/index.html",
        {"form": form, "year": year, "trainings": trainings, "may_keep": may_keep(request.user)},
    )


@require_http_methods(["GET", "POST"])
def create(request: AuthedRequest) -> HttpResponse:
    form = TrainingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            training = services.create_training(by=request.user, data=services.TrainingData(**form.cleaned_data))
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("培训已录入,请添加参训人员。"))
            return redirect(training.get_absolute_url())
    return render(request, "training/training_form.html", {"form": form})


def _attendee_form(request: AuthedRequest, data: Any = None) -> AttendeeForm:
    user = request.user
    return AttendeeForm(
        data,
        party_organizations=PartyOrganization.objects.restrict(user).filter(dissolved_on__isnull=True),
        members=pickers.members_to_pick(user=user),
        organizations=pickers.organizations_to_pick(user=user),
        townships=townships_for(user=user),
    )


def detail(request: AuthedRequest, pk: int) -> HttpResponseBase:
    training = get_in_scope_or_404(selectors.trainings_for(user=request.user), pk=pk)
    if refused := refuse_method(request, "GET", "POST"):
        return refused
    kept = selectors.kept_trainings(user=request.user).filter(pk=training.pk).exists()
    form = _attendee_form(request, request.POST if request.method == "POST" else None) if kept else None
    if request.method == "POST":
        if form is None:
            messages.error(request, _("这次培训不是您所在单位举办的,不能修改。"))
            return redirect(training.get_absolute_url())
        if form.is_valid():
            data = form.cleaned_data
            attendee = services.AttendeeData(
                kind=data["kind"],
                party_organization=data.get("party_organization"),
                member=data.get("member"),
                organization=data.get("organization"),
                name=data.get("person_name") or "",
                township=data.get("township"),
            )
            try:
                services.add_attendees(by=request.user, training=training, attendees=[attendee])
            except ServiceError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("已添加参训人员。"))
                return redirect(training.get_absolute_url())
    attendees = selectors.attendees_of(user=request.user, training=training)
    return render(
        request,
        "training/detail.html",
        {"training": training, "attendees": attendees, "form": form, "kept": kept},
    )


def attendee_remove(request: AuthedRequest, pk: int) -> HttpResponseBase:
    attendance = get_in_scope_or_404(selectors.attendances_in_scope(user=request.user), pk=pk)
    if refused := refuse_method(request, "POST"):
        return refused
    try:
        services.remove_attendee(by=request.user, attendance=attendance)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已移出参训名单:%(name)s") % {"name": attendance.name})
    return redirect(attendance.training.get_absolute_url())


# --- The gap list -------------------------------------------------------------------------------


@require_GET
def gaps(request: AuthedRequest) -> HttpResponse:
    form = _year_form(request)
    year, audience = form.chosen_year(), form.chosen_audience()
    report = selectors.training_gaps(user=request.user, year=year, township=form.chosen_township(), audience=audience)
    return render(
        request,
        "training/gaps.html",
        {"form": form, "year": year, "report": report, "audiences": rules.AUDIENCE_LABELS},
    )


def gap_township(request: AuthedRequest, pk: int) -> HttpResponseBase:
    township = get_in_scope_or_404(townships_for(user=request.user), pk=pk)
    if refused := refuse_method(request, "GET"):
        return refused
    form = _year_form(request, with_township=False)
    year, audience = form.chosen_year(), form.chosen_audience()
    report = selectors.training_gaps(user=request.user, year=year, township=township, audience=audience)
    by_audience = [
        (label, [s for s in report.statuses if s.required.audience == code])
        for code, label in rules.AUDIENCE_LABELS.items()
    ]
    return render(
        request,
        "training/gap_township.html",
        {"form": form, "year": year, "township": township, "report": report, "by_audience": by_audience},
    )


GAP_HEADER = ["乡镇(街道)", "培训对象", "党组织/两新组织", "姓名", "应训次数", "已训次数", "缺训次数"]


def gap_rows(report: selectors.GapReport) -> Iterator[list[Cell]]:
    names = {t.pk: t.name for t in report.townships}
    for status in report.missing:
        person = status.required
        yield [
            names.get(person.township_id, ""),
            rules.AUDIENCE_LABELS[person.audience],
            person.label,
            person.person,
            status.times_required,
            status.times_attended,
            status.missing,
        ]


@require_GET
def gap_export(request: AuthedRequest) -> HttpResponseBase:
    form = _year_form(request)
    year, township, audience = form.chosen_year(), form.chosen_township(), form.chosen_audience()
    report = selectors.training_gaps(user=request.user, year=year, township=township, audience=audience)

    def write(book: XlsxBook) -> None:
        write_table(book, sheet_title=f"{year}年缺训名单", header=GAP_HEADER, rows=gap_rows(report))

    return audited_workbook(
        request,
        object_type="training.gap_list",
        filters={"year": year, "township": township.pk if township else None, "audience": audience},
        rows=len(report.missing),
        filename=f"培训缺训名单_{year}",
        write=write,
    )


# --- The rules ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def rule_list(request: AuthedRequest) -> HttpResponse:
    form = RuleVersionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_rule_version(by=request.user, data=services.RuleData(**form.cleaned_data))
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("已新增培训要求版本。"))
            return redirect(reverse("training:rules"))
    may_define = access.may_open(request.user.role, "training:rules", "POST")
    return render(
        request, "training/rules.html", {"versions": selectors.rule_versions(), "form": form, "may_define": may_define}
    )
