"""Pages of standardization (the five-ones checklist) and the five-goods assessment. Thin: parse
with a form, read through scoped selectors, write through services. Every object named in a URL is
fetched from a scoped queryset first, so an object outside the user's scope answers 404 to every
method; which roles may open or send to a page is ``accounts/access.py``'s. Every export and
every evidence download is audited (``registry.services.log_export``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission, Role
from liangxin.core.audited_export import audited_workbook
from liangxin.core.dates import today
from liangxin.core.errors import ServiceError
from liangxin.core.export import Cell, write_table
from liangxin.core.forms import TownshipFilterForm
from liangxin.core.shortcuts import add_service_error, get_in_scope_or_404, refuse_method
from liangxin.registry.models import PartyOrganization
from liangxin.registry.selectors import party_organization_townships_for
from liangxin.security import evidence as evidence_files

from . import rules, selectors, services
from .choices import AssessmentResult, Dimension, FiveOnesItem
from .forms import AssessmentFilterForm, AssessmentForm, CheckForm, EvidenceForm


class AuthedRequest(HttpRequest):
    user: User


def _party_organization(request: AuthedRequest, pk: int) -> PartyOrganization:
    return get_in_scope_or_404(selectors.party_organizations_for(user=request.user), pk=pk)


def _may_check(user: User, party_organization: PartyOrganization) -> bool:
    return (
        user.can(Permission.CHECK_STANDARDIZATION)
        and user.role != Role.SECRETARY
        and party_organization.dissolved_on is None
    )


def _may_add_evidence(user: User, party_organization: PartyOrganization) -> bool:
    return user.can(Permission.ADD_STANDARDIZATION_EVIDENCE) and party_organization.dissolved_on is None


# --- Completion by township ------------------------------------------------------------------------


@require_GET
def index(request: AuthedRequest) -> HttpResponse:
    form = TownshipFilterForm(request.GET, townships=party_organization_townships_for(user=request.user))
    township = form.chosen_township()
    result = selectors.completion(user=request.user, township=township)
    return render(
        request,
        "standards/index.html",
        {
            "form": form,
            "township": township,
            "completion": result,
            "items": FiveOnesItem.choices,
            "policy": selectors.current_policy(),
        },
    )


# --- A party organization's checklist --------------------------------------------------------------


def _checklist_page(
    request: AuthedRequest,
    party_organization: PartyOrganization,
    *,
    evidence_form: EvidenceForm | None = None,
    check_form: CheckForm | None = None,
) -> HttpResponse:
    user = request.user
    if evidence_form is None and _may_add_evidence(user, party_organization):
        evidence_form = EvidenceForm()
    if check_form is None and _may_check(user, party_organization):
        check_form = CheckForm(initial={"checked_on": today()})
    rows = selectors.checklist(party_organization=party_organization)
    return render(
        request,
        "standards/checklist.html",
        {
            "party_organization": party_organization,
            "rows": rows,
            "done": sum(1 for r in rows if r.done),
            "total": len(rows),
            "policy": selectors.current_policy(),
            "evidence_form": evidence_form if _may_add_evidence(user, party_organization) else None,
            "check_form": check_form if _may_check(user, party_organization) else None,
        },
    )


def checklist(request: AuthedRequest, pk: int) -> HttpResponse:
    party_organization = _party_organization(request, pk)
    if refused := refuse_method(request, "GET"):
        return refused
    return _checklist_page(request, party_organization)


def evidence_add(request: AuthedRequest, pk: int) -> HttpResponse:
    """Upload a photo or file for an item (the secretary, the township, the county)."""
    party_organization = _party_organization(request, pk)
    if refused := refuse_method(request, "POST"):
        return refused
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.add_evidence(
                by=request.user,
                party_organization=party_organization,
                item=d["item"],
                file=d["file"],
                description=d["description"],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, _("已上传“%(item)s”的证明材料,等待检查。") % {"item": FiveOnesItem(d["item"]).label}
            )
            return redirect(reverse("standards:checklist", args=[party_organization.pk]))
    return _checklist_page(request, party_organization, evidence_form=form)


def item_check(request: AuthedRequest, pk: int) -> HttpResponse:
    """Record the check of an item (a township clerk or the county; never the secretary)."""
    party_organization = _party_organization(request, pk)
    if refused := refuse_method(request, "POST"):
        return refused
    form = CheckForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.check_item(
                by=request.user,
                party_organization=party_organization,
                item=d["item"],
                data=services.CheckData(
                    passed=d["passed"],
                    checked_on=d["checked_on"],
                    note=d["note"],
                    inspector=d["inspector"],
                    room_area=d["room_area"],
                ),
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("检查结果已保存。"))
            return redirect(reverse("standards:checklist", args=[party_organization.pk]))
    return _checklist_page(request, party_organization, check_form=form)


def evidence_export(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """The evidence file, as a download (never shown inline), audited like an export."""
    evidence = get_in_scope_or_404(selectors.evidence_for(user=request.user), pk=pk)
    if refused := refuse_method(request, "GET"):
        return refused
    return evidence_files.download(
        request,
        field_file=evidence.file,
        name=evidence.file_name,
        kind=evidence.file_kind,
        object_type="standards.evidence",
        filters={"evidence": evidence.pk, "item": evidence.item.item, "file": evidence.file_name},
    )


# --- The five-goods assessment ----------------------------------------------------------------------


def _sheet(request: AuthedRequest) -> tuple[AssessmentFilterForm, selectors.AssessmentSheet]:
    form = AssessmentFilterForm(request.GET, townships=party_organization_townships_for(user=request.user))
    sheet = selectors.assessment_sheet(user=request.user, year=form.chosen_year(), township=form.chosen_township())
    return form, sheet


@require_GET
def assessments(request: AuthedRequest) -> HttpResponse:
    form, sheet = _sheet(request)
    return render(
        request,
        "standards/assessments.html",
        {
            "form": form,
            "sheet": sheet,
            "dimensions": Dimension.choices,
            "may_assess": request.user.can(Permission.EDIT_ORGANIZATIONS),
            "target": rules.FIVE_GOODS,
        },
    )


EXPORT_HEADER = (
    "乡镇(街道)",
    "党组织名称",
    "年度",
    *(f"{label}{part}" for _code, label in Dimension.choices for part in ("(得分)", "(评语)")),
    "评定结果",
    "评定单位",
    "评定日期",
    "说明",
)


def _export_rows(sheet: selectors.AssessmentSheet) -> Iterator[list[Cell]]:
    for row in sheet.rows:
        a = row.assessment
        head: list[Cell] = [row.party_organization.township.name, row.party_organization.name, sheet.year]
        if a is None:
            yield [*head, *([""] * 2 * len(rules.DIMENSIONS)), str(_("未评定")), "", "", ""]
            continue
        dimensions: list[Cell] = []
        for d in rules.DIMENSIONS:
            dimensions += [getattr(a, f"{d}_score"), getattr(a, f"{d}_comment")]
        yield [
            *head,
            *dimensions,
            str(AssessmentResult(a.result).label),
            a.assessing_unit,
            a.assessed_on,
            a.note,
        ]


@require_GET
def assessment_export(request: AuthedRequest) -> HttpResponseBase:
    form, sheet = _sheet(request)
    township = form.chosen_township()
    return audited_workbook(
        request,
        object_type="standards.fivegoodsassessment",
        filters={"year": sheet.year, "township": township.pk if township else None},
        rows=len(sheet.rows),
        filename=f"{sheet.year}年“五个好”党组织评定",
        write=lambda book: write_table(
            book, sheet_title=f"{sheet.year}年“五个好”评定", header=EXPORT_HEADER, rows=_export_rows(sheet)
        ),
    )


def assessment_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """A party organization's assessment of a year: read by everyone in scope, entered or
    corrected by its supervising unit (the township, or the county)."""
    party_organization = _party_organization(request, pk)
    if refused := refuse_method(request, "GET", "POST"):
        return refused
    year = AssessmentFilterForm(request.GET).chosen_year()
    current = selectors.assessment_of(party_organization=party_organization, year=year)
    may_assess = request.user.can(Permission.EDIT_ORGANIZATIONS)
    form: AssessmentForm | None = None
    if may_assess:
        if request.method == "POST":
            form = AssessmentForm(request.POST)
            if form.is_valid():
                d = form.cleaned_data
                try:
                    services.assess_five_goods(
                        by=request.user,
                        party_organization=party_organization,
                        data=services.AssessmentData(
                            year=year,
                            result=d["result"],
                            assessed_on=d["assessed_on"],
                            scores=form.scores(),
                            comments=form.comments(),
                            assessing_unit=d["assessing_unit"],
                            note=d["note"],
                        ),
                        version=d["version"],
                    )
                except ServiceError as exc:
                    add_service_error(form, exc)
                else:
                    messages.success(request, _("%(year)s 年度“五个好”评定已保存。") % {"year": year})
                    return redirect(f"{reverse('standards:assessments')}?year={year}")
        else:
            form = AssessmentForm(initial=_initial(current, year))
    elif request.method == "POST":
        messages.error(request, _("您的角色无权进行此操作。"))
    return render(
        request,
        "standards/assessment_form.html",
        {
            "party_organization": party_organization,
            "year": year,
            "assessment": current,
            "dimensions": _dimension_rows(current),
            "form": form,
        },
    )


def _initial(current: Any, year: int) -> dict[str, Any]:
    if current is None:
        return {"assessed_on": min(today(), today().replace(year=year, month=12, day=31)), "version": 0}
    initial: dict[str, Any] = {
        "result": current.result,
        "assessed_on": current.assessed_on,
        "assessing_unit": current.assessing_unit,
        "note": current.note,
        "version": current.version,
    }
    for d in rules.DIMENSIONS:
        initial[f"{d}_score"] = getattr(current, f"{d}_score")
        initial[f"{d}_comment"] = getattr(current, f"{d}_comment")
    return initial


def _dimension_rows(current: Any) -> list[tuple[str, int | None, str]]:
    if current is None:
        return []
    return [
        (str(label), getattr(current, f"{code}_score"), getattr(current, f"{code}_comment"))
        for code, label in Dimension.choices
    ]
