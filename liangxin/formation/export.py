"""The register as a workbook a county office prints: a title row, the reporting unit and date,
a frozen header, landscape pages fitting the width with the header repeated; and a per-township
summary sheet. The one export of the register's rows: the formation register (未建党组织台账)
and the coverage gap list (空白点台账) are both this workbook under their own title.

Written in one pass over the rows as they come (``core.export.XlsxBook``: constant memory, text
never a formula), the summary counted on the way; at most ``limit`` rows, else
:class:`TooManyRows` and no file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.http import FileResponse

from liangxin.accounts.models import User
from liangxin.core.export import Cell, XlsxBook, XlsxSheet, workbook_response
from liangxin.policy import engine
from liangxin.registry import services as registry_services
from liangxin.registry.models import Organization

from . import transitions
from .models import FormationPlan
from .selectors import NO_PLAN, REGISTER_CODES, RegisterRow, SummaryCounter

REGISTER_TITLE = "两新组织未建党组织台账"
SUMMARY_TITLE = "乡镇汇总"
NO_PLAN_LABEL = "无方案"

REGISTER_HEADER: tuple[tuple[str, int], ...] = (
    ("序号", 6),
    ("乡镇(街道)", 12),
    ("组织名称", 30),
    ("统一社会信用代码", 21),
    ("组织类型", 12),
    ("行业主管部门", 14),
    ("规模以上", 8),
    ("从业人员", 8),
    ("正式党员", 8),
    ("预备党员", 8),
    ("建议组建方式", 20),
    ("政策依据", 40),
    ("制约因素", 30),
    ("方案状态", 9),
    ("组建方式", 9),
    ("拟建类别", 10),
    ("计划组建时间", 12),
    ("责任人", 10),
    ("未能组建原因", 24),
    ("对策措施", 30),
    ("是否逾期", 8),
)
STATUS_COLUMNS: tuple[str, ...] = (NO_PLAN, *transitions.OPEN_STATUSES_ORDER)


class TooManyRows(Exception):
    """More rows than one export may hold: nothing is sent."""


def _status_label(code: str) -> str:
    return NO_PLAN_LABEL if code == NO_PLAN else transitions.STATUS_LABELS[code]


class _Labels:
    """The Chinese labels of the coded columns, looked up once per export: Django's
    ``get_FOO_display`` hashes the field's choices on every call, a millisecond a row."""

    def __init__(self) -> None:
        self.org_type = {str(k): str(v) for k, v in Organization._meta.get_field("org_type").flatchoices}
        plan = FormationPlan._meta
        self.method = {str(k): str(v) for k, v in plan.get_field("method").flatchoices}
        self.target_kind = {str(k): str(v) for k, v in plan.get_field("target_kind").flatchoices}
        self.reason = {str(k): str(v) for k, v in plan.get_field("reason").flatchoices}


def register_row_cells(index: int, row: RegisterRow, labels: _Labels | None = None) -> list[Cell]:
    labels = labels or _Labels()
    org = row.organization
    plan = row.plan
    rec = row.recommendation
    facts = row.facts
    reason = ""
    if plan is not None and not plan.ready:
        reason = labels.reason.get(plan.reason, plan.reason) + (f"({plan.reason_text})" if plan.reason_text else "")
    return [
        index,
        org.township.name,
        org.name,
        org.uscc or "",
        labels.org_type.get(org.org_type, org.org_type),
        org.department.name if org.department_id and org.department else "",
        org.above_designated_size,
        facts.employees if facts else None,
        facts.full_members if facts else None,
        facts.probationary_members if facts else None,
        rec.label,
        rec.rule,
        row.blockers,
        _status_label(row.plan_status),
        labels.method.get(plan.method, plan.method) if plan and plan.method else "",
        labels.target_kind.get(plan.target_kind, plan.target_kind) if plan and plan.target_kind else "",
        plan.planned_date if plan else None,
        plan.responsible_person if plan else "",
        reason,
        (plan.countermeasure if plan else "") or "",
        row.overdue,
    ]


def _heading(sheet: XlsxSheet, title: str, unit: str, on: dt.date, header: list[str]) -> None:
    """Title (row 1), unit and date (row 2), the header (row 3, frozen, repeated on each page)."""
    width = len(header)
    sheet.merged(0, width - 1, title, "title", height=30)
    sheet.next_row()
    sheet.merged(0, max(0, width - 2), f"填报单位:{unit}")
    sheet.cell(width - 1, f"截至日期:{on:%Y年%m月%d日}")
    sheet.next_row()
    sheet.append(header, "boxed_header")
    sheet.freeze_below(3)
    sheet.print_landscape(repeat_row=2)


def write_register(
    book: XlsxBook,
    *,
    rows: Iterable[RegisterRow],
    unit: str,
    on: dt.date,
    limit: int,
    title: str = REGISTER_TITLE,
) -> int:
    """The register sheet and its per-township summary; returns the number of rows written."""
    register = book.sheet(title, widths=[w for _h, w in REGISTER_HEADER])
    _heading(register, title, unit, on, [h for h, _w in REGISTER_HEADER])
    counter = SummaryCounter()
    labels = _Labels()
    written = 0
    for written, row in enumerate(counter.counted(rows), start=1):
        if written > limit:
            raise TooManyRows(limit)
        register.append(register_row_cells(written, row, labels), "body")

    header = [
        "乡镇(街道)",
        "未建党组织数",
        *(engine.LABELS[c] for c in REGISTER_CODES),
        *(_status_label(s) for s in STATUS_COLUMNS),
        "逾期",
    ]
    summary = book.sheet(SUMMARY_TITLE, widths=[16, *([11] * (len(header) - 1))])
    _heading(summary, f"{title}·{SUMMARY_TITLE}", unit, on, header)
    totals = [0] * (len(header) - 1)
    for s in counter.summaries:
        counts = [
            s.total,
            *(s.by_code[c] for c in REGISTER_CODES),
            *(s.by_status[st] for st in STATUS_COLUMNS),
            s.overdue,
        ]
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        summary.append([s.township, *counts], "body")
    summary.append(["合计", *totals], "total")
    return written


def register_response(
    *,
    by: User,
    rows: Iterable[RegisterRow],
    unit: str,
    on: dt.date,
    title: str,
    object_type: str,
    filters: Mapping[str, object],
    remote_addr: str | None,
) -> FileResponse:
    """The workbook as a download, audited as a data read with the number of rows it holds.
    Raises :class:`TooManyRows` (and sends and logs nothing) past ``EXPORT_MAX_ROWS``."""
    written = 0

    def write(book: XlsxBook) -> None:
        nonlocal written
        written = write_register(book, rows=rows, unit=unit, on=on, limit=settings.EXPORT_MAX_ROWS, title=title)

    response = workbook_response(filename=f"{title}_{on:%Y%m%d}.xlsx", write=write)
    registry_services.log_export(
        by=by, object_type=object_type, filters=dict(filters), rows=written, file_format="xlsx", remote_addr=remote_addr
    )
    return response
