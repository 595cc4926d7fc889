"""The audit log: list with filters, one record with its diff and chain check, export.

Only the audit administrator reads it; everyone else, the other administrators included, gets
404. Exports are themselves audited.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from liangxin.accounts.models import User
from liangxin.core.export import csv_response, xlsx_response
from liangxin.core.shortcuts import get_in_scope_or_404

from . import display, selectors
from .forms import AuditFilterForm
from .models import AuditAction, AuditRecord
from .services import log_change

EXPORT_FORMATS = ("xlsx", "csv")


def _auditor(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not selectors.may_read_audit(user=user):
        raise Http404
    return user


@require_GET
def record_list(request: HttpRequest) -> HttpResponseBase:
    auditor = _auditor(request)
    params = request.GET.copy()
    export_format = params.pop("format", [""])[-1]
    params.pop("page", None)
    form = AuditFilterForm(params or None, object_types=selectors.object_type_choices(user=auditor))
    filters = form.filters()
    records = selectors.record_list(user=auditor, filters=filters)
    if export_format in EXPORT_FORMATS:
        return _export(request, auditor, records, filters, export_format)
    page = Paginator(records, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "record": record,
            "object_type": display.object_type_label(record.object_type),
            "fields": display.changed_fields(record),
        }
        for record in page
    ]
    return render(request, "audit/record_list.html", {"form": form, "page_obj": page, "rows": rows})


def _export(
    request: HttpRequest,
    auditor: User,
    records: QuerySet[AuditRecord],
    filters: selectors.AuditFilter,
    export_format: str,
) -> HttpResponseBase:
    # Fix the set before the export's own record is written, so the file holds exactly the
    # records that matched when the auditor asked, and the count logged is the count exported.
    last = AuditRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    records = records.filter(pk__lte=last)
    total = records.count()
    if total > settings.EXPORT_MAX_ROWS:
        messages.error(
            request,
            _("符合条件的记录有 %(total)d 条,超过单次导出上限 %(limit)d 条,请缩小筛选范围。")
            % {"total": total, "limit": settings.EXPORT_MAX_ROWS},
        )
        params = request.GET.copy()
        params.pop("format", None)
        return redirect(f"{request.path}?{params.urlencode()}")
    log_change(
        actor=auditor,
        action=AuditAction.EXPORT,
        object_type="audit.auditrecord",
        object_repr=str(_("审计日志")),
        changes={"format": [None, export_format], "rows": [None, total], "filters": [None, filters.describe()]},
    )
    filename = f"audit-log-{timezone.localtime():%Y%m%d-%H%M%S}.{export_format}"
    header = selectors.export_header()
    rows = selectors.export_rows(records)
    if export_format == "xlsx":
        return xlsx_response(filename=filename, sheet_title=_("审计日志"), header=header, rows=rows)
    return csv_response(filename=filename, header=header, rows=rows)


@require_GET
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    auditor = _auditor(request)
    record = get_in_scope_or_404(selectors.records_for(user=auditor), pk=pk)
    return render(
        request,
        "audit/record_detail.html",
        {
            "record": record,
            "object_type_label": display.object_type_label(record.object_type),
            "rows": display.change_rows(record),
            "check": selectors.check_record(record),
        },
    )
