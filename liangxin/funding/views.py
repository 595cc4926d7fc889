"""Pages of funding. Thin: parse with a form, read through scoped selectors, write through services.
Every object named in a URL is fetched from a scoped queryset first, so an object outside the
user's scope answers 404 to every method; which roles may open or send to a page is
``accounts/access.py``'s. Every export is audited (``registry.services.log_export``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission, ScopeKind
from liangxin.core.clients import client_address
from liangxin.core.dates import today
from liangxin.core.errors import ServiceError
from liangxin.core.export import workbook_response
from liangxin.core.forms import YearFilterForm
from liangxin.core.shortcuts import add_service_error, get_in_scope_or_404, refuse_method
from liangxin.geo.models import AdministrativeUnit
from liangxin.policy import funding_rules
from liangxin.policy.selectors import funding_timeline
from liangxin.registry import services as registry_services
from liangxin.registry.models import Member, Organization, PartyOrganization
from liangxin.registry.selectors import party_organization_townships_for
from liangxin.security import evidence as evidence_files

from . import export, ledger, selectors, services
from .choices import LedgerKind, RewardStatus
from .forms import (
    ActivityFundFilterForm,
    ActivityFundForm,
    AllocationForm,
    DuesBaseForm,
    DuesMonthForm,
    DuesPaymentForm,
    IssueAllocationForm,
    ReturnDuesForm,
    RewardDecisionForm,
    RewardFilterForm,
    RewardForm,
    SpendingForm,
)
from .models import RewardApplication


class AuthedRequest(HttpRequest):
    user: User


XLSX = "xlsx"


def _unit(user: User, township: AdministrativeUnit | None) -> str:
    return township.name if township is not None else user.scope_label


def _audited_export(
    request: AuthedRequest,
    *,
    object_type: str,
    filters: dict[str, object],
    rows: int,
    write: export.Writer,
    filename: str,
) -> HttpResponseBase:
    registry_services.log_export(
        by=request.user,
        object_type=object_type,
        filters=filters,
        rows=rows,
        file_format=XLSX,
        remote_addr=client_address(request),
    )
    return workbook_response(filename=f"{filename}_{today():%Y%m%d}.xlsx", write=write)


def _context(request: AuthedRequest, **extra: Any) -> dict[str, Any]:
    user = request.user
    return {
        "years": selectors.years_offered(),
        "may_disburse": user.can(Permission.DISBURSE_FUNDS),
        "may_keep_books": user.can(Permission.KEEP_FUNDING_BOOKS),
        "show_amounts": selectors.may_see_dues_amounts(user=user),
    } | extra


# --- The summary ---------------------------------------------------------------------------------


def _summary(
    request: AuthedRequest,
) -> tuple[YearFilterForm, int, AdministrativeUnit | None, selectors.Summary | None, str]:
    form = YearFilterForm(request.GET, townships=party_organization_townships_for(user=request.user))
    year, township = form.chosen_year(), form.chosen_township()
    try:
        return form, year, township, selectors.funding_summary(user=request.user, year=year, township=township), ""
    except ServiceError as exc:
        return form, year, township, None, exc.message


@require_GET
def index(request: AuthedRequest) -> HttpResponse:
    form, year, township, summary, error = _summary(request)
    return render(
        request,
        "funding/index.html",
        _context(request, form=form, year=year, township=township, summary=summary, error=error),
    )


@require_GET
def summary_export(request: AuthedRequest) -> HttpResponseBase:
    _form, year, township, summary, error = _summary(request)
    if summary is None:
        messages.error(request, error)
        return redirect(reverse("funding:index"))
    rows = sum(len(orgs) for _unit_, _row, orgs in summary.townships)
    return _audited_export(
        request,
        object_type="funding.summary",
        filters={"year": year, "township": township.pk if township else None},
        rows=rows,
        write=export.summary_workbook(summary, unit=_unit(request.user, township)),
        filename=_("%(year)s年党建经费汇总表") % {"year": year},
    )


# --- Allocation ----------------------------------------------------------------------------------


def _allocation(
    request: AuthedRequest,
) -> tuple[AllocationForm, int, AdministrativeUnit | None, selectors.AllocationSheet | None, str]:
    form = AllocationForm(request.GET, townships=party_organization_townships_for(user=request.user))
    year, township = form.chosen_year(), form.chosen_township()
    as_of = form.cleaned_data.get("as_of") if form.is_valid() else None
    try:
        sheet = selectors.allocation_sheet(user=request.user, year=year, as_of=as_of, township=township)
    except ServiceError as exc:
        return form, year, township, None, exc.message
    return form, year, township, sheet, ""


@require_http_methods(["GET", "POST"])
def allocation(request: AuthedRequest) -> HttpResponse:
    """The year's allocation sheet; the county administrator issues it from here (POST)."""
    issue_form = None
    if request.method == "POST":
        issue_form = IssueAllocationForm(request.POST)
        if issue_form.is_valid():
            year = issue_form.cleaned_data["year"]
            try:
                issued = services.issue_allocation(by=request.user, year=year, as_of=issue_form.cleaned_data["as_of"])
            except ServiceError as exc:
                add_service_error(issue_form, exc)
            else:
                messages.success(
                    request,
                    _("%(year)s年度党建工作经费已拨付,共 %(n)s 个党组织。") % {"year": year, "n": issued.lines.count()},
                )
                return redirect(f"{reverse('funding:allocation')}?year={year}")
    form, year, township, sheet, error = _allocation(request)
    if issue_form is None and sheet is not None and sheet.issued is None:
        issue_form = IssueAllocationForm(initial={"year": year, "as_of": sheet.as_of})
    return render(
        request,
        "funding/allocation.html",
        _context(
            request,
            form=form,
            year=year,
            township=township,
            sheet=sheet,
            groups=sheet.by_township() if sheet else [],
            error=error,
            issue_form=issue_form if request.user.can(Permission.DISBURSE_FUNDS) else None,
        ),
    )


@require_GET
def allocation_export(request: AuthedRequest) -> HttpResponseBase:
    _form, year, township, sheet, error = _allocation(request)
    if sheet is None:
        messages.error(request, error)
        return redirect(reverse("funding:allocation"))
    # The county's workbook opens with its summary by township; a township's is its own sheet.
    county = township is None and request.user.scope_kind is ScopeKind.COUNTY
    return _audited_export(
        request,
        object_type="funding.allocation",
        filters={"year": year, "township": township.pk if township else None, "as_of": sheet.as_of.isoformat()},
        rows=len(sheet.rows),
        write=export.allocation_workbook(sheet, unit=_unit(request.user, township), county=county),
        filename=_("%(year)s年党建工作经费拨付表") % {"year": year},
    )


# --- The returned share of dues ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def dues_returns(request: AuthedRequest) -> HttpResponse:
    form = YearFilterForm(request.GET, townships=party_organization_townships_for(user=request.user))
    year, township = form.chosen_year(), form.chosen_township()
    return_form = ReturnDuesForm(request.POST if request.method == "POST" else None, initial={"year": year})
    if request.method == "POST" and return_form.is_valid():
        year = return_form.cleaned_data["year"]
        try:
            returned = services.return_dues(by=request.user, year=year)
        except ServiceError as exc:
            add_service_error(return_form, exc)
        else:
            total = sum((r.amount for r in returned), selectors.ZERO)
            messages.success(
                request,
                _("已向 %(n)s 个党组织返还 %(year)s 年党费留存部分共 %(total)s 元。")
                % {"n": len(returned), "year": year, "total": total},
            )
            return redirect(f"{reverse('funding:dues_returns')}?year={year}")
    party_orgs = selectors.party_organizations_for(user=request.user)
    if township is not None:
        party_orgs = party_orgs.filter(township=township)
    rows = selectors.dues_returns(party_organizations=party_orgs, year=year)
    rules = funding_timeline().on(selectors.default_as_of(year))
    return render(
        request,
        "funding/dues_returns.html",
        _context(
            request,
            form=form,
            year=year,
            rows=rows,
            rules=rules,
            totals={
                "paid": sum((r.dues_paid for r in rows), selectors.ZERO),
                "due": sum((r.share_due for r in rows), selectors.ZERO),
                "returned": sum((r.returned for r in rows), selectors.ZERO),
                "to_return": sum((r.to_return for r in rows), selectors.ZERO),
            },
            return_form=return_form if request.user.can(Permission.DISBURSE_FUNDS) else None,
        ),
    )


# --- Activity funds ------------------------------------------------------------------------------


def _activity(
    request: AuthedRequest,
) -> tuple[ActivityFundFilterForm, int, AdministrativeUnit | None, list[selectors.ActivityFundRow]]:
    form = ActivityFundFilterForm(request.GET, townships=party_organization_townships_for(user=request.user))
    year, township = form.chosen_year(), form.chosen_township()
    rows = selectors.activity_funds(user=request.user, year=year, status=form.chosen_status(), township=township)
    return form, year, township, rows


@require_GET
def activity_funds(request: AuthedRequest) -> HttpResponse:
    form, year, _township, rows = _activity(request)
    rules = funding_timeline().on(selectors.default_as_of(year))
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "funding/activity_funds.html",
        _context(request, form=form, year=year, page=page, rows=page.object_list, rules=rules),
    )


@require_GET
def activity_fund_export(request: AuthedRequest) -> HttpResponseBase:
    form, year, township, rows = _activity(request)
    return _audited_export(
        request,
        object_type="funding.activityfundbooking",
        filters={"year": year, "township": township.pk if township else None, "status": form.chosen_status()},
        rows=len(rows),
        write=export.activity_fund_workbook(rows, year=year, unit=_unit(request.user, township)),
        filename=_("%(year)s年党建活动经费列支情况") % {"year": year},
    )


def activity_fund_record(request: AuthedRequest, pk: int) -> HttpResponse:
    organization = get_in_scope_or_404(selectors.organizations_for(user=request.user), pk=pk)
    if refused := refuse_method(request, "GET", "POST"):
        return refused
    year_form = YearFilterForm(request.GET)
    year = year_form.chosen_year()
    if request.method == "POST":
        form = ActivityFundForm(request.POST)
        if form.is_valid():
            year = form.cleaned_data["year"]
            try:
                services.record_activity_fund(
                    by=request.user, organization=organization, year=year, amount=form.cleaned_data["amount"]
                )
            except ServiceError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("已登记 %(year)s 年党建活动经费。") % {"year": year})
                return redirect(f"{reverse('funding:activity_fund_record', args=[organization.pk])}?year={year}")
    else:
        current = selectors.activity_fund_of(organization=organization, year=year)
        form = ActivityFundForm(initial={"year": year, "amount": current.booked})
    return render(
        request,
        "funding/activity_fund_form.html",
        _context(
            request,
            organization=organization,
            form=form,
            year=year,
            row=selectors.activity_fund_of(organization=organization, year=year),
            labels=funding_rules.RANGE_LABELS,
        ),
    )


# --- Rewards -------------------------------------------------------------------------------------


@require_GET
def reward_list(request: AuthedRequest) -> HttpResponse:
    form = RewardFilterForm(request.GET)
    rewards = selectors.rewards_for(user=request.user)
    if status := form.chosen_status():
        rewards = rewards.filter(status=status)
    party_orgs = selectors.party_organizations_for(user=request.user).filter(dissolved_on__isnull=True).order_by("name")
    return render(
        request,
        "funding/reward_list.html",
        _context(request, form=form, rewards=rewards[:500], party_organizations=party_orgs),
    )


def reward_create(request: AuthedRequest, pk: int) -> HttpResponse:
    party_organization = get_in_scope_or_404(selectors.party_organizations_for(user=request.user), pk=pk)
    if refused := refuse_method(request, "GET", "POST"):
        return refused
    organizations = Organization.objects.filter(
        coverages__party_organization=party_organization, coverages__valid_to__isnull=True
    ).order_by("name_normalized")
    form = RewardForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        organizations=organizations,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            reward = services.submit_reward(
                by=request.user,
                party_organization=party_organization,
                data=services.RewardData(
                    kind=d["kind"],
                    title=d["title"],
                    description=d["description"],
                    amount=d["amount"],
                    organization=d["organization"],
                    five_ones_item=d["five_ones_item"],
                ),
                evidence=d["file"],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("以奖代补申请已提交,等待县级审批。"))
            return redirect(reward)
    return render(
        request, "funding/reward_form.html", _context(request, party_organization=party_organization, form=form)
    )


def _scoped_reward(request: AuthedRequest, pk: int) -> RewardApplication:
    return get_in_scope_or_404(selectors.rewards_for(user=request.user), pk=pk)


def reward_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """An application; the county administrator approves or rejects it here (POST)."""
    reward = _scoped_reward(request, pk)
    if refused := refuse_method(request, "GET", "POST"):
        return refused
    form = None
    if reward.status == RewardStatus.SUBMITTED and request.user.can(Permission.DISBURSE_FUNDS):
        form = RewardDecisionForm(
            request.POST if request.method == "POST" else None, initial={"amount": reward.amount_requested}
        )
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            try:
                if d["decision"] == RewardStatus.APPROVED:
                    services.approve_reward(by=request.user, reward=reward, amount=d["amount"], note=d["note"])
                else:
                    services.reject_reward(by=request.user, reward=reward, note=d["note"])
            except ServiceError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("审批结果已保存。"))
                return redirect(reward)
    elif request.method == "POST":
        messages.error(request, _("该申请已经审批。"))
    return render(request, "funding/reward_detail.html", _context(request, reward=reward, form=form))


def reward_evidence_export(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """The evidence file, as a download (never shown inline), audited like an export."""
    reward = _scoped_reward(request, pk)
    if refused := refuse_method(request, "GET"):
        return refused
    return evidence_files.download(
        request,
        field_file=reward.evidence,
        name=reward.evidence_name,
        kind=reward.evidence_kind,
        object_type="funding.rewardapplication",
        filters={"reward": reward.pk, "file": reward.evidence_name},
    )


# --- A party organization's ledger and dues ------------------------------------------------------


def _scoped_party_organization(request: AuthedRequest, pk: int) -> PartyOrganization:
    return get_in_scope_or_404(selectors.party_organizations_for(user=request.user), pk=pk)


def ledger_page(request: AuthedRequest, pk: int) -> HttpResponse:
    """The ledger of a year; those who keep the books enter spending here (POST)."""
    party_organization = _scoped_party_organization(request, pk)
    if refused := refuse_method(request, "GET", "POST"):
        return refused
    year = YearFilterForm(request.GET).chosen_year()
    form = SpendingForm(request.POST if request.method == "POST" else None, initial={"on": today()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.add_spending(
                by=request.user,
                party_organization=party_organization,
                on=d["on"],
                amount=d["amount"],
                description=d["description"],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("支出已入账。"))
            return redirect(f"{reverse('funding:ledger', args=[party_organization.pk])}?year={d['on'].year}")
    totals, rows = selectors.ledger_year(party_organization=party_organization, year=year)
    return render(
        request,
        "funding/ledger.html",
        _context(
            request,
            party_organization=party_organization,
            year=year,
            totals=totals,
            money_in=[(LedgerKind(kind).label, totals.by_kind[kind]) for kind in ledger.KINDS_IN],
            rows=[(entry, ledger.DIRECTION[entry.kind] == ledger.IN, balance) for entry, balance in rows],
            balance=selectors.balance_of(party_organization=party_organization),
            spending_form=form if request.user.can(Permission.KEEP_FUNDING_BOOKS) else None,
        ),
    )


def ledger_export(request: AuthedRequest, pk: int) -> HttpResponseBase:
    party_organization = _scoped_party_organization(request, pk)
    if refused := refuse_method(request, "GET"):
        return refused
    year = YearFilterForm(request.GET).chosen_year()
    totals, rows = selectors.ledger_year(party_organization=party_organization, year=year)
    return _audited_export(
        request,
        object_type="funding.ledgerentry",
        filters={"party_organization": party_organization.pk, "year": year},
        rows=len(rows),
        write=export.ledger_workbook(party_organization, year, totals, rows),
        filename=_("%(name)s%(year)s年经费台账") % {"name": party_organization.name, "year": year},
    )


def dues_page(request: AuthedRequest, pk: int) -> HttpResponse:
    party_organization = _scoped_party_organization(request, pk)
    if refused := refuse_method(request, "GET"):
        return refused
    year = YearFilterForm(request.GET).chosen_year()
    sheet = selectors.dues_sheet(party_organization=party_organization, year=year)
    months = [dt.date(year, m, 1) for m in range(1, 13)]
    return render(
        request,
        "funding/dues.html",
        _context(
            request,
            party_organization=party_organization,
            year=year,
            sheet=sheet,
            months=months,
            grid=[(member, [member.cell(month) for month in months]) for member in sheet.members],
        ),
    )


def dues_export(request: AuthedRequest, pk: int) -> HttpResponseBase:
    party_organization = _scoped_party_organization(request, pk)
    if refused := refuse_method(request, "GET"):
        return refused
    year = YearFilterForm(request.GET).chosen_year()
    sheet = selectors.dues_sheet(party_organization=party_organization, year=year)
    return _audited_export(
        request,
        object_type="funding.duespayment",
        filters={"party_organization": party_organization.pk, "year": year},
        rows=len(sheet.members),
        write=export.dues_workbook(
            party_organization, sheet, amounts=selectors.may_see_dues_amounts(user=request.user)
        ),
        filename=_("%(name)s%(year)s年党费交纳情况") % {"name": party_organization.name, "year": year},
    )


def dues_record(request: AuthedRequest, pk: int) -> HttpResponse:
    """One month's payments: the members owing that month here, each with the month's dues (to
    those who may see amounts; the others type what was paid)."""
    party_organization = _scoped_party_organization(request, pk)
    if refused := refuse_method(request, "GET", "POST"):
        return refused
    data = request.POST if request.method == "POST" else request.GET
    month = DuesMonthForm(data).chosen_month()
    sheet = selectors.dues_sheet(party_organization=party_organization, year=month.year)
    show_amounts = selectors.may_see_dues_amounts(user=request.user)
    owing = []
    for member in sheet.members:
        cell = member.cell(month)
        if cell is not None and not cell.paid:
            owing.append((member.member_id, member.name, cell.due if show_amounts else None))
    form = DuesPaymentForm(
        request.POST if request.method == "POST" else None,
        members=owing,
        initial={"month": month, "paid_on": today()},
    )
    if request.method == "POST" and form.is_valid():
        members = {m.pk: m for m in Member.objects.filter(pk__in=[pk for pk, _amount in form.paid()])}
        try:
            recorded = services.record_dues_payments(
                by=request.user,
                party_organization=party_organization,
                month=form.cleaned_data["month"],
                paid_on=form.cleaned_data["paid_on"],
                payments=[services.Payment(members[pk], amount) for pk, amount in form.paid()],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("已登记 %(n)s 名党员 %(month)s 的党费。") % {"n": len(recorded), "month": f"{month:%Y年%m月}"},
            )
            return redirect(f"{reverse('funding:dues', args=[party_organization.pk])}?year={month.year}")
    return render(
        request,
        "funding/dues_record.html",
        _context(
            request,
            party_organization=party_organization,
            month=month,
            form=form,
            head_fields=[form["month"], form["paid_on"]],
            member_fields=[form[name] for _pk, name in form.member_fields],
        ),
    )


def _scoped_member(request: AuthedRequest, pk: int) -> Member:
    return get_in_scope_or_404(selectors.members_for(user=request.user), pk=pk)


def _dues_base_page(
    request: AuthedRequest, member: Member, form: DuesBaseForm, revealed: list[services.RevealedBase] | None = None
) -> HttpResponse:
    relation = member.relations.filter(valid_to__isnull=True).select_related("party_organization").first()
    return render(
        request,
        "funding/dues_base.html",
        _context(
            request,
            member=member,
            party_organization=relation.party_organization if relation else None,
            history=selectors.dues_base_history(member=member),
            may_see=services.may_see_dues_base(user=request.user, member=member),
            form=form,
            revealed=revealed,
        ),
    )


def dues_base(request: AuthedRequest, pk: int) -> HttpResponse:
    """A member's dues bases (masked) and the form to record one: for the member's secretary and
    the county administrator (the service refuses anyone else)."""
    member = _scoped_member(request, pk)
    if refused := refuse_method(request, "GET", "POST"):
        return refused
    form = DuesBaseForm(
        request.POST if request.method == "POST" else None, initial={"valid_from": today().replace(day=1)}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            recorded = services.set_dues_base(
                by=request.user,
                member=member,
                category=d["category"],
                valid_from=d["valid_from"],
                base=d["base"],
                quarter_income=d["quarter_income"],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("已登记 %(name)s 自 %(month)s 起的党费计算基数,每月应交党费 %(dues)s 元。")
                % {"name": member.name, "month": f"{recorded.row.valid_from:%Y年%m月}", "dues": recorded.monthly_dues},
            )
            return redirect(reverse("funding:dues_base", args=[member.pk]))
    return _dues_base_page(request, member, form)


def dues_base_reveal(request: AuthedRequest, pk: int) -> HttpResponse:
    """The bases in full, on an explicit request, audited by the service."""
    member = _scoped_member(request, pk)
    if refused := refuse_method(request, "POST"):
        return refused
    try:
        revealed = services.reveal_dues_base(by=request.user, member=member, remote_addr=client_address(request))
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("funding:dues_base", args=[member.pk]))
    return _dues_base_page(request, member, DuesBaseForm(initial={"valid_from": today().replace(day=1)}), revealed)
