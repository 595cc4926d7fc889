"""The submission's state machine and the deadline arithmetic — pure Python, no Django.

A submission moves only along :data:`TRANSITIONS`; each action belongs either to the unit that
fills the submission or to the county that reviews it, and returning or reopening needs a
reason. The unit may withdraw (撤回) what it sent until the county returns or approves it. The
services call :func:`next_state` and turn a :class:`TransitionRefused` into a Chinese message;
the database additionally constrains the state to :data:`STATES`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

NOT_STARTED: Final = "not_started"  # 未开始
IN_PROGRESS: Final = "in_progress"  # 填报中
SUBMITTED: Final = "submitted"  # 已上报
RETURNED: Final = "returned"  # 已退回
APPROVED: Final = "approved"  # 已审核
STATES: Final = (NOT_STARTED, IN_PROGRESS, SUBMITTED, RETURNED, APPROVED)

START: Final = "start"  # first edit or import
SUBMIT: Final = "submit"
RETURN: Final = "return"
EDIT_AGAIN: Final = "edit_again"  # a returned submission is edited again
APPROVE: Final = "approve"
REOPEN: Final = "reopen"
WITHDRAW: Final = "withdraw"  # 撤回: the unit takes back what it sent, before the county decides
ACTIONS: Final = (START, SUBMIT, RETURN, EDIT_AGAIN, APPROVE, REOPEN, WITHDRAW)

TRANSITIONS: Final[dict[tuple[str, str], str]] = {
    (NOT_STARTED, START): IN_PROGRESS,
    (IN_PROGRESS, SUBMIT): SUBMITTED,
    (SUBMITTED, RETURN): RETURNED,
    (SUBMITTED, WITHDRAW): IN_PROGRESS,
    (RETURNED, EDIT_AGAIN): IN_PROGRESS,
    (SUBMITTED, APPROVE): APPROVED,
    (APPROVED, REOPEN): IN_PROGRESS,
}
COUNTY_ACTIONS: Final = frozenset({RETURN, APPROVE, REOPEN})
UNIT_ACTIONS: Final = frozenset({START, SUBMIT, EDIT_AGAIN, WITHDRAW})
REASON_REQUIRED: Final = frozenset({RETURN, REOPEN})
# States in which the unit may change its data (an edit first moves it to IN_PROGRESS).
EDITABLE: Final = frozenset({NOT_STARTED, IN_PROGRESS, RETURNED})
DONE: Final = frozenset({SUBMITTED, APPROVED})  # counted as reported

Refusal = Literal["wrong_state", "county_only", "unit_only", "reason_required"]


class TransitionRefused(Exception):
    def __init__(self, reason: Refusal, state: str, action: str) -> None:
        super().__init__(f"{reason}: {action} from {state}")
        self.reason: Refusal = reason
        self.state = state
        self.action = action


def next_state(state: str, action: str, *, by_county: bool, reason: str = "") -> str:
    """The state ``action`` leads to from ``state``, or :class:`TransitionRefused`."""
    if action in COUNTY_ACTIONS and not by_county:
        raise TransitionRefused("county_only", state, action)
    if action in UNIT_ACTIONS and by_county:
        raise TransitionRefused("unit_only", state, action)
    target = TRANSITIONS.get((state, action))
    if target is None:
        raise TransitionRefused("wrong_state", state, action)
    if action in REASON_REQUIRED and not reason.strip():
        raise TransitionRefused("reason_required", state, action)
    return target


def edit_action(state: str) -> str | None:
    """The transition an edit makes first (None: already being filled in); refused when locked."""
    if state == NOT_STARTED:
        return START
    if state == RETURNED:
        return EDIT_AGAIN
    if state == IN_PROGRESS:
        return None
    raise TransitionRefused("wrong_state", state, "edit")


# --- Deadlines (DHIS2: reporting rate = reported / expected, timeliness = on time / expected) ---

Timeliness = Literal["on_time", "late", "overdue", "pending"]


def timeliness(*, state: str, submitted_on: dt.date | None, deadline: dt.date, today: dt.date) -> Timeliness:
    """on_time / late for a reported submission (by the date of its last report); overdue or
    pending (deadline not yet passed) for one not reported."""
    if state in DONE and submitted_on is not None:
        return "on_time" if submitted_on <= deadline else "late"
    return "overdue" if today > deadline else "pending"


def days_left(deadline: dt.date, today: dt.date) -> int:
    """Days until the deadline (0 on the day itself, negative once it has passed)."""
    return (deadline - today).days


@dataclass(frozen=True)
class Rates:
    expected: int
    reported: int
    on_time: int

    @property
    def reporting_rate(self) -> float:
        return round(100 * self.reported / self.expected, 1) if self.expected else 0.0

    @property
    def timeliness_rate(self) -> float:
        return round(100 * self.on_time / self.expected, 1) if self.expected else 0.0


def rates(items: Iterable[Timeliness]) -> Rates:
    seen = list(items)
    return Rates(
        expected=len(seen),
        reported=sum(1 for t in seen if t in ("on_time", "late")),
        on_time=sum(1 for t in seen if t == "on_time"),
    )
