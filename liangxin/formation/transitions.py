"""The formation plan's state machine as a table. Pure Python: no Django, so it can be read and
tested on its own; ``choices.PlanStatus`` holds the same codes (a test keeps them equal).

计划 → 筹建中 → 已组建; 计划/筹建中 → 暂缓 (with a reason); 暂缓 → 计划 (resume); any open plan →
已撤销 when its organization is deregistered (a system transition, not offered on the page); any open
plan → 已组建 when a joint party organization formed elsewhere (a partner's plan, the joint planner)
covers its organization (system transition ``join``). A cancellation an import caused is undone by
the import's revert (``reopen``): the plan goes back to the open status it had, which is why that one
is a function (:func:`reopened_status`) rather than a row of the table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Final

PLANNED: Final = "planned"
PREPARING: Final = "preparing"
FORMED: Final = "formed"
SUSPENDED: Final = "suspended"
CANCELLED: Final = "cancelled"

STATUS_LABELS: Final[Mapping[str, str]] = {
    PLANNED: "计划",
    PREPARING: "筹建中",
    FORMED: "已组建",
    SUSPENDED: "暂缓",
    CANCELLED: "已撤销",
}
# At most one plan of an organization is open (a database constraint says the same).
OPEN_STATUSES: Final = frozenset({PLANNED, PREPARING, SUSPENDED})
# A plan still "on the timetable": the planned date can be missed.
ACTIVE_STATUSES: Final = frozenset({PLANNED, PREPARING})

START: Final = "start"  # 计划 → 筹建中
FORM: Final = "form"  # 筹建中 → 已组建
SUSPEND: Final = "suspend"  # 计划/筹建中 → 暂缓
RESUME: Final = "resume"  # 暂缓 → 计划
CANCEL: Final = "cancel"  # open → 已撤销 (organization deregistered)
JOIN: Final = "join"  # open → 已组建 (covered by a joint party organization formed for another plan or the planner)
REOPEN: Final = "reopen"  # 已撤销 → the open status before (the revert of the import that deregistered it)
WITHDRAW: Final = "withdraw"  # open → 已撤销 by a person, with a reason (the plan is no longer pursued)

ACTION_LABELS: Final[Mapping[str, str]] = {
    START: "开始筹建",
    FORM: "完成组建",
    SUSPEND: "暂缓组建",
    RESUME: "恢复计划",
    CANCEL: "撤销方案(组织已注销)",
    JOIN: "纳入联合组建的党组织",
    REOPEN: "恢复方案(撤销导入)",
    WITHDRAW: "撤销方案",
}

# (from status, action) → to status. Anything not here is refused.
TRANSITIONS: Final[Mapping[tuple[str, str], str]] = {
    (PLANNED, START): PREPARING,
    (PREPARING, FORM): FORMED,
    (PLANNED, SUSPEND): SUSPENDED,
    (PREPARING, SUSPEND): SUSPENDED,
    (SUSPENDED, RESUME): PLANNED,
    (PLANNED, CANCEL): CANCELLED,
    (PREPARING, CANCEL): CANCELLED,
    (SUSPENDED, CANCEL): CANCELLED,
    (PLANNED, WITHDRAW): CANCELLED,
    (PREPARING, WITHDRAW): CANCELLED,
    (SUSPENDED, WITHDRAW): CANCELLED,
    (PLANNED, JOIN): FORMED,
    (PREPARING, JOIN): FORMED,
    (SUSPENDED, JOIN): FORMED,
}

# Actions a person may take on the page (cancel is the system's, on deregistration; join is the
# system's when a joint party organization covers the plan's organization).
USER_ACTIONS: Final = (START, FORM, SUSPEND, RESUME, WITHDRAW)


class TransitionRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def next_status(status: str, action: str) -> str:
    """The status ``action`` leads to from ``status``; refuses, in Chinese, what the table lacks."""
    if action not in ACTION_LABELS:
        raise TransitionRefused(f"未知的操作“{action}”。")
    target = TRANSITIONS.get((status, action))
    if target is None:
        current = STATUS_LABELS.get(status, status)
        allowed = [ACTION_LABELS[a] for (s, a) in TRANSITIONS if s == status and a in USER_ACTIONS]
        hint = f"当前可进行的操作:{'、'.join(allowed)}。" if allowed else "该方案已结束,不能再变更。"
        raise TransitionRefused(f"方案当前状态为“{current}”,不能{ACTION_LABELS[action]}。{hint}")
    return target


def reopened_status(previous: str) -> str:
    """The status a plan cancelled by an import returns to when the import is reverted: the open
    status it had (anything else was never cancelled by a deregistration)."""
    if previous not in OPEN_STATUSES:
        raise TransitionRefused(f"方案原状态“{STATUS_LABELS.get(previous, previous)}”不是进行中的状态,不能恢复。")
    return previous


def allowed_actions(status: str) -> list[str]:
    """The user actions open from ``status``, in the table's order."""
    return [a for a in USER_ACTIONS if (status, a) in TRANSITIONS]


def is_overdue(*, status: str, planned_date: dt.date | None, today: dt.date) -> bool:
    """Overdue: the planned formation date (组建时间表) has passed and the plan is still on the
    timetable (计划 or 筹建中). A suspended plan has no running timetable; a formed one is done."""
    return status in ACTIVE_STATUSES and planned_date is not None and planned_date < today


# Open statuses in the order a page lists them.
OPEN_STATUSES_ORDER: Final = (PLANNED, PREPARING, SUSPENDED)
