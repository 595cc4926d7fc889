"""Reconciliation pages: upload a registration list, follow its comparison, decide its rows.

Thin: forms parse, ``reconcile.services`` writes, every object named in a URL comes from a scoped
selector (``selectors.batches_for``, ``selectors.row_in_scope``), so another township's batch or
row answers 404 exactly like a missing one. The batch page polls its progress with htmx while the
worker compares (and has a reload link without JavaScript).
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_htmx.middleware import HtmxDetails

from liangxin.accounts.models import User
from liangxin.census import jobs
from liangxin.census.selectors import importable_units
from liangxin.core.clients import client_address
from liangxin.core.errors import ServiceError
from liangxin.core.shortcuts import get_in_scope_or_404, refuse_method
from liangxin.geo.models import AdministrativeUnit, UnitLevel
from liangxin.registry.choices import OrganizationType
from liangxin.registry.services import log_export

from . import selectors, services
from .forms import DecisionForm, RowFilterForm, UploadForm
from .models import BatchStatus, Decision, ReconcileBatch, ReconcileRow, RowKind

PHASES = {
    "queued": gettext_lazy("排队等待"),
    "starting": gettext_lazy("正在启动"),
    "reading": gettext_lazy("正在读取名单"),
    "matching": gettext_lazy("正在与登记册比对"),
    "storing": gettext_lazy("正在保存比对结果"),
}
CHANGE_LABELS = {
    "name": gettext_lazy("名称"),
    "org_type": gettext_lazy("类型"),
    "uscc": gettext_lazy("统一社会信用代码"),
}


class AuthedRequest(HttpRequest):
    user: User
    htmx: HtmxDetails


def _is_partial(request: AuthedRequest, target: str) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request and request.htmx.target == target


def _scoped_batch(request: AuthedRequest, pk: int) -> ReconcileBatch:
    return get_in_scope_or_404(selectors.batches_for(user=request.user), pk=pk)


@require_http_methods(["GET", "POST"])
def index(request: AuthedRequest) -> HttpResponse:
    """登记比对: upload a list (who may import for a unit) and the batches one may see."""
    user = request.user
    units = importable_units(user=user)
    problems: list[Any] = []
    form = None
    if units.exists():
        if request.method == "POST":
            form = UploadForm(request.POST, request.FILES, units=units)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                try:
                    batch = services.start_batch(
                        by=user,
                        unit=form.cleaned_data["unit"],
                        source=form.cleaned_data["source"],
                        data=form.data_bytes,
                        file_name=PurePath(upload.name or "list.xlsx").name,
                    )
                except services.ListRefused as exc:
                    form.add_error(None, exc.message)
                    problems = exc.problems
                except ServiceError as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(request, _("名单已保存,正在后台比对。"))
                    return redirect(batch)
        else:
            initial = {"unit": user.township_id} if user.township_id else {}
            form = UploadForm(initial=initial, units=units)
    elif request.method == "POST":
        return HttpResponse(status=403)
    page = Paginator(selectors.batches_for(user=user), settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "problems": problems, "page": page}
    return render(request, "reconcile/index.html", context, status=400 if problems else 200)


def _progress_context(batch: ReconcileBatch) -> dict[str, Any]:
    job = batch.job
    phase, done, total = jobs.progress_of(job) if job is not None else ("", 0, 0)
    return {
        "batch": batch,
        "state": selectors.state_of(batch),
        "job": job,
        "phase_label": PHASES.get(phase, phase),
        "done": done,
        "total": total,
        "percent": int(done * 100 / total) if total and phase == "storing" else None,
    }


def _decorate(user: User, rows: list[ReconcileRow]) -> list[ReconcileRow]:
    """What the row card shows beside the row: whether this user decides it, the changes in words."""
    for row in rows:
        row.can_decide = row.decision == Decision.PENDING and services.may_decide(by=user, row=row)  # type: ignore[attr-defined]
        items = []
        for key, change in (row.detail.get("changes") or {}).items():
            register = change.get("register") or "—"
            if key == "org_type" and register in OrganizationType.values:
                register = OrganizationType(register).label
            items.append((CHANGE_LABELS.get(key, key), register, change.get("list") or "—"))
        row.change_items = items  # type: ignore[attr-defined]
        row.duplicates = list(zip(row.detail.get("organizations") or [], row.detail.get("names") or [], strict=False))  # type: ignore[attr-defined]
    return rows


def _townships(batch: ReconcileBatch) -> Any:
    county = selectors.county_of(batch.unit)
    return AdministrativeUnit.objects.filter(
        level=UnitLevel.TOWNSHIP, valid_to__isnull=True, path__startswith=county.path
    ).order_by("code")


def batch_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = _scoped_batch(request, pk)
    if refused := refuse_method(request, "GET"):
        return refused
    user = request.user
    if _is_partial(request, "batch-progress"):
        if selectors.state_of(batch) != BatchStatus.PENDING:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = batch.get_absolute_url()  # the whole page shows the result
            return response
        return render(request, "reconcile/_progress.html", _progress_context(batch))
    rows = selectors.rows_for(user=user, batch=batch)
    counted = list(
        rows.values("kind").annotate(
            n=Count("pk"),
            pending=Count("pk", filter=Q(decision=Decision.PENDING)),
            accepted=Count("pk", filter=Q(decision=Decision.ACCEPTED)),
        )
    )
    tally: dict[str, tuple[int, int]] = {item["kind"]: (item["n"], item["pending"]) for item in counted}
    filters = RowFilterForm(request.GET)
    filters.is_valid()
    kind = filters.cleaned_data.get("kind") or next((k for k in RowKind.values if k in tally), RowKind.MISSING)
    shown = rows.filter(kind=kind)
    if filters.cleaned_data.get("decision"):
        shown = shown.filter(decision=filters.cleaned_data["decision"])
    if filters.cleaned_data.get("unresolved"):
        shown = shown.filter(township__isnull=True)
    page = Paginator(shown, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = _progress_context(batch) | {
        "tabs": [(value, label, *tally.get(value, (0, 0))) for value, label in RowKind.choices],
        "kind": kind,
        "filters": filters,
        "page": page,
        "rows": _decorate(user, list(page.object_list)),
        "townships": _townships(batch),
        "may_revert": services.may_revert(by=user, batch=batch),
        "original_in_scope": selectors.original_in_scope(user=user, batch=batch),
        "accepted": sum(item["accepted"] for item in counted),
    }
    return render(request, "reconcile/batch_detail.html", context)


def _back(batch: ReconcileBatch, request: AuthedRequest) -> HttpResponse:
    kind = request.POST.get("kind", "")
    url = batch.get_absolute_url() + (f"?{urlencode({'kind': kind})}" if kind in RowKind.values else "")
    return redirect(url)


def row_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    """Accept or reject one row; an htmx request gets the row's card back."""
    row = selectors.row_in_scope(user=request.user, pk=pk)
    if refused := refuse_method(request, "POST"):
        return refused
    user = request.user
    form = DecisionForm(request.POST, townships=_townships(row.batch))
    error = ""
    if form.is_valid():
        try:
            if form.cleaned_data["decision"] == Decision.ACCEPTED:
                row = services.accept_row(by=user, row=row, township=form.cleaned_data["township"])
            else:
                row = services.reject_row(by=user, row=row, reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            error = exc.message
    else:
        error = _("请选择采纳或驳回。")
    if request.htmx:
        context = {"row": _decorate(user, [row])[0], "error": error, "townships": _townships(row.batch)}
        return render(request, "reconcile/_row.html", context, status=200)
    if error:
        messages.error(request, f"“{row.name}”:{error}")
    else:
        messages.success(
            request, _("已处理:%(name)s(%(decision)s)") % {"name": row.name, "decision": row.get_decision_display()}
        )
    return _back(row.batch, request)


def batch_accept(request: AuthedRequest, pk: int) -> HttpResponse:
    """Accept the selected rows together: all of them in one transaction, or none."""
    batch = _scoped_batch(request, pk)
    if refused := refuse_method(request, "POST"):
        return refused
    ids = [int(v) for v in request.POST.getlist("rows") if v.isdigit()]
    rows = list(selectors.rows_for(user=request.user, batch=batch).filter(pk__in=ids, decision=Decision.PENDING))
    if not rows:
        messages.error(request, _("请先勾选要采纳的待确认结果。"))
        return _back(batch, request)
    try:
        n = services.accept_rows(by=request.user, rows=rows)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已采纳 %(n)s 条结果。") % {"n": n})
    return _back(batch, request)


def batch_revert(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = _scoped_batch(request, pk)
    if refused := refuse_method(request, "POST"):
        return refused
    try:
        services.revert_batch(by=request.user, batch=batch)
    except ServiceError as exc:
        messages.error(request, _("不能撤销:") + exc.message)
    else:
        messages.success(request, _("已撤销本批次:采纳时写入登记册的内容都已恢复。"))
    return redirect(batch)


def batch_original_export(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """The list file as uploaded, audited like every export."""
    batch = _scoped_batch(request, pk)
    if not selectors.original_in_scope(user=request.user, batch=batch):
        raise Http404
    if refused := refuse_method(request, "GET"):
        return refused
    with batch.original.open("rb") as fh:
        data = fh.read()
    log_export(
        by=request.user,
        object_type="reconcile.original",
        filters={"batch": batch.pk, "file": batch.file_name},
        rows=batch.entries,
        file_format=PurePath(batch.file_name).suffix.lstrip(".") or "bin",
        remote_addr=client_address(request),
    )
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(batch.file_name)}"
    response["Cache-Control"] = "private, no-store"
    return response
