"""The development lists as one workbook (streamed by ``core.export``): people at each stage,
conversions due, overdue steps and the counts by preference category."""

from __future__ import annotations

from collections.abc import Callable

from liangxin.core.export import Cell, XlsxBook, write_table

from . import pipeline
from .selectors import Lists, Row


def _person(row: Row) -> list[Cell]:
    f = row.file
    return [
        f.name,
        f.party_organization.name,
        f.party_organization.township.name,
        f.organization.name if f.organization else "",
        f.get_work_role_display(),
        row.stage_label,
    ]


def lists_workbook(lists: Lists) -> Callable[[XlsxBook], None]:
    stage_headers = [pipeline.STAGE_LABELS[s] + "日期" for s in pipeline.STAGES]
    person = ["姓名", "培养党组织", "乡镇(街道)", "工作单位", "岗位类别", "当前阶段"]

    def write(book: XlsxBook) -> None:
        write_table(
            book,
            sheet_title="各阶段人员",
            header=[*person, *stage_headers, "优先发展类别"],
            rows=(
                [*_person(row), *(row.file.stage_dates()[s] for s in pipeline.STAGES), row.preference_labels]
                for row in lists.rows
            ),
        )
        write_table(
            book,
            sheet_title="即将转正",
            header=[*person, "预备期满日期"],
            rows=([*_person(row), row.probation_ends] for row in lists.due),
        )
        write_table(
            book,
            sheet_title="逾期事项",
            header=[*person, "事项", "应完成日期"],
            rows=([*_person(row), what, due] for row, what, due in lists.overdue),
        )
        write_table(
            book,
            sheet_title="优先发展统计",
            header=["类别", *(pipeline.STAGE_LABELS[s] for s in pipeline.STAGES), "合计"],
            rows=(
                [pipeline.PREFERENCE_LABELS[p], *(counts[s] for s in pipeline.STAGES), sum(counts.values())]
                for p, counts in lists.preference_counts.items()
            ),
        )

    return write
