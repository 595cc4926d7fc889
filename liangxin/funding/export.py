"""The funding workbooks (``core.export.write_print_sheets``): the allocation sheet of a township or
of the county (a summary by township, then one sheet per township), the summary by township, a
party organization's ledger and dues, activity funds. Money as ``Decimal`` cells with two decimals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal

from django.utils.translation import gettext as _

from liangxin.core.export import Cell, PrintSheet, XlsxBook, write_print_sheets
from liangxin.policy import funding_rules
from liangxin.registry.models import PartyOrganization

from . import ledger
from .models import LedgerEntry
from .selectors import ZERO, ActivityFundRow, AllocationRow, AllocationSheet, DuesSheet, Summary, SummaryRow

ALLOCATION_HEADER = (
    "序号",
    "乡镇(街道)",
    "党组织名称",
    "党组织类别",
    "党员数(含预备党员)",
    "其中预备党员",
    "标准(元/人·年)",
    "拨付金额(元)",
)
ALLOCATION_WIDTHS = (6, 14, 36, 12, 12, 10, 12, 14)

Writer = Callable[[XlsxBook], None]


def _writer(sheets: Sequence[PrintSheet]) -> Writer:
    """What ``core.export.workbook_response`` calls to fill the workbook."""
    return lambda book: write_print_sheets(book, sheets)


def allocation_notes(sheet: AllocationSheet) -> list[str]:
    return [
        _("说明:1. 党员数按截至 %(date)s 党员组织关系所在党组织(隶属关系)统计,含预备党员;")
        % {"date": f"{sheet.as_of:%Y年%m月%d日}"},
        _("2. 年内转移组织关系的党员只在截至日期所在党组织计算,不按月折算;组织关系在县外的党员不计算;"),
        _("3. 标准依据:%(policy)s。") % {"policy": sheet.policy.name},
        _("状态:已于 %(date)s 拨付。") % {"date": f"{sheet.issued.issued_on:%Y-%m-%d}"}
        if sheet.issued
        else _("状态:测算(尚未拨付)。"),
    ]


def _allocation_rows(rows: Sequence[AllocationRow], per_member: Decimal) -> list[list[Cell]]:
    return [
        [
            i,
            row.party_organization.township.name,
            row.party_organization.name,
            row.party_organization.get_kind_display(),
            row.members,
            row.probationary_members,
            per_member,
            row.amount,
        ]
        for i, row in enumerate(rows, start=1)
    ]


def _allocation_total(rows: Sequence[AllocationRow]) -> list[Cell]:
    return [
        _("合计"),
        "",
        _("%(n)s个党组织") % {"n": len(rows)},
        "",
        sum(r.members for r in rows),
        sum(r.probationary_members for r in rows),
        "",
        sum((r.amount for r in rows), ZERO),
    ]


def allocation_workbook(sheet: AllocationSheet, *, unit: str, county: bool) -> Writer:
    title = _("%(year)s年两新组织党建工作经费拨付表") % {"year": sheet.year}
    subtitle = _("单位:%(unit)s    截至日期:%(date)s    金额单位:元") % {
        "unit": unit,
        "date": f"{sheet.as_of:%Y-%m-%d}",
    }
    notes = allocation_notes(sheet)
    groups = sheet.by_township()
    sheets = []
    if county:
        summary_rows: list[list[Cell]] = [
            [
                i,
                township.name,
                len(rows),
                sum(r.members for r in rows),
                sum(r.probationary_members for r in rows),
                sum((r.amount for r in rows), ZERO),
            ]
            for i, (township, rows) in enumerate(groups, start=1)
        ]
        sheets.append(
            PrintSheet(
                name=_("全县汇总"),
                title=title + _("(全县汇总)"),
                subtitle=subtitle,
                header=("序号", "乡镇(街道)", "党组织数", "党员数(含预备党员)", "其中预备党员", "拨付金额(元)"),
                widths=(6, 16, 10, 14, 12, 16),
                rows=summary_rows,
                total=[_("合计"), "", len(sheet.rows), sheet.members, sheet.probationary_members, sheet.amount],
                notes=notes,
            )
        )
    for township, rows in groups:
        sheets.append(
            PrintSheet(
                name=township.name,
                title=f"{title}({township.name})",
                subtitle=subtitle,
                header=ALLOCATION_HEADER,
                widths=ALLOCATION_WIDTHS,
                rows=_allocation_rows(rows, sheet.per_member_amount),
                total=_allocation_total(rows),
                notes=notes,
            )
        )
    if not sheets:
        sheets.append(PrintSheet(_("拨付表"), title, subtitle, ALLOCATION_HEADER, [], ALLOCATION_WIDTHS, None, notes))
    return _writer(sheets)


SUMMARY_HEADER = (
    "乡镇(街道)/党组织",
    "党组织数",
    "党员数",
    "经费拨付",
    "党费留存返还",
    "以奖代补",
    "支出",
    "年初余额",
    "年末余额",
    "本年已交党费",
    "欠交党费人数",
    "欠交金额",
    "待审批奖补",
    "列支活动经费组织数",
    "超出0.5%–2%范围",
)


def summary_workbook(summary: Summary, *, unit: str) -> Writer:
    def cells(label: str, r: SummaryRow) -> list[Cell]:
        totals = r.ledger
        return [
            label,
            r.party_organizations,
            r.members,
            totals.by_kind[ledger.ALLOCATION],
            totals.by_kind[ledger.DUES_RETURN],
            totals.by_kind[ledger.REWARD],
            totals.by_kind[ledger.SPENDING],
            totals.opening,
            totals.closing,
            r.dues_paid,
            r.members_in_arrears,
            r.arrears,
            r.rewards_pending,
            r.activity_booked,
            r.activity_outside,
        ]

    rows: list[list[Cell]] = []
    for township, township_row, orgs in summary.townships:
        rows.append(cells(township.name, township_row))
        rows.extend(cells("  " + org.name, row) for org, row in orgs)
    return _writer(
        [
            PrintSheet(
                name=_("经费汇总"),
                title=_("%(year)s年两新组织党建经费汇总表") % {"year": summary.year},
                subtitle=_("单位:%(unit)s    党员数截至 %(date)s    金额单位:元")
                % {"unit": unit, "date": f"{summary.as_of:%Y-%m-%d}"},
                header=SUMMARY_HEADER,
                widths=(34, *([11] * (len(SUMMARY_HEADER) - 1))),
                rows=rows,
                total=cells(_("合计"), summary.total),
                notes=[
                    _(
                        "说明:经费收支按入账日期计入年度;欠交党费按已结束的月份计算,未登记计算基数的党员只计人数不计金额。"
                    )
                ],
            )
        ]
    )


def ledger_workbook(
    party_organization: PartyOrganization,
    year: int,
    totals: ledger.YearTotals,
    rows: Sequence[tuple[LedgerEntry, Decimal]],
) -> Writer:
    body: list[list[Cell]] = [[None, _("年初余额"), "", None, None, totals.opening]]
    for entry, balance in rows:
        way = ledger.DIRECTION[entry.kind]
        body.append(
            [
                entry.entry_date,
                entry.get_kind_display(),
                entry.description,
                entry.amount if way == ledger.IN else None,
                entry.amount if way == ledger.OUT else None,
                balance,
            ]
        )
    return _writer(
        [
            PrintSheet(
                name=_("经费台账"),
                title=_("%(name)s %(year)s年党建经费台账") % {"name": party_organization.name, "year": year},
                subtitle=_("所属乡镇:%(township)s    金额单位:元") % {"township": party_organization.township.name},
                header=("日期", "类别", "摘要", "收入", "支出", "余额"),
                widths=(12, 16, 44, 12, 12, 12),
                rows=body,
                total=[_("合计"), "", "", totals.money_in, totals.money_out, totals.closing],
            )
        ]
    )


def dues_workbook(party_organization: PartyOrganization, sheet: DuesSheet, *, amounts: bool) -> Writer:
    """Each member's months: the amount paid (with ``amounts``: the dues and paid of each month) or
    ✓/欠 (without: the amounts give the base away)."""
    months = [dt.date(sheet.year, m, 1) for m in range(1, 13)]
    header = ["姓名", "党员类别", *[f"{m.month}月" for m in months], "已交(元)" if amounts else "已交月数", "欠交月数"]
    if amounts:
        header.append("欠交金额(元)")
    rows: list[list[Cell]] = []
    for member in sheet.members:
        cells: list[Cell] = [member.name, _("预备党员") if member.probationary else _("正式党员")]
        for month in months:
            cell = member.cell(month)
            if cell is None:
                cells.append("")
            elif amounts:
                cells.append(cell.paid if cell.paid else (_("欠") if cell.in_arrears else ""))
            else:
                cells.append("✓" if cell.paid else (_("欠") if cell.in_arrears else ""))
        cells.append(member.paid if amounts else sum(1 for m in member.months if m.paid))
        cells.append(len(member.arrears_months))
        if amounts:
            cells.append(member.arrears)
        rows.append(cells)
    return _writer(
        [
            PrintSheet(
                name=_("党费交纳"),
                title=_("%(name)s %(year)s年党费交纳情况") % {"name": party_organization.name, "year": sheet.year},
                subtitle=_("所属乡镇:%(township)s    按月份所在党组织统计(组织关系月末所在)")
                % {"township": party_organization.township.name},
                header=header,
                widths=(10, 10, *([7] * 12), 10, 8, 10),
                rows=rows,
            )
        ]
    )


def activity_fund_workbook(rows: Sequence[ActivityFundRow], *, year: int, unit: str) -> Writer:
    body: list[list[Cell]] = []
    for i, row in enumerate(rows, start=1):
        check = row.check
        body.append(
            [
                i,
                row.organization.township.name,
                row.organization.name,
                check.payroll if check and check.payroll is not None else None,
                row.booked,
                funding_rules.percent(check.share) if check and check.share is not None else "",
                funding_rules.yuan(check.low) if check and check.low is not None else None,
                funding_rules.yuan(check.high) if check and check.high is not None else None,
                funding_rules.RANGE_LABELS[check.status] if check else _("未填报"),
            ]
        )
    return _writer(
        [
            PrintSheet(
                name=_("党建活动经费"),
                title=_("%(year)s年两新组织党建活动经费列支情况") % {"year": year},
                subtitle=_("单位:%(unit)s    工资总额取该年末(或今天)有效的摸底数据    金额单位:元") % {"unit": unit},
                header=(
                    "序号",
                    "乡镇(街道)",
                    "组织名称",
                    "工资总额(元)",
                    "列支金额",
                    "占工资总额",
                    "下限(0.5%)",
                    "上限(2%)",
                    "情况",
                ),
                widths=(6, 14, 34, 14, 12, 10, 12, 12, 12),
                rows=body,
            )
        ]
    )
