"""The register as a workbook a county office prints: a title row, the reporting unit and date,
a frozen header, landscape pages fitting the width with the header repeated; and a per-township
summary sheet. Header and rows as every printable sheet has them (``core.export.print_header``,
``print_row``: text cells neutralized, no formulas)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from liangxin.core.export import Cell, print_header, print_row
from liangxin.policy import engine

from . import transitions
from .selectors import NO_PLAN, REGISTER_CODES, RegisterRow, township_summary

REGISTER_TITLE = "两新组织未建党组织台账"
SUMMARY_TITLE = "乡镇汇总"
NO_PLAN_LABEL = "无方案"

REGISTER_HEADER: tuple[tuple[str, int], ...] = (
    ("序号", 6),
    ("乡镇(街道)", 12),
    ("组织名称", 30),
    ("统一社会信用代码", 21),
    ("组织类型", 12),
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

_BOLD = Font(bold=True)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _status_label(code: str) -> str:
    return NO_PLAN_LABEL if code == NO_PLAN else transitions.STATUS_LABELS[code]


def register_row_cells(index: int, row: RegisterRow) -> list[Cell]:
    org = row.organization
    plan = row.plan
    rec = row.recommendation
    facts = row.facts
    reason = ""
    if plan is not None and not plan.ready:
        reason = plan.get_reason_display() + (f"({plan.reason_text})" if plan.reason_text else "")
    return [
        index,
        org.township.name,
        org.name,
        org.uscc or "",
        org.get_org_type_display(),
        facts.employees if facts else None,
        facts.full_members if facts else None,
        facts.probationary_members if facts else None,
        rec.label,
        rec.rule,
        row.blockers,
        _status_label(row.plan_status),
        plan.get_method_display() if plan and plan.method else "",
        plan.get_target_kind_display() if plan and plan.target_kind else "",
        plan.planned_date if plan else None,
        plan.responsible_person if plan else "",
        reason,
        (plan.countermeasure if plan else "") or "",
        "是" if row.overdue else "否",
    ]


def _title(ws: Worksheet, title: str, unit: str, on: dt.date, width: int) -> None:
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(row=1, column=1).font = Font(bold=True, size=16)
    ws.cell(row=1, column=1).alignment = _CENTER
    ws.row_dimensions[1].height = 30
    ws.append([f"填报单位:{unit}", *([None] * (width - 2)), f"截至日期:{on:%Y年%m月%d日}"])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=max(1, width - 1))


def _header(ws: Worksheet, header: Sequence[str]) -> None:
    print_header(ws, header)


def _body(ws: Worksheet, rows: Sequence[Sequence[Cell]]) -> None:
    for values in rows:
        print_row(ws, values)


def register_workbook(*, rows: Sequence[RegisterRow], unit: str, on: dt.date) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = REGISTER_TITLE
    _title(ws, REGISTER_TITLE, unit, on, len(REGISTER_HEADER))
    _header(ws, [h for h, _w in REGISTER_HEADER])
    for column, (_h, width) in enumerate(REGISTER_HEADER, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    _body(ws, [register_row_cells(i, row) for i, row in enumerate(rows, start=1)])

    summary = wb.create_sheet(SUMMARY_TITLE)
    header = [
        "乡镇(街道)",
        "未建党组织数",
        *(engine.LABELS[c] for c in REGISTER_CODES),
        *(_status_label(s) for s in STATUS_COLUMNS),
        "逾期",
    ]
    _title(summary, f"{REGISTER_TITLE}·{SUMMARY_TITLE}", unit, on, len(header))
    _header(summary, header)
    summary.column_dimensions["A"].width = 16
    for column in range(2, len(header) + 1):
        summary.column_dimensions[get_column_letter(column)].width = 11
    figures: list[tuple[str, list[int]]] = [
        (
            s.township,
            [
                s.total,
                *(s.by_code[c] for c in REGISTER_CODES),
                *(s.by_status[st] for st in STATUS_COLUMNS),
                s.overdue,
            ],
        )
        for s in township_summary(rows)
    ]
    totals = [sum(column) for column in zip(*(counts for _t, counts in figures), strict=True)] or [0] * (
        len(header) - 1
    )
    lines: list[list[Cell]] = [[township, *counts] for township, counts in figures]
    lines.append(["合计", *totals])
    _body(summary, lines)
    for cell in summary[summary.max_row]:
        cell.font = _BOLD

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
