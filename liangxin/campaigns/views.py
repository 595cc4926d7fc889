"""Campaign pages: list, create, the county's board, a unit's submission, row edits and the
departments' confirmations. Thin: forms parse, ``services`` decide, every object in a URL comes
from a scoped selector (404 outside the scope, before the method is even looked at)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from liangxin.accounts.models import User
from liangxin.census import template
from liangxin.census.forms import NewOrganizationsForm
from liangxin.census.previews import problem_items
from liangxin.core.clients import client_address
from liangxin.core.errors import ConflictError, ServiceError
from liangxin.core.export import csv_response
from liangxin.core.shortcuts import get_in_scope_or_404
from liangxin.registry.identifiers import IdentifierError, validate_uscc
from liangxin.registry.models import Organization
from liangxin.registry.services import log_export

from . import board as board_module
from . import review as review_module
from . import selectors, services, workflow
from .forms import CampaignForm, ConfirmForm, EntryForm, ReplaceForm, TransitionForm, UploadForm
from .models import CampaignStatus, Submission, SubmissionEntry
from .services import Staging

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


MISSING_SHOWN = 100
REVIEW_CHANGES_SHOWN = 100


class AuthedRequest(HttpRequest):
    user: User


def _refuse_method(request: HttpRequest, *allowed: str) -> HttpResponseNotAllowed | None:
    return None if request.method in allowed else HttpResponseNotAllowed(allowed)


@require_http_methods(["GET"])
def index(request: AuthedRequest) -> HttpResponse:
    campaigns = list(selectors.campaigns_for(user=request.user))
    own = {s.campaign_id: s for s in selectors.submissions_for(user=request.user).filter(campaign__in=campaigns)}
    rows = [(c, own.get(c.pk) if not selectors.is_county_admin(request.user) else None) for c in campaigns]
    return render(
        request,
        "campaigns/index.html",
        {
            "rows": rows,
            "county": request.user.role in ("county_admin", "leader"),
            "may_create": selectors.is_county_admin(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def campaign_create(request: AuthedRequest) -> HttpResponse:
    if not selectors.is_county_admin(request.user):
        raise Http404
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.create_campaign(
                by=request.user,
                name=data["name"],
                code=data["code"],
                as_of=data["as_of"],
                survey_deadline=data["survey_deadline"],
                plan_deadline=data["plan_deadline"],
                townships=list(data["townships"]) or None,
                departments=list(data["departments"]) or None,
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("已创建摸底任务(草稿),核对后请开始。"))
            return redirect(campaign.get_absolute_url())
    return render(request, "campaigns/create.html", {"form": form})


def board(request: AuthedRequest, pk: int) -> HttpResponseBase:
    campaign = get_in_scope_or_404(selectors.board_campaigns_for(user=request.user), pk=pk)
    if refused := _refuse_method(request, "GET"):
        return refused
    return render(
        request,
        "campaigns/board.html",
        {
            "campaign": campaign,
            "board": board_module.build_board(campaign=campaign),
            "may_manage": selectors.is_county_admin(request.user),
        },
    )


def _campaign_move(request: AuthedRequest, pk: int, to: CampaignStatus) -> HttpResponseBase:
    campaign = get_in_scope_or_404(selectors.board_campaigns_for(user=request.user), pk=pk)
    if refused := _refuse_method(request, "POST"):
        return refused
    try:
        if to == CampaignStatus.OPEN:
            services.open_campaign(by=request.user, campaign=campaign)
        else:
            services.close_campaign(by=request.user, campaign=campaign)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("摸底任务状态已改为“%(status)s”。") % {"status": to.label})
    return redirect(campaign.get_absolute_url())


def campaign_open(request: AuthedRequest, pk: int) -> HttpResponseBase:
    return _campaign_move(request, pk, CampaignStatus.OPEN)


def campaign_close(request: AuthedRequest, pk: int) -> HttpResponseBase:
    return _campaign_move(request, pk, CampaignStatus.CLOSED)


TIMELINESS_LABELS = {
    "on_time": gettext_lazy("按时上报"),
    "late": gettext_lazy("迟报"),
    "overdue": gettext_lazy("逾期未报"),
    "pending": gettext_lazy("未到截止日期"),
}


def reminder_export(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """The units that have not reported, as CSV: whom to phone."""
    campaign = get_in_scope_or_404(selectors.board_campaigns_for(user=request.user), pk=pk)
    if refused := _refuse_method(request, "GET"):
        return refused
    figures = board_module.build_board(campaign=campaign)
    lines = figures.reminders
    log_export(
        by=request.user,
        object_type="campaigns.reminders",
        filters={"campaign": campaign.code},
        rows=len(lines),
        file_format="csv",
        remote_addr=client_address(request),
    )
    return csv_response(
        filename=f"{campaign.code}-催报名单.csv",
        header=[_("单位"), _("类型"), _("状态"), _("截止日期"), _("剩余天数"), _("情况")],
        rows=(
            [
                line.submission.unit_name,
                _("乡镇") if line.submission.township_id else _("部门"),
                line.state_label,
                campaign.survey_deadline.isoformat(),
                line.days_left,
                str(TIMELINESS_LABELS[line.timeliness]),
            ]
            for line in lines
        ),
    )


def _submission_context(request: AuthedRequest, submission: Submission, **extra: Any) -> dict[str, Any]:
    user = request.user
    is_unit = (submission.township_id is not None and user.township_id == submission.township_id) or (
        submission.department_id is not None and user.department_id == submission.department_id
    )
    is_unit = is_unit and user.role in ("township_clerk", "department_clerk")
    is_open = submission.campaign.status == CampaignStatus.OPEN
    entries: list[SubmissionEntry] = list(
        submission.entries.select_related("organization")
        if submission.township_id
        else selectors.supervised_entries(submission=submission).prefetch_related("confirmations")
    )
    verdicts = {}
    if submission.department_id:
        for entry in entries:
            for c in entry.confirmations.all():
                if c.submission_id == submission.pk:
                    verdicts[entry.pk] = c
    may_edit = is_unit and is_open and submission.state in workflow.EDITABLE
    missing: list[Organization] = []
    missing_total = 0
    # The list is cut at MISSING_SHOWN unless asked for all (?missing=all); the page says so.
    missing_all = request.GET.get("missing") == "all"
    if submission.township_id is not None:
        unreported = (
            selectors.unreported_organizations(campaign=submission.campaign)
            .filter(township_id=submission.township_id)
            .order_by("name_normalized", "pk")
        )
        missing = list(unreported if missing_all else unreported[: MISSING_SHOWN + 1])
        missing_total = len(missing) if len(missing) <= MISSING_SHOWN else unreported.count()
        missing = missing if missing_all else missing[:MISSING_SHOWN]
    may_review = selectors.is_county_admin(user) and is_open and submission.state == workflow.SUBMITTED
    review: review_module.Review | None = None
    review_changes = None
    if may_review and submission.township_id is not None:
        review = review_module.review_of(user=user, submission=submission)
        review_changes = Paginator(review.changes, REVIEW_CHANGES_SHOWN).get_page(request.GET.get("cpage"))
    return {
        "submission": submission,
        "campaign": submission.campaign,
        "missing": missing,
        "missing_total": missing_total,
        "may_prefill": is_unit and is_open and submission.state in workflow.EDITABLE and not entries,
        # (row, complete, the department's verdict, may the user change it): a department's
        # word on a row of an approved township is locked like the row itself.
        "unconfirmed": (
            selectors.unconfirmed_entries(submission=submission).count()
            if may_edit and submission.department_id is not None
            else 0
        ),
        "entries": [
            (e, board_module.is_complete(e.data), verdicts.get(e.pk), may_edit and not e.submission.is_locked)
            for e in entries
        ],
        "may_edit": may_edit,
        "may_submit": is_unit and is_open and submission.state == workflow.IN_PROGRESS,
        "may_withdraw": is_unit and is_open and submission.state == workflow.SUBMITTED,
        "may_review": may_review,
        "may_reopen": selectors.is_county_admin(user) and is_open and submission.state == workflow.APPROVED,
        "review": review,
        "review_problems": problem_items(review.problems) if review is not None else [],
        "staging_problems": problem_items(staging.problems) if (staging := extra.get("staging")) is not None else [],
        "review_changes": review_changes,
        "upload_form": extra.pop("upload_form", None) or UploadForm(initial={"version": submission.version}),
        "new_organizations_form": _new_organizations_form(submission, extra.get("staging")) if may_edit else None,
        "timeliness": TIMELINESS_LABELS[
            workflow.timeliness(
                state=submission.state,
                submitted_on=submission.submitted_on,
                deadline=submission.campaign.survey_deadline,
                today=board_module.business_today(),
            )
        ],
        **extra,
    }


def submission_detail(request: AuthedRequest, pk: int) -> HttpResponseBase:
    submission = get_in_scope_or_404(selectors.submissions_for(user=request.user), pk=pk)
    if refused := _refuse_method(request, "GET"):
        return refused
    return render(request, "campaigns/submission_detail.html", _submission_context(request, submission))


def submission_template_export(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """The census template for the township, pre-filled with the register as it stands (after
    an earlier campaign's approval, that campaign's data): the census becomes a diff."""
    submission = get_in_scope_or_404(selectors.submissions_for(user=request.user).filter(township__isnull=False), pk=pk)
    if refused := _refuse_method(request, "GET"):
        return refused
    township = submission.township
    assert township is not None
    data = template.unit_template(unit=township, as_of=submission.campaign.as_of)
    log_export(
        by=request.user,
        object_type="campaigns.template",
        filters={"campaign": submission.campaign.code, "unit": township.code},
        rows=template.organizations_of_unit(township).count(),
        file_format="xlsx",
        remote_addr=client_address(request),
    )
    response = HttpResponse(data, content_type=XLSX_TYPE)
    name = f"{submission.campaign.code}-{township.name}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def submission_import(request: AuthedRequest, pk: int) -> HttpResponseBase:
    submission = get_in_scope_or_404(selectors.submissions_for(user=request.user), pk=pk)
    if refused := _refuse_method(request, "POST"):
        return refused
    form = UploadForm(request.POST, request.FILES)
    staging: Staging | None = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            staging = services.import_into_submission(
                by=request.user,
                submission=submission,
                data=upload.read(),
                file_name=upload.name or "census",
                expected_version=form.cleaned_data["version"],
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect(submission.get_absolute_url())
        if staging.pending is not None:
            return _replace_confirmation(request, submission, staging)
        return _staging_answer(
            request, submission, staging, done=_("已导入 %(n)s 行到本单位的填报(尚未写入登记册)。"), upload_form=form
        )
    submission.refresh_from_db()
    return render(
        request, "campaigns/submission_detail.html", _submission_context(request, submission, upload_form=form)
    )


def _staging_answer(
    request: AuthedRequest,
    submission: Submission,
    staging: Staging,
    *,
    done: str,
    upload_form: UploadForm | None = None,
) -> HttpResponse:
    """What staging rows came to: back to the submission with ``done`` (and the number of rows),
    or its page with the problems, saying that nothing changed."""
    if not staging.errors:
        messages.success(request, done % {"n": staging.staged})
        return redirect(submission.get_absolute_url())
    messages.error(request, _("文件有错误,没有导入任何数据,本单位已导入的数据保持不变。请按问题列表改正后重新上传。"))
    submission.refresh_from_db()
    extra: dict[str, Any] = {"upload_form": upload_form} if upload_form is not None else {}
    return render(
        request, "campaigns/submission_detail.html", _submission_context(request, submission, staging=staging, **extra)
    )


def _replace_confirmation(request: AuthedRequest, submission: Submission, staging: Staging) -> HttpResponse:
    """The server's question before a file replaces every staged row: what it keeps, changes,
    adds and removes, and two buttons. Nothing has changed yet."""
    assert staging.pending is not None and staging.replacement is not None
    return render(
        request,
        "campaigns/replace_confirm.html",
        {
            "submission": submission,
            "campaign": submission.campaign,
            "pending": staging.pending,
            "replacement": staging.replacement,
            "staged": len(staging.replacement.kept)
            + len(staging.replacement.changed)
            + len(staging.replacement.removed),
            "warnings": problem_items(staging.problems),
        },
    )


NAME_USCC_CONFLICT = "name_uscc_conflict"


def _new_organizations_form(
    submission: Submission, staging: Staging | None, data: Any = None
) -> NewOrganizationsForm | None:
    """The rows of the refused upload whose name matches a registered organization with another
    USCC, and the codes declared new before: the township ticks the rows that are other
    organizations. None when there is nothing to choose."""
    conflicts = [
        (p.value, p.message)
        for p in (staging.problems if staging is not None else ())
        if p.code == NAME_USCC_CONFLICT and p.value
    ]
    if not conflicts and not submission.new_organizations:
        return None
    return NewOrganizationsForm(data, conflicts=conflicts, declared=submission.new_organizations)


def _valid_codes(values: list[str]) -> list[tuple[str, str]]:
    codes = []
    for value in values:
        try:
            codes.append((validate_uscc(value), ""))
        except IdentifierError:
            continue
    return codes


def submission_new_organizations(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """The township says which codes are other organizations than the registered ones of the same
    name; its next upload is checked with that choice. The problems of the refused upload are not
    kept, so any valid USCC may be ticked: declaring a code only stops a name match for its row."""
    submission = get_in_scope_or_404(selectors.submissions_for(user=request.user), pk=pk)
    if refused := _refuse_method(request, "POST"):
        return refused
    form = NewOrganizationsForm(
        request.POST,
        conflicts=_valid_codes(request.POST.getlist("new_organizations")),
        declared=submission.new_organizations,
    )
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    if version is None or not form.is_valid():
        messages.error(request, _("请求不完整,请刷新页面后重试。"))
        return redirect(submission.get_absolute_url())
    try:
        services.declare_new_organizations(
            by=request.user, submission=submission, codes=form.codes(), expected_version=version
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已记录您的选择:勾选代码所在的行将作为新组织登记。请重新上传摸底表。"))
    return redirect(submission.get_absolute_url())


def submission_import_confirm(request: AuthedRequest, pk: int) -> HttpResponseBase:
    submission = get_in_scope_or_404(selectors.submissions_for(user=request.user), pk=pk)
    if refused := _refuse_method(request, "POST"):
        return refused
    form = ReplaceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请求不完整,请刷新页面后重试。"))
        return redirect(submission.get_absolute_url())
    try:
        staging = services.confirm_pending_upload(
            by=request.user,
            submission=submission,
            sha256=form.cleaned_data["sha256"],
            expected_version=form.cleaned_data["version"],
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(submission.get_absolute_url())
    return _staging_answer(
        request, submission, staging, done=_("已用新文件替换本单位的填报,共 %(n)s 行(尚未写入登记册)。")
    )


def submission_import_cancel(request: AuthedRequest, pk: int) -> HttpResponseBase:
    submission = get_in_scope_or_404(selectors.submissions_for(user=request.user), pk=pk)
    if refused := _refuse_method(request, "POST"):
        return refused
    try:
        services.discard_pending_upload(by=request.user, submission=submission)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.info(request, _("已取消,本单位已导入的数据保持不变。"))
    return redirect(submission.get_absolute_url())


def submission_prefill(request: AuthedRequest, pk: int) -> HttpResponseBase:
    submission = get_in_scope_or_404(selectors.submissions_for(user=request.user), pk=pk)
    if refused := _refuse_method(request, "POST"):
        return refused
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        messages.error(request, _("请求不完整,请刷新页面后重试。"))
        return redirect(submission.get_absolute_url())
    try:
        staging = services.prefill_submission(by=request.user, submission=submission, expected_version=version)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(submission.get_absolute_url())
    return _staging_answer(request, submission, staging, done=_("已用登记册预填 %(n)s 行,请逐行核对、修改后上报。"))


def submission_transition(request: AuthedRequest, pk: int) -> HttpResponseBase:
    submission = get_in_scope_or_404(selectors.submissions_for(user=request.user), pk=pk)
    if refused := _refuse_method(request, "POST"):
        return refused
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请求不完整,请刷新页面后重试。"))
        return redirect(submission.get_absolute_url())
    action, version, reason = form.cleaned_data["action"], form.cleaned_data["version"], form.cleaned_data["reason"]
    fingerprint = form.cleaned_data["fingerprint"]
    if action == workflow.APPROVE and submission.township_id is not None and not fingerprint:
        messages.error(request, _("请在审核页面核对将写入登记册的变化后再审核。"))
        return redirect(submission.get_absolute_url())
    try:
        if action == workflow.APPROVE:
            services.approve_submission(
                by=request.user,
                submission=submission,
                expected_version=version,
                expected_fingerprint=fingerprint or None,
            )
        elif action in services.REASONED_SERVICES:
            services.REASONED_SERVICES[action](
                by=request.user, submission=submission, reason=reason, expected_version=version
            )
        else:
            services.TRANSITION_SERVICES[action](by=request.user, submission=submission, expected_version=version)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        submission.refresh_from_db()
        messages.success(request, _("填报状态已改为“%(state)s”。") % {"state": submission.get_state_display()})
    return redirect(submission.get_absolute_url())


def entry_edit(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """Correct a staged row. The census figures the campaign needs and the row leaves blank
    (``board.missing_required``) are marked. When someone else saved the row meanwhile, the page
    says so once, shows the form with their values and, beside them, what this clerk typed."""
    entry = get_in_scope_or_404(selectors.entries_for(user=request.user), pk=pk)
    if refused := _refuse_method(request, "GET", "POST"):
        return refused

    def current_form() -> EntryForm:
        return EntryForm(initial={"version": entry.version, **EntryForm.initial_from(entry.data)})

    form = current_form()
    status = 200
    conflict: list[tuple[str, str, str]] = []  # (label, their value, your value)
    conflict_message = ""
    if request.method == "POST":
        form = EntryForm(request.POST)
        if form.is_valid():
            values = form.values()
            try:
                services.update_entry(
                    by=request.user, entry=entry, values=values, expected_version=form.cleaned_data["version"]
                )
            except ConflictError as exc:
                entry.refresh_from_db()
                conflict_message = exc.message
                form = current_form()  # the other person's values, with the version to edit them
                theirs = form.initial
                conflict = [
                    (str(form.fields[k].label), theirs.get(k) or "—", values[k] or "—")
                    for k in services.EDITABLE_KEYS
                    if (theirs.get(k) or "") != values[k]
                ]
                status = 409
            except ServiceError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("已保存。"))
                return redirect(entry.submission.get_absolute_url())
    context = _submission_context(request, entry.submission)
    missing = set(board_module.missing_required(entry.data))
    return render(
        request,
        "campaigns/entry_edit.html",
        {
            "entry": entry,
            "form": form,
            "may_edit": context["may_edit"],
            "missing": missing,
            "missing_labels": [str(form.fields[k].label) for k in services.EDITABLE_KEYS if k in missing],
            "conflict": conflict,
            "conflict_message": conflict_message,
        },
        status=status,
    )


def entry_confirm(request: AuthedRequest, pk: int) -> HttpResponseBase:
    entry = get_in_scope_or_404(selectors.entries_for(user=request.user), pk=pk)
    own: Submission = get_in_scope_or_404(
        selectors.submissions_for(user=request.user).filter(department__isnull=False),
        campaign_id=entry.submission.campaign_id,
        department_id=request.user.department_id or 0,
    )
    if refused := _refuse_method(request, "POST"):
        return refused
    form = ConfirmForm(request.POST)
    if form.is_valid():
        try:
            services.confirm_entry(
                by=request.user,
                submission=own,
                entry=entry,
                verdict=form.cleaned_data["verdict"],
                comment=form.cleaned_data["comment"],
                expected_version=form.cleaned_data["version"],
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已记录“%(name)s”的核实意见。") % {"name": entry.name})
    else:
        messages.error(request, _("请选择核实意见。"))
    return redirect(own.get_absolute_url())


def entries_confirm(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """A department confirms the rows it ticked, or all its rows still without a verdict, at once
    (确认无误); a row with a verdict is changed on its own line."""
    own: Submission = get_in_scope_or_404(
        selectors.submissions_for(user=request.user).filter(department__isnull=False), pk=pk
    )
    if refused := _refuse_method(request, "POST"):
        return refused
    rows = selectors.unconfirmed_entries(submission=own)
    if request.POST.get("all") != "1":
        rows = rows.filter(pk__in=[int(v) for v in request.POST.getlist("entry") if v.isdigit()])
    chosen = list(rows)
    if not chosen:
        messages.error(request, _("请先勾选要确认的组织。"))
        return redirect(own.get_absolute_url())
    try:
        count = services.confirm_entries(by=request.user, submission=own, entries=chosen)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已将 %(n)d 个组织的核实意见记为“确认无误”。") % {"n": count})
    return redirect(own.get_absolute_url())
