"""The gap list (空白点台账) as rows for ``core.export`` (XLSX; formula-safe cells)."""

from __future__ import annotations

from liangxin.core.export import Cell
from liangxin.formation import transitions
from liangxin.formation.selectors import RegisterRow

GAP_TITLE = "空白点台账"
NO_PLAN_LABEL = "无方案"

GAP_HEADER: list[str] = [
    "序号",
    "乡镇(街道)",
    "组织名称",
    "统一社会信用代码",
    "组织类型",
    "行业主管部门",
    "规模以上",
    "从业人员",
    "正式党员",
    "预备党员",
    "建议组建方式",
    "制约因素",
    "方案状态",
    "计划组建时间",
    "责任人",
    "是否逾期",
]


def gap_row_cells(index: int, row: RegisterRow) -> list[Cell]:
    org = row.organization
    facts = row.facts
    plan = row.plan
    return [
        index,
        org.township.name,
        org.name,
        org.uscc or "",
        org.get_org_type_display(),
        org.department.name if org.department_id and org.department else "",
        org.above_designated_size,
        facts.employees if facts else None,
        facts.full_members if facts else None,
        facts.probationary_members if facts else None,
        row.recommendation.label,
        row.blockers,
        transitions.STATUS_LABELS[plan.status] if plan else NO_PLAN_LABEL,
        plan.planned_date if plan else None,
        plan.responsible_person if plan else "",
        row.overdue,
    ]
