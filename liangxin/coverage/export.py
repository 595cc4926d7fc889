"""The indicator table as a workbook: every group of one grouping, each share indicator as its
numerator, denominator, share, target and gap, each count or sum as its figure."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.utils.translation import gettext as _

from liangxin.core.export import Cell, XlsxBook, write_table

from .choices import IndicatorKind
from .selectors import TablePage


def _header(page: TablePage) -> list[str]:
    header = [_("分组")]
    for d in page.definitions:
        if d.kind == IndicatorKind.SHARE:
            header += [
                f"{d.label}·{_('覆盖数')}",
                f"{d.label}·{_('总数')}",
                f"{d.label}·{_('比例')}",
                f"{d.label}·{_('目标')}",
                f"{d.label}·{_('差额')}",
            ]
        else:
            header.append(d.label)
    return header


def _rows(page: TablePage) -> Iterator[list[Cell]]:
    for group in page.groups:
        row: list[Cell] = [group.label]
        for d in page.definitions:
            v = group.values[d.code]
            if d.kind == IndicatorKind.SHARE:
                row += [v.numerator, v.denominator, v.value, v.target, v.gap]
            else:
                row.append(v.value)
        yield row


def table_workbook(page: TablePage) -> Callable[[XlsxBook], None]:
    def write(book: XlsxBook) -> None:
        write_table(book, sheet_title=_("覆盖指标明细表"), header=_header(page), rows=_rows(page))

    return write
