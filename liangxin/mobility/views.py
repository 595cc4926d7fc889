"""Pages of mobile members' work. Thin: forms parse, scoped selectors read, services write. Every
object in a URL comes from a scoped queryset first (404 outside the scope, before the method is
looked at); the role × page rules (``accounts/access.py``) answer 403 before a view runs."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_htmx.middleware import HtmxDetails

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission
from liangxin.core.dates import today
from liangxin.core.errors import ServiceError
from liangxin.core.export import _content_disposition, xlsx_response
from liangxin.core.masking import mask_phone
from liangxin.core.shortcuts import get_in_scope_or_404
from liangxin.core.views import picker_options
from liangxin.geo.models import AdministrativeUnit, UnitLevel
from liangxin.registry.models import Member
from liangxin.registry.services import log_export

from . import divisions, flows, selectors, services
from . import transitions as t
from .forms import (
    OUTFLOW_CANDIDATES,
    CertificateActionForm,
    CertificateApplyForm,
    CertificateLookupForm,
    ContactForm,
    EndForm,
    HelpForm,
    IntakeForm,
    LedgerFilterForm,
    LedgerForm,
    LetterForm,
    LevelForm,
    OutflowForm,
    StateFilterForm,
    TransferActionForm,
    TransferForm,
    VerifyForm,
)
from .models import (
    ActivityCertificate,
    BatchStatus,
    Direction,
    IntakeBatch,
    MatchKind,
    MigrantRecord,
    MobileMember,
    RecordStatus,
    RelationTransfer,
)


class AuthedRequest(HttpRequest):
    user: User
    htmx: HtmxDetails


def _refuse_method(request: HttpRequest, *allowed: str) -> HttpResponseNotAllowed | None:
    return None if request.method in allowed else HttpResponseNotAllowed(allowed)


def _require_editor(user: User) -> None:
    if not user.can(Permission.EDIT_ORGANIZATIONS):
        raise PermissionDenied(_("您的角色无权进行此操作。"))


def _form_error(form: Any, exc: ServiceError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _phone(user: User, phone: str) -> str:
    return phone if user.can(Permission.VIEW_FULL_PHONE) else mask_phone(phone)


def _page(request: AuthedRequest, items: Any) -> Any:
    return Paginator(items, settings.PAGE_SIZE).get_page(request.GET.get("page"))


def _todo(user: User) -> list[selectors.TodoItem]:
    return selectors.todo_for(user=user)


# --- The board ---------------------------------------------------------------------------------------


@require_GET
def index(request: AuthedRequest) -> HttpResponse:
    user = request.user
    active = selectors.mobile_members_for(user=user).filter(ended_on__isnull=True)
    context = {
        "todo": _todo(user),
        "inflow": active.filter(direction=Direction.INFLOW).count(),
        "outflow": active.filter(direction=Direction.OUTFLOW).count(),
        "board": selectors.township_board(user=user),
        "proposals": selectors.flow_proposals(user=user),
        "can_edit": user.can(Permission.EDIT_ORGANIZATIONS),
    }
    return render(request, "mobility/index.html", context)


# --- The ledger ----------------------------------------------------------------------------------------


def _ledger(request: AuthedRequest) -> tuple[LedgerFilterForm, QuerySet[MobileMember]]:
    form = LedgerFilterForm(request.GET, townships=selectors.townships_for(user=request.user))
    data = form.values()
    filters = selectors.LedgerFilter(
        q=data.get("q", ""),
        direction=data.get("direction", ""),
        township=data["township"].pk if data.get("township") else None,
        state=data.get("state", ""),
    )
    return form, selectors.ledger(user=request.user, filters=filters)


@require_GET
def ledger(request: AuthedRequest) -> HttpResponse:
    form, rows = _ledger(request)
    page = _page(request, rows)
    return render(
        request,
        "mobility/ledger.html",
        {
            "form": form,
            "page": page,
            "rows": page.object_list,
            "count": page.paginator.count,
            "due_before": selectors.contact_due_before(),
            "todo": _todo(request.user),
            "query": request.GET.urlencode(),
        },
    )


LEDGER_HEADER = [
    "姓名", "流向", "责任乡镇", "流出地", "流入地", "现居住地", "务工单位", "组织关系所在党组织",
    "参加活动的党组织", "联系党组织", "流入/流出日期", "最近联系日期", "结束日期",
]  # fmt: skip


@require_GET
def ledger_export(request: AuthedRequest) -> HttpResponseBase:
    form, rows = _ledger(request)
    count = rows.count()
    if count > settings.EXPORT_MAX_ROWS:
        messages.error(request, _("记录超过单次导出上限,请缩小筛选范围后分批导出。"))
        return redirect("mobility:ledger")
    log_export(
        by=request.user,
        object_type="mobility.ledger",
        filters={k: str(v) for k, v in form.values().items() if v},
        rows=count,
        file_format="xlsx",
    )
    data = (
        [
            m.member.name,
            m.get_direction_display(),
            m.township.name,
            flows.label(m.origin_code),
            flows.label(m.destination_code),
            m.place,
            m.employer_name,
            getattr(m, "relation_local", None) or getattr(m, "relation_external", None) or "",
            m.takes_part_in.name if m.takes_part_in else "",
            m.liaison.name if m.liaison else "",
            m.since,
            getattr(m, "last_contact_on", None),
            m.ended_on,
        ]
        for m in rows
    )
    return xlsx_response(
        filename=f"流动党员台账-{today():%Y%m%d}.xlsx", sheet_title="流动党员台账", header=LEDGER_HEADER, rows=data
    )


def _mobile(request: AuthedRequest, pk: int) -> MobileMember:
    return get_in_scope_or_404(selectors.mobile_members_for(user=request.user).select_related("member"), pk=pk)


def member_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    mobile = _mobile(request, pk)
    if refused := _refuse_method(request, "GET"):
        return refused
    user = request.user
    relation_kind, relation_name = selectors.relation_of(mobile.member)
    context = {
        "mobile": mobile,
        "member": mobile.member,
        "relation_kind": relation_kind,
        "relation_name": relation_name,
        "origin": flows.label(mobile.origin_code),
        "destination": flows.label(mobile.destination_code),
        "phone": _phone(user, mobile.phone),
        "contacts": mobile.contacts.all()[:20],
        "contact_overdue": (
            mobile.ended_on is None
            and max([c.contacted_on for c in mobile.contacts.all()[:1]] or [mobile.registered_on])
            < selectors.contact_due_before()
        ),
        "certificates": mobile.certificates.select_related("issuer").order_by("-pk"),
        "letters": mobile.letters.select_related("issuer"),
        "transfers": selectors.transfers_for(user=user).filter(member=mobile.member),
        "help_records": mobile.help_records.all(),
        "can_edit": user.can(Permission.EDIT_ORGANIZATIONS) and mobile.ended_on is None,
        "member_url": reverse("registry:member_detail", args=[mobile.member_id]),
    }
    return render(request, "mobility/member_detail.html", context)


def _form_page(
    request: AuthedRequest, form: Any, *, title: str, back: str, subject: str = "", submit: str = ""
) -> HttpResponse:
    return render(
        request,
        "mobility/form.html",
        {"form": form, "title": title, "back": back, "subject": subject, "submit": submit or _("保存")},
    )


def member_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    mobile = _mobile(request, pk)
    if refused := _refuse_method(request, "GET", "POST"):
        return refused
    _require_editor(request.user)
    targets = selectors.party_organizations_for(user=request.user)
    if request.method == "POST":
        form = LedgerForm(request.POST, party_organizations=targets)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.update_ledger(
                    by=request.user,
                    mobile_member=mobile,
                    data=services.LedgerData(
                        place=d["place"],
                        employer_name=d["employer_name"],
                        phone=d["phone"],
                        takes_part_in=d["takes_part_in"],
                        liaison=d["liaison"],
                        temporary=d["temporary"],
                    ),
                    version=d["version"],
                )
            except ServiceError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("已保存。"))
                return redirect(mobile)
    else:
        form = LedgerForm(
            initial={
                "place": mobile.place,
                "employer_name": mobile.employer_name,
                "phone": mobile.phone,
                "takes_part_in": mobile.takes_part_in_id,
                "liaison": mobile.liaison_id,
                "temporary": mobile.temporary,
                "version": mobile.version,
            },
            party_organizations=targets,
        )
    return _form_page(
        request, form, title=_("修改台账信息"), back=mobile.get_absolute_url(), subject=mobile.member.name
    )


def _simple_post(
    request: AuthedRequest,
    mobile: MobileMember,
    form_class: type[Any],
    *,
    title: str,
    act: Any,
    done: str,
    submit: str = "",
) -> HttpResponse:
    """A form page whose POST calls one service with the cleaned data, then back to the member."""
    if refused := _refuse_method(request, "GET", "POST"):
        return refused
    _require_editor(request.user)
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            act(form.cleaned_data)
        except ServiceError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, done)
            return redirect(mobile)
    return _form_page(
        request, form, title=title, back=mobile.get_absolute_url(), subject=mobile.member.name, submit=submit
    )


def member_end(request: AuthedRequest, pk: int) -> HttpResponse:
    mobile = _mobile(request, pk)
    return _simple_post(
        request,
        mobile,
        EndForm,
        title=_("结束流动党员登记"),
        done=_("登记已结束。"),
        act=lambda d: services.end_mobility(
            by=request.user, mobile_member=mobile, on=d["ended_on"], reason=d["reason"]
        ),
    )


def contact_add(request: AuthedRequest, pk: int) -> HttpResponse:
    mobile = _mobile(request, pk)
    return _simple_post(
        request,
        mobile,
        ContactForm,
        title=_("记录联系情况(知现状、知想法、知去向)"),
        done=_("联系记录已保存。"),
        act=lambda d: services.record_contact(
            by=request.user,
            mobile_member=mobile,
            contacted_on=d["contacted_on"],
            method=d["method"],
            situation=d["situation"],
            thoughts=d["thoughts"],
            whereabouts=d["whereabouts"],
        ),
    )


def letter_issue(request: AuthedRequest, pk: int) -> HttpResponse:
    mobile = _mobile(request, pk)
    return _simple_post(
        request,
        mobile,
        LetterForm,
        title=_("开具党员证明信"),
        done=_("证明信已开具。"),
        submit=_("开具"),
        act=lambda d: services.issue_letter(
            by=request.user, mobile_member=mobile, addressee=d["addressee_name"], on=d["issued_on"]
        ),
    )


def help_add(request: AuthedRequest, pk: int) -> HttpResponse:
    mobile = _mobile(request, pk)
    return _simple_post(
        request,
        mobile,
        HelpForm,
        title=_("添加帮扶记录"),
        done=_("帮扶记录已保存。"),
        act=lambda d: services.add_help_record(
            by=request.user,
            mobile_member=mobile,
            kind=d["kind"],
            helped_on=d["helped_on"],
            description=d["description"],
        ),
    )


def certificate_apply(request: AuthedRequest, pk: int) -> HttpResponse:
    mobile = _mobile(request, pk)
    return _simple_post(
        request,
        mobile,
        CertificateApplyForm,
        title=_("申请《流动党员活动证》"),
        done=_("已申请,待审核。"),
        submit=_("申请"),
        act=lambda d: services.apply_certificate(
            by=request.user, mobile_member=mobile, on=d["applied_on"], note=d["note"]
        ),
    )


def transfer_create(request: AuthedRequest, pk: int) -> HttpResponse:
    mobile = _mobile(request, pk)
    if refused := _refuse_method(request, "GET", "POST"):
        return refused
    _require_editor(request.user)
    targets = selectors.party_organizations_for(user=request.user)
    form = TransferForm(request.POST if request.method == "POST" else None, party_organizations=targets)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            # One transaction: a refused transfer leaves no external party organization behind.
            with transaction.atomic():
                external = services.external_party_organization(name=d["external_name"], place=d["external_place"])
                transfer = services.open_transfer(
                    by=request.user,
                    member=mobile.member,
                    direction=d["direction"],
                    local=d["local"],
                    external=external,
                    on=d["issued_on"],
                    letter_number=d["letter_number"],
                    mobile_member=mobile,
                )
        except ServiceError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("介绍信 %(number)s 已开出。") % {"number": transfer.letter_number})
            return redirect(transfer)
    return _form_page(
        request, form, title=_("组织关系转接"), back=mobile.get_absolute_url(), subject=mobile.member.name
    )


def outflow_create(request: AuthedRequest) -> HttpResponse:
    if refused := _refuse_method(request, "GET", "POST"):
        return refused
    _require_editor(request.user)
    user = request.user
    form = OutflowForm(
        request.POST if request.method == "POST" else None,
        members=selectors.outflow_candidates(user=user).order_by("name", "pk"),
        party_organizations=selectors.party_organizations_for(user=user),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            mobile = services.register_outflow(
                by=user,
                member=d["member"],
                destination=d["destination"],
                since=d["since"],
                employer_name=d["employer_name"],
                phone=d["phone"],
                liaison=d["liaison"],
                temporary=d["temporary"],
            )
        except ServiceError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("流出登记已保存。"))
            return redirect(mobile)
    return _form_page(request, form, title=_("流出登记"), back=reverse("mobility:ledger"))


@require_GET
def outflow_member_pick(request: AuthedRequest) -> HttpResponse:
    """The outflow form's search for its member, among the members it accepts."""
    _require_editor(request.user)
    return picker_options(request, OUTFLOW_CANDIDATES, selectors.outflow_candidates(user=request.user))


# --- Intake: the police files and their verification -----------------------------------------------------


def intake(request: AuthedRequest) -> HttpResponse:
    if refused := _refuse_method(request, "GET", "POST"):
        return refused
    _require_editor(request.user)
    user = request.user
    units = selectors.townships_for(user=user)
    if user.township_id is None:
        units = AdministrativeUnit.objects.filter(
            level__in=[UnitLevel.COUNTY, UnitLevel.TOWNSHIP], valid_to__isnull=True
        ).order_by("code")
    form = IntakeForm(request.POST or None, request.FILES or None, units=units)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        upload.seek(0)
        try:
            outcome = services.preview_file(
                by=user,
                unit=form.cleaned_data["unit"],
                data=upload.read(),
                file_name=upload.name,
                mode=form.cleaned_data["mode"],
            )
        except ServiceError as exc:
            _form_error(form, exc)
        else:
            assert outcome.batch is not None
            return redirect(outcome.batch)
    return render(request, "mobility/intake.html", {"form": form, "todo": _todo(user)})


@require_GET
def batch_list(request: AuthedRequest) -> HttpResponse:
    page = _page(request, selectors.batches_for(user=request.user))
    return render(request, "mobility/batch_list.html", {"page": page, "batches": page.object_list})


def _batch(request: AuthedRequest, pk: int) -> IntakeBatch:
    return get_in_scope_or_404(selectors.batches_for(user=request.user), pk=pk)


def _batch_page(
    request: AuthedRequest, batch: IntakeBatch, planned: list[services.PlannedRecord] | None = None
) -> HttpResponse:
    return render(
        request,
        "mobility/batch_detail.html",
        {
            "batch": batch,
            "problems": batch.problems.all()[:500],
            "records": batch.records.select_related("township").order_by("row")[:500],
            "planned": _planned_rows(planned) if planned else None,
            "can_edit": request.user.can(Permission.EDIT_ORGANIZATIONS),
            "previewed": batch.status == BatchStatus.PREVIEWED,
            "applied": batch.status == BatchStatus.APPLIED,
        },
    )


def batch_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    if refused := _refuse_method(request, "GET"):
        return refused
    planned = None
    if batch.status == BatchStatus.PREVIEWED and batch.original:
        with batch.original.open("rb") as handle:
            planned = services.read_file(unit=batch.unit, data=handle.read(), file_name=batch.file_name).planned
    return _batch_page(request, batch, planned)


def _planned_rows(planned: list[services.PlannedRecord]) -> list[dict[str, Any]]:
    """The preview's rows as the clerk reads them: names and labels, not codes."""
    results = {"new": _("新增"), "changed": _("变更"), "unchanged": _("无变化")}
    townships = dict(
        AdministrativeUnit.objects.filter(
            code__in={p.row.township for p in planned}, valid_to__isnull=True
        ).values_list("code", "name")
    )
    return [
        {
            "row": p.row.row,
            "name": p.row.name,
            "result": results.get(p.result, p.result),
            "township": townships.get(p.row.township, p.row.township or "—"),
            "match": MatchKind(p.match).label,
            "candidates": p.candidates,
        }
        for p in planned
    ]


def batch_confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    if refused := _refuse_method(request, "POST"):
        return refused
    _require_editor(request.user)
    try:
        services.confirm_batch(by=request.user, batch=batch)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已导入,登记待核实。"))
    return redirect(batch)


def batch_revert(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    if refused := _refuse_method(request, "POST"):
        return refused
    _require_editor(request.user)
    try:
        services.revert_batch(by=request.user, batch=batch)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已撤销该批次。"))
    return redirect(batch)


@require_GET
def registration_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    state = request.GET.get("state", "")
    if state == "overdue":
        qs = selectors.records_to_verify(user=user, overdue=True)
    elif state == "all":
        qs = selectors.records_for(user=user).order_by("-registered_on", "pk")
    elif state in RecordStatus.values:
        qs = selectors.records_for(user=user).filter(status=state).order_by("-verified_on", "pk")
    else:
        qs = selectors.records_to_verify(user=user)
    page = _page(request, qs)
    return render(
        request,
        "mobility/registration_list.html",
        {
            "page": page,
            "records": page.object_list,
            "count": page.paginator.count,
            "state": state,
            "statuses": RecordStatus.choices,
            "today": today(),
            "todo": _todo(user),
        },
    )


def registration_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    record: MigrantRecord = get_in_scope_or_404(selectors.records_for(user=user), pk=pk)
    if refused := _refuse_method(request, "GET", "POST"):
        return refused
    candidates = selectors.candidates_of(record=record)
    members = Member.objects.filter(pk__in=[m.pk for m, _score, _reasons in candidates])
    form = VerifyForm(request.POST if request.method == "POST" else None, members=members)
    if request.method == "POST":
        _require_editor(user)
        if form.is_valid():
            d = form.cleaned_data
            on, note = d["verified_on"], d["note"]
            try:
                if d["result"] == RecordStatus.CONFIRMED:
                    services.confirm_existing_member(by=user, record=record, member=d["member"], on=on, note=note)
                elif d["result"] == RecordStatus.NEW_MOBILE:
                    services.register_new_mobile_member(
                        by=user,
                        record=record,
                        data=services.NewMemberData(
                            status=d["status"],
                            admitted_on=d["admitted_on"],
                            full_membership_on=d["full_membership_on"],
                            external_name=d["external_name"],
                            external_place=d["external_place"],
                        ),
                        on=on,
                        note=note,
                    )
                elif d["result"] == RecordStatus.NOT_MEMBER:
                    services.mark_not_member(by=user, record=record, on=on, note=note)
                else:
                    services.mark_not_found(by=user, record=record, on=on, note=note)
            except ServiceError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("核实结果已保存。"))
                return redirect("mobility:registration_detail", pk=record.pk)
    return render(
        request,
        "mobility/registration_detail.html",
        {
            "record": record,
            "candidates": candidates,
            "form": form,
            "origin": flows.label(record.origin_code),
            "phone": _phone(user, record.phone),
            "pending": record.status == RecordStatus.PENDING,
            "overdue": record.status == RecordStatus.PENDING and record.due_on < today(),
            "can_edit": user.can(Permission.EDIT_ORGANIZATIONS),
        },
    )


# --- Certificates --------------------------------------------------------------------------------------


def _register(request: AuthedRequest) -> tuple[QuerySet[ActivityCertificate], str, int | None]:
    form = StateFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    state, year = data.get("state") or "", data.get("year")
    qs = selectors.certificate_register(user=request.user, year=year)
    if state == "unchecked":
        qs = selectors.certificates_due_check(user=request.user).order_by("year", "issuer_id", "serial")
    elif state in (t.ISSUED, t.VOIDED, t.REVOKED):
        qs = qs.filter(status=state)
    return qs, state, year


@require_GET
def certificate_register(request: AuthedRequest) -> HttpResponse:
    qs, state, year = _register(request)
    page = _page(request, qs)
    pending = selectors.certificates_for(user=request.user).filter(status__in=[t.APPLIED, t.APPROVED])
    return render(
        request,
        "mobility/certificate_register.html",
        {
            "page": page,
            "certificates": page.object_list,
            "count": page.paginator.count,
            "pending": pending,
            "state": state,
            "year": year or "",
            "query": request.GET.urlencode(),
            "lookup": CertificateLookupForm(),
        },
    )


REGISTER_HEADER = [
    "证号",
    "持证人",
    "公民身份号码",
    "发证党组织",
    "发放日期",
    "有效期至",
    "状态",
    "作废/收回原因",
    "补发自",
]


@require_GET
def certificate_register_export(request: AuthedRequest) -> HttpResponseBase:
    qs, state, year = _register(request)
    count = qs.count()
    log_export(
        by=request.user,
        object_type="mobility.certificate_register",
        filters={"state": state, "year": year},
        rows=count,
        file_format="xlsx",
    )
    rows = (
        [
            c.number,
            c.mobile_member.member.name,
            c.mobile_member.member.id_number_masked,
            c.issuer.name,
            c.issued_on,
            c.valid_until,
            c.get_status_display(),
            c.get_void_reason_display() or c.revoke_reason,
            c.replaces.number if c.replaces else "",
        ]
        for c in qs
    )
    return xlsx_response(
        filename=f"流动党员活动证发放登记-{today():%Y%m%d}.xlsx",
        sheet_title="活动证发放登记",
        header=REGISTER_HEADER,
        rows=rows,
    )


def _mask_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


@require_GET
def certificate_check(request: AuthedRequest) -> HttpResponse:
    """查验 by number: validity, the holder (masked) and where the holder takes part. A number
    outside the user's scope reads exactly like one that does not exist."""
    form = CertificateLookupForm(request.GET or None)
    found = None
    valid = False
    if form.is_valid() and form.cleaned_data["number"]:
        found = selectors.certificate_by_number(user=request.user, number=form.cleaned_data["number"])
        if found is not None:
            valid = found.status == t.ISSUED and found.valid_until is not None and found.valid_until >= today()
    return render(
        request,
        "mobility/certificate_check.html",
        {
            "form": form,
            "searched": form.is_bound,
            "certificate": found,
            "valid": valid,
            "holder": _mask_name(found.mobile_member.member.name) if found else "",
            "holder_id": found.mobile_member.member.id_number_masked if found else "",
            "takes_part_in": selectors.takes_part_name(found) if found else "",
        },
    )


def _certificate(request: AuthedRequest, pk: int) -> ActivityCertificate:
    return get_in_scope_or_404(selectors.certificates_for(user=request.user), pk=pk)


def certificate_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    certificate = _certificate(request, pk)
    if refused := _refuse_method(request, "GET", "POST"):
        return refused
    user = request.user
    form = CertificateActionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        _require_editor(user)
        if form.is_valid():
            d = form.cleaned_data
            try:
                result = _certificate_action(user, certificate, d)
            except ServiceError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已办理。"))
                return redirect(result)
        else:
            messages.error(request, _("请检查填写的内容。"))
    return render(
        request,
        "mobility/certificate_detail.html",
        {
            "certificate": certificate,
            "mobile": certificate.mobile_member,
            "checks": certificate.checks.all(),
            "actions": t.certificate_actions(certificate.status) if user.can(Permission.EDIT_ORGANIZATIONS) else [],
            "today": today(),
            "this_year": today().year,
            "form": form,
        },
    )


def _certificate_action(user: User, certificate: ActivityCertificate, d: dict[str, Any]) -> ActivityCertificate:
    action, on, reason = d["action"], d["on"], d["reason"]
    if action == "approve":
        return services.approve_certificate(by=user, certificate=certificate, on=on, note=reason)
    if action == "reject":
        return services.reject_certificate(by=user, certificate=certificate, reason=reason, on=on)
    if action == "issue":
        return services.issue_certificate(by=user, certificate=certificate, on=on)
    if action == "check":
        services.check_certificate(
            by=user, certificate=certificate, year=d["year"] or on.year, result=d["result"] or "", on=on, note=reason
        )
        return certificate
    if action == "reissue":
        return services.reissue_certificate(by=user, certificate=certificate, reason=d["void_reason"], on=on)
    return services.revoke_certificate(by=user, certificate=certificate, reason=reason, on=on)


def certificate_pdf_export(request: AuthedRequest, pk: int) -> HttpResponseBase:
    certificate = _certificate(request, pk)
    if refused := _refuse_method(request, "GET"):
        return refused
    if certificate.number is None:
        messages.error(request, _("活动证尚未发放,没有可打印的证件。"))
        return redirect(certificate)
    from .pdf import render_pdf

    log_export(
        by=request.user,
        object_type="mobility.certificate",
        filters={"certificate": certificate.pk},
        rows=1,
        file_format="pdf",
    )
    mobile = certificate.mobile_member
    _kind, relation_name = selectors.relation_of(mobile.member)
    data = render_pdf(
        "mobility/certificate_pdf.html",
        {
            "certificate": certificate,
            "mobile": mobile,
            "member": mobile.member,
            "relation_name": relation_name,
            "destination": flows.label(mobile.destination_code),
        },
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = _content_disposition(f"流动党员活动证-{certificate.number}.pdf")
    return response


# --- Transfers --------------------------------------------------------------------------------------------


@require_GET
def transfer_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    state = request.GET.get("state", "")
    qs = selectors.transfers_overdue(user=user) if state == "overdue" else selectors.transfers_for(user=user)
    if state in t.PENDING_TRANSFER or state in (t.T_COMPLETED, t.T_RETURNED):
        qs = qs.filter(state=state)
    page = _page(request, qs.order_by("-issued_on", "-pk"))
    return render(
        request,
        "mobility/transfer_list.html",
        {
            "page": page,
            "transfers": page.object_list,
            "count": page.paginator.count,
            "state": state,
            "due_before": selectors.transfer_due_before(),
            "pending_states": t.PENDING_TRANSFER,
        },
    )


def transfer_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    transfer: RelationTransfer = get_in_scope_or_404(selectors.transfers_for(user=user), pk=pk)
    if refused := _refuse_method(request, "GET", "POST"):
        return refused
    form = TransferActionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        _require_editor(user)
        if form.is_valid():
            d = form.cleaned_data
            try:
                if d["action"] == "receive":
                    services.receive_transfer(by=user, transfer=transfer, on=d["on"])
                elif d["action"] == "complete":
                    services.complete_transfer(by=user, transfer=transfer, on=d["on"])
                else:
                    services.return_transfer(by=user, transfer=transfer, reason=d["reason"], on=d["on"])
            except ServiceError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已办理。"))
                return redirect(transfer)
        else:
            messages.error(request, _("请检查填写的内容。"))
    pending = transfer.state in t.PENDING_TRANSFER
    return render(
        request,
        "mobility/transfer_detail.html",
        {
            "transfer": transfer,
            "actions": t.transfer_actions(transfer.state) if user.can(Permission.EDIT_ORGANIZATIONS) else [],
            "overdue": pending and transfer.issued_on < selectors.transfer_due_before(),
            "external_place": flows.label(transfer.external.place_code) if transfer.external.place_code else "",
            "today": today(),
        },
    )


# --- Help, flows --------------------------------------------------------------------------------------------


@require_GET
def help_list(request: AuthedRequest) -> HttpResponse:
    form = StateFilterForm(request.GET)
    year = form.cleaned_data.get("year") if form.is_valid() else None
    summary, kinds = selectors.help_summary(user=request.user, year=year)
    qs = selectors.help_records_for(user=request.user)
    if year:
        qs = qs.filter(helped_on__year=year)
    page = _page(request, qs)
    return render(
        request,
        "mobility/help_list.html",
        {"summary": summary, "kinds": kinds, "page": page, "records": page.object_list, "year": year or ""},
    )


def _flow_context(request: AuthedRequest) -> dict[str, Any]:
    form = LevelForm(request.GET)
    level: divisions.Level = form.chosen_level()  # type: ignore[assignment]
    matrix = flows.matrix(selectors.flow_pairs(user=request.user), level)
    this_year = today().year
    years = list(range(this_year - 4, this_year + 1))
    per_township, chart = flows.by_township_and_year(selectors.flow_by_township(user=request.user, years=years), years)
    return {
        "form": form,
        "level": level,
        "matrix": matrix,
        "matrix_rows": matrix.rows(),
        "destination_labels": [flows.label(d) for d in matrix.destinations],
        "destination_totals": [matrix.destination_totals[d] for d in matrix.destinations],
        "sankey": json.dumps(flows.sankey(matrix), ensure_ascii=False),
        "years": years,
        "per_township": per_township,
        "yearly": json.dumps(chart, ensure_ascii=False),
        "proposals": selectors.flow_proposals(user=request.user, level=level if level != "county" else "county"),
    }


@require_GET
def flow_matrix(request: AuthedRequest) -> HttpResponse:
    return render(request, "mobility/flows.html", _flow_context(request))


@require_GET
def flows_export(request: AuthedRequest) -> HttpResponseBase:
    context = _flow_context(request)
    matrix: flows.Matrix = context["matrix"]
    log_export(
        by=request.user,
        object_type="mobility.flows",
        filters={"level": context["level"]},
        rows=len(matrix.origins),
        file_format="xlsx",
    )
    header = ["流出地 \\ 流入地", *context["destination_labels"], "合计"]
    rows = [[name, *counts, total] for name, counts, total in context["matrix_rows"]]
    return xlsx_response(
        filename=f"流动党员流向-{today():%Y%m%d}.xlsx", sheet_title="流向矩阵", header=header, rows=rows
    )
