"""Census import pages: upload, preview, confirm, batches and revert, background jobs.

Thin, like the register's pages: forms parse, the census services do the work, every object
named in a URL comes from a scoped queryset (``selectors.batches_for``, ``jobs.jobs_for``), so
another township's batch answers 404 exactly like a missing one. Large files go to the worker
(``census.jobs``); the job page polls with htmx and survives a reload (the state is in the
database). Without JavaScript every page still works: filters are plain GET forms, the job page
has a reload link.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any, cast
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.middleware import HtmxDetails

from liangxin.accounts.models import User
from liangxin.core.clients import client_address
from liangxin.core.dates import today
from liangxin.core.errors import ServiceError
from liangxin.core.shortcuts import get_in_scope_or_404
from liangxin.registry.services import log_export

from . import jobs, mappings, previews, selectors, services
from .forms import (
    BatchFilterForm,
    ChangeFilterForm,
    ConfirmForm,
    MappingForm,
    NewOrganizationsForm,
    ProblemFilterForm,
    TemplateForm,
    UploadForm,
)
from .models import BatchLayout, BatchStatus, ImportBatch, ImportChange, ImportJob, JobKind, JobStatus, PreviewChange

log = logging.getLogger(__name__)
NAME_USCC_CONFLICT = "name_uscc_conflict"

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PHASES = {
    "queued": gettext_lazy("排队等待"),
    "starting": gettext_lazy("正在启动"),
    "reading": gettext_lazy("正在读取和校验文件"),
    "storing": gettext_lazy("正在保存校验结果"),
    "checking": gettext_lazy("正在核对登记册"),
    "writing": gettext_lazy("正在写入登记册"),
}


class AuthedRequest(HttpRequest):
    user: User
    htmx: HtmxDetails


# --- Helpers ---------------------------------------------------------------------------------


def _refuse_method(request: HttpRequest, *allowed: str) -> HttpResponseNotAllowed | None:
    """Checked after the scoped lookup, so an object outside the scope answers 404 to any method."""
    if request.method in allowed:
        return None
    return HttpResponseNotAllowed(allowed)


def _is_partial(request: AuthedRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def _units(user: User) -> QuerySet[Any]:
    return selectors.importable_units(user=user)


def _require_import(user: User, unit_id: int | None = None) -> None:
    units = _units(user)
    if unit_id is not None:
        units = units.filter(pk=unit_id)
    if not units.exists():
        raise PermissionDenied(_("您的角色无权导入摸底数据。"))


def _may_import(user: User, batch: ImportBatch) -> bool:
    return _units(user).filter(pk=batch.unit_id).exists()


def _scoped_batch(request: AuthedRequest, pk: int) -> ImportBatch:
    return get_in_scope_or_404(selectors.batches_for(user=request.user), pk=pk)


def _scoped_job(request: AuthedRequest, pk: int) -> ImportJob:
    return get_in_scope_or_404(jobs.jobs_for(user=request.user), pk=pk)


def _pager(request: HttpRequest, page: Page[Any], param: str) -> dict[str, Any]:
    """Links of a pager whose page number is the GET parameter ``param`` (two lists on a page)."""

    def url(number: int) -> str:
        query = request.GET.copy()
        query[param] = str(number)
        return f"?{query.urlencode()}"

    return {
        "page": page,
        "first": url(1) if page.has_previous() else None,
        "previous": url(page.previous_page_number()) if page.has_previous() else None,
        "next": url(page.next_page_number()) if page.has_next() else None,
        "last": url(page.paginator.num_pages) if page.has_next() else None,
    }


def _download(data: bytes, filename: str, content_type: str = XLSX_TYPE) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    return response


def _log_download(request: AuthedRequest, batch: ImportBatch, what: str, rows: int, file_format: str) -> None:
    log_export(
        by=request.user,
        object_type="census.importbatch",
        filters={"batch": batch.pk, "file": what},
        rows=rows,
        file_format=file_format,
        remote_addr=client_address(request),
    )


def _stem(file_name: str) -> str:
    return PurePath(file_name).stem or "census"


def _counts_message(batch: ImportBatch) -> str:
    return _("新增 %(new)s 个,变更 %(changed)s 个,无变化 %(unchanged)s 个,退回 %(rejected)s 行。") % {
        "new": batch.new_count,
        "changed": batch.changed_count,
        "unchanged": batch.unchanged_count,
        "rejected": batch.rejected_count,
    }


# --- Upload ----------------------------------------------------------------------------------


def _preview_now(
    request: AuthedRequest,
    *,
    unit: Any,
    data: bytes,
    file_name: str,
    as_of: Any,
    override: dict[str, str | None] | None,
    replaces: ImportBatch | None = None,
    new_organizations: Sequence[str] = (),
) -> HttpResponse:
    """Preview in the request, or hand a large file to the worker; then show where it went."""
    rows = jobs.estimate_rows(data, file_name)
    if jobs.needs_background(rows):
        job = jobs.enqueue_preview(
            by=request.user,
            unit=unit,
            data=data,
            file_name=file_name,
            as_of=as_of,
            mapping_override=override,
            rows_estimate=rows,
            replaces=replaces,
            new_organizations=new_organizations,
        )
        messages.info(
            request, _("文件较大(约 %(rows)s 行),已转入后台校验,可以离开本页,稍后在导入记录中查看。") % {"rows": rows}
        )
        return redirect(job)
    outcome = services.preview_import(
        by=request.user, unit=unit, data=data, file_name=file_name, as_of=as_of, mapping_override=override,
        new_organizations=new_organizations,
    )  # fmt: skip
    previews.store_preview_details(outcome.batch, outcome.result, outcome.plan)
    if replaces is not None:
        jobs.discard_preview(replaces)
    return redirect(outcome.batch)


@require_http_methods(["GET", "POST"])
def index(request: AuthedRequest) -> HttpResponse:
    """下载模板 and 上传: the start of an import."""
    user = request.user
    units = _units(user)
    if not units.exists():
        raise PermissionDenied(_("您的角色无权导入摸底数据。"))
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, units=units)
        if form.is_valid():
            unit = form.cleaned_data["unit"]
            upload = form.cleaned_data["file"]
            try:
                return _preview_now(
                    request,
                    unit=unit,
                    data=form.data_bytes,
                    file_name=PurePath(upload.name or "census.xlsx").name,
                    as_of=form.cleaned_data["as_of"],
                    override=mappings.remembered(unit) or None,
                )
            except ServiceError as exc:
                form.add_error(None, exc.message)
    else:
        initial: dict[str, Any] = {"as_of": today()}
        if user.township_id and units.filter(pk=user.township_id).exists():
            initial["unit"] = user.township_id
        form = UploadForm(initial=initial, units=units)
    batches = selectors.batches_for(user=user)
    context = {
        "form": form,
        "template_form": TemplateForm(initial={"unit": form["unit"].value()}, units=units),
        "recent": batches[:5],
        "active_jobs": jobs.jobs_for(user=user)
        .filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
        .exclude(kind=JobKind.COMPARE)[:10],  # a comparison shows on its own page (reconcile)
        "max_upload_mb": getattr(settings, "MAX_UPLOAD_MB", 20),
        "sync_max_rows": jobs.sync_max_rows(),
    }
    return render(request, "census/index.html", context)


@require_GET
def template_export(request: AuthedRequest) -> HttpResponseBase:
    """The template for a unit, pre-filled with its organizations."""
    units = _units(request.user)
    if not units.exists():
        raise PermissionDenied(_("您的角色无权导入摸底数据。"))
    form = TemplateForm(request.GET, units=units)
    if not form.is_valid():
        messages.error(request, _("请选择单位。"))
        return redirect("census:index")
    from . import template

    unit = form.cleaned_data["unit"]
    data = template.unit_template(unit=unit, as_of=today())
    log_export(
        by=request.user,
        object_type="census.template",
        filters={"unit": unit.code},
        rows=template.organizations_of_unit(unit).count(),
        file_format="xlsx",
        remote_addr=client_address(request),
    )
    return _download(data, _("摸底表模板_%(unit)s_%(date)s.xlsx") % {"unit": unit.name, "date": f"{today():%Y%m%d}"})


# --- A batch: preview, confirm, result, revert -------------------------------------------------


def _problem_context(request: AuthedRequest, batch: ImportBatch) -> dict[str, Any]:
    codes = list(batch.problems.values_list("code").annotate(n=Count("pk")).order_by("code"))
    form = ProblemFilterForm(request.GET, codes=codes)
    problems = batch.problems.all()
    filters = form.filters()
    if filters.get("severity"):
        problems = problems.filter(severity=filters["severity"])
    if filters.get("code"):
        problems = problems.filter(code=filters["code"])
    page = Paginator(problems.order_by("row", "pk"), settings.PAGE_SIZE).get_page(request.GET.get("ppage"))
    return {
        "problem_form": form,
        "problem_rows": previews.problem_items(page.object_list),
        "problem_count": page.paginator.count,
        "problem_pager": _pager(request, page, "ppage"),
    }


def _change_context(request: AuthedRequest, batch: ImportBatch) -> dict[str, Any]:
    form = ChangeFilterForm(request.GET)
    kind = form.kind_filter()
    applied = batch.status in (BatchStatus.APPLIED, BatchStatus.REVERTED)
    items: QuerySet[Any]
    # The stored preview is exactly what confirm applied; a batch imported on the command line
    # has only its ImportChange rows.
    if applied and not batch.preview_changes.exists():
        items = batch.changes.select_related("organization").order_by("row", "pk")
    else:
        items = batch.preview_changes.order_by("row", "pk")
    if kind:
        items = items.filter(kind=kind)
    page = Paginator(items, settings.PAGE_SIZE).get_page(request.GET.get("cpage"))
    shown = cast(list[PreviewChange | ImportChange], list(page.object_list))
    organizations: dict[int, int] = {}
    if applied and shown:
        rows = [c.row for c in shown]
        for row, organization_id in batch.changes.filter(row__in=rows).values_list("row", "organization_id"):
            if row is not None:
                organizations[row] = organization_id
    return {
        "change_form": form,
        "change_rows": previews.change_rows(shown, organizations),
        "change_count": page.paginator.count,
        "change_pager": _pager(request, page, "cpage"),
        "changes_applied": applied,
    }


def _revert_refusal(user: User, batch: ImportBatch) -> str:
    if batch.status != BatchStatus.APPLIED:
        return ""
    if services.may_revert(by=user, batch=batch):
        return ""
    return _("只有县级管理员,或本单位在导入后 %(days)s 天内,可以撤销已导入的批次。") % {
        "days": services.REVERT_WINDOW_DAYS
    }


def _batch_page(
    request: AuthedRequest,
    batch: ImportBatch,
    *,
    mapping_form: MappingForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    partial = _is_partial(request) and request.htmx.target in ("problems", "changes")
    if partial and request.htmx.target == "problems":
        response = render(request, "census/_problems.html", {"batch": batch, **_problem_context(request, batch)})
        patch_vary_headers(response, ("HX-Request", "HX-Target"))
        return response
    if partial:
        response = render(request, "census/_changes.html", {"batch": batch, **_change_context(request, batch)})
        patch_vary_headers(response, ("HX-Request", "HX-Target"))
        return response

    can_import = _may_import(user, batch)
    layout = BatchLayout.objects.filter(batch=batch).first()
    previewed = batch.status == BatchStatus.PREVIEWED
    active_job = jobs.active_job_for(batch)
    if mapping_form is None and layout is not None:
        mapping_form = MappingForm(columns=layout.columns)
    mapping_rows = mapping_form.rows() if mapping_form is not None else []
    last_job = batch.jobs.exclude(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).order_by("-pk").first()
    context = {
        "batch": batch,
        "can_import": can_import,
        "previewed": previewed,
        "layout": layout,
        "mapping_form": mapping_form,
        "mapping_editable": previewed and can_import and active_job is None and mapping_form is not None,
        "mapping_rows": mapping_rows,
        "mapping_summary": MappingForm.summary(mapping_rows),
        "mapping_open": bool(mapping_form is not None and mapping_form.errors)
        or any(r["duplicate_of"] or not (r["key"] or r["serial"]) for r in mapping_rows)
        or not batch.header_row
        or batch.problems.filter(code="required_column_missing").exists(),
        "remembered": mappings.remembered_keys(batch.unit) if layout is not None else set(),
        "readable": batch.header_row is not None,
        "confirm_form": (
            ConfirmForm.for_preview(rows=batch.rows_total, rejected=batch.rejected_count)
            if previewed and can_import
            else None
        ),
        "new_organizations_form": _new_organizations_form(batch)
        if previewed and can_import and active_job is None
        else None,
        "active_job": active_job,
        "last_job": last_job,
        "may_revert": services.may_revert(by=user, batch=batch),
        "revert_refusal": _revert_refusal(user, batch),
        "sync_max_rows": jobs.sync_max_rows(),
        "background": jobs.needs_background(batch.rows_total),
        **_problem_context(request, batch),
        **_change_context(request, batch),
    }
    response = render(request, "census/batch_detail.html", context, status=status)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def batch_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = _scoped_batch(request, pk)
    if refused := _refuse_method(request, "GET"):
        return refused
    return _batch_page(request, batch)


def batch_mapping(request: AuthedRequest, pk: int) -> HttpResponse:
    """Correct how the file's columns map to the template: remembered for the unit, re-previewed."""
    batch = _scoped_batch(request, pk)
    if refused := _refuse_method(request, "POST"):
        return refused
    _require_import(request.user, batch.unit_id)
    layout = BatchLayout.objects.filter(batch=batch).first()
    if batch.status != BatchStatus.PREVIEWED or layout is None or jobs.active_job_for(batch) is not None:
        messages.error(request, _("该批次已不是待确认的预览,不能再修改列对应。请重新上传文件。"))
        return redirect(batch)
    form = MappingForm(request.POST, columns=layout.columns)
    if not form.is_valid():
        return _batch_page(request, batch, mapping_form=form, status=400)
    choices = form.choices()
    mappings.remember(unit=batch.unit, by=request.user, choices=choices)
    messages.success(request, _("已按新的列对应重新校验;这些对应已记住,本单位下次上传的文件会自动使用。"))
    return _repreview(
        request, batch, override=mappings.override_for(choices), new_organizations=batch.new_organizations
    )


def _repreview(
    request: AuthedRequest, batch: ImportBatch, *, override: dict[str, str | None] | None, new_organizations: Any
) -> HttpResponse:
    """Preview the batch's kept file again with another mapping or other new organizations; the new
    preview replaces this one."""
    with batch.original.open("rb") as fh:
        data = fh.read()
    try:
        return _preview_now(
            request,
            unit=batch.unit,
            data=data,
            file_name=batch.file_name,
            as_of=batch.as_of,
            override=override,
            replaces=batch,
            new_organizations=new_organizations,
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(batch)


def _new_organizations_form(batch: ImportBatch, data: Any = None) -> NewOrganizationsForm:
    conflicts = [
        (value, message)
        for value, message in batch.problems.filter(code=NAME_USCC_CONFLICT)
        .order_by("row")
        .values_list("value", "message")
        if value
    ]
    return NewOrganizationsForm(data, conflicts=conflicts, declared=batch.new_organizations)


def batch_new_organizations(request: AuthedRequest, pk: int) -> HttpResponse:
    """The clerk says which rows whose name matches an organization with another USCC are other
    organizations (registered as new); the file is checked again with that choice."""
    batch = _scoped_batch(request, pk)
    if refused := _refuse_method(request, "POST"):
        return refused
    _require_import(request.user, batch.unit_id)
    if batch.status != BatchStatus.PREVIEWED or jobs.active_job_for(batch) is not None:
        messages.error(request, _("该批次已不是待确认的预览,不能再修改。请重新上传文件。"))
        return redirect(batch)
    form = _new_organizations_form(batch, request.POST)
    if not form.is_valid():
        messages.error(request, _("请从列出的代码中选择。"))
        return redirect(batch)
    messages.success(request, _("已按您的选择重新校验:勾选的代码将作为新组织登记。"))
    return _repreview(request, batch, override=batch.mapping or None, new_organizations=form.codes())


def batch_confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = _scoped_batch(request, pk)
    if refused := _refuse_method(request, "POST"):
        return refused
    user = request.user
    _require_import(user, batch.unit_id)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择导入方式。"))
        return redirect(batch)
    mode = form.cleaned_data["mode"]
    if batch.status != BatchStatus.PREVIEWED:
        messages.error(request, _("该批次已处理(%(status)s),不能再次导入。") % {"status": batch.get_status_display()})
        return redirect(batch)
    active = jobs.active_job_for(batch)
    if active is not None:
        return redirect(active)
    if jobs.needs_background(batch.rows_total):
        try:
            job = jobs.enqueue_confirm(by=user, batch=batch, mode=mode)
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect(batch)
        return redirect(job)
    try:
        outcome = services.confirm_import(by=user, batch=batch, mode=mode)
    except services.StalePreview as exc:
        previews.refresh_preview_details(batch)
        messages.warning(request, exc.message)
    except services.ImportRefused as exc:
        messages.error(request, exc.message)
    except ServiceError as exc:
        messages.error(request, exc.message)
    except Exception:
        log.exception("census import of batch %s failed", batch.pk)
        messages.error(request, _("导入出错,没有写入任何数据。失败原因已记录在本批次中。"))
    else:
        messages.success(request, _("导入完成:") + _counts_message(outcome.batch))
    return redirect(batch)


def batch_revert(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = _scoped_batch(request, pk)
    if refused := _refuse_method(request, "POST"):
        return refused
    user = request.user
    if batch.status != BatchStatus.APPLIED:
        messages.error(request, _("只能撤销已导入的批次。"))
        return redirect(batch)
    if not services.may_revert(by=user, batch=batch):
        messages.error(request, _("不能撤销:") + _revert_refusal(user, batch))
        return redirect(batch)
    try:
        services.revert_batch(by=user, batch=batch)
    except ServiceError as exc:
        messages.error(request, _("不能撤销:") + exc.message)
    else:
        messages.success(request, _("已撤销本批次,登记册已恢复到导入前的数据。"))
    return redirect(batch)


def batch_original_export(request: AuthedRequest, pk: int) -> HttpResponseBase:
    batch = _scoped_batch(request, pk)
    if refused := _refuse_method(request, "GET"):
        return refused
    with batch.original.open("rb") as fh:
        data = fh.read()
    _log_download(request, batch, "original", batch.rows_total, PurePath(batch.file_name).suffix.lstrip(".") or "bin")
    return _download(data, batch.file_name, "application/octet-stream")


def _problems_for_file(batch: ImportBatch) -> list[Any]:
    return [previews.as_problem(p) for p in batch.problems.order_by("row", "pk")]


def _workbook_export(request: AuthedRequest, pk: int, what: str) -> HttpResponseBase:
    """The clerk's own file back as a workbook (``census.annotate``), audited like every export:
    ``annotated`` — every row, problem cells highlighted and commented; ``rejected`` — only the rows
    with errors (the rejected list of "import the valid rows"), to correct and import again."""
    batch = _scoped_batch(request, pk)
    if refused := _refuse_method(request, "GET"):
        return refused
    from . import annotate

    build, rows, title = {
        "annotated": (annotate.annotate, batch.rows_total, _("%(name)s_问题标注.xlsx")),
        "rejected": (annotate.rejected_rows, batch.rejected_count, _("%(name)s_退回行.xlsx")),
    }[what]
    with batch.original.open("rb") as fh:
        data = fh.read()
    content = build(data, batch.file_name, _problems_for_file(batch), mapping_override=batch.mapping or None)
    _log_download(request, batch, what, rows, "xlsx")
    return _download(content, title % {"name": _stem(batch.file_name)})


def batch_annotated_export(request: AuthedRequest, pk: int) -> HttpResponseBase:
    return _workbook_export(request, pk, "annotated")


def batch_rejected_export(request: AuthedRequest, pk: int) -> HttpResponseBase:
    return _workbook_export(request, pk, "rejected")


# --- 导入记录 ------------------------------------------------------------------------------------


@require_GET
def batch_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form = BatchFilterForm(request.GET)
    batches = selectors.batches_for(user=user)
    status = form.status_filter()
    if status:
        batches = batches.filter(status=status)
    page = Paginator(batches, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "count": page.paginator.count,
        "list_url": reverse("census:batch_list"),
        "can_import": _units(user).exists(),
    }
    template = "census/_batch_results.html" if _is_partial(request) else "census/batch_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- Background jobs -----------------------------------------------------------------------------


def job_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """Progress while the job runs (polled by htmx every 2 s); when it is done, its batch."""
    job = _scoped_job(request, pk)
    if refused := _refuse_method(request, "GET"):
        return refused
    finished_with_batch = job.status == JobStatus.DONE and job.batch_id is not None
    if _is_partial(request) and request.htmx.target == "job-progress":
        if not job.is_active:
            # Finished: the whole page, not a fragment, shows the result.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = job.get_absolute_url()
            return response
        return render(request, "census/_job_progress.html", _job_context(job))
    if finished_with_batch or (job.status == JobStatus.FAILED and job.kind == JobKind.CONFIRM and job.batch_id):
        assert job.batch is not None
        return redirect(job.batch)
    return render(request, "census/job_detail.html", _job_context(job))


def _job_context(job: ImportJob) -> dict[str, Any]:
    phase, done, total = jobs.progress_of(job)
    percent = int(done * 100 / total) if total and phase == "writing" else None
    return {
        "job": job,
        "phase": phase,
        "phase_label": PHASES.get(phase, phase),
        "done": done,
        "total": total,
        "percent": percent,
        "ahead": ImportJob.objects.filter(status=JobStatus.QUEUED, pk__lt=job.pk).count()
        if job.status == JobStatus.QUEUED
        else 0,
    }
