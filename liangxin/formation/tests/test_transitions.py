"""The plan's state machine as a pure table."""

import datetime as dt

import pytest

from liangxin.formation import transitions as t
from liangxin.formation.choices import PlanStatus


def test_choices_and_table_agree():
    assert set(PlanStatus.values) == set(t.STATUS_LABELS)
    assert {str(PlanStatus(s).label) for s in PlanStatus.values} == set(t.STATUS_LABELS.values())
    assert set(t.OPEN_STATUSES_ORDER) == t.OPEN_STATUSES


@pytest.mark.parametrize(
    ("status", "action", "target"),
    [
        (t.PLANNED, t.START, t.PREPARING),
        (t.PREPARING, t.FORM, t.FORMED),
        (t.PLANNED, t.SUSPEND, t.SUSPENDED),
        (t.PREPARING, t.SUSPEND, t.SUSPENDED),
        (t.SUSPENDED, t.RESUME, t.PLANNED),
        (t.PLANNED, t.CANCEL, t.CANCELLED),
        (t.PREPARING, t.CANCEL, t.CANCELLED),
        (t.SUSPENDED, t.CANCEL, t.CANCELLED),
    ],
)
def test_allowed_transitions(status, action, target):
    assert t.next_status(status, action) == target


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (t.PLANNED, t.FORM),  # must be 筹建中 first
        (t.PLANNED, t.RESUME),
        (t.PREPARING, t.START),
        (t.SUSPENDED, t.FORM),
        (t.SUSPENDED, t.START),
        (t.SUSPENDED, t.SUSPEND),
        (t.FORMED, t.SUSPEND),
        (t.FORMED, t.CANCEL),
        (t.CANCELLED, t.RESUME),
    ],
)
def test_wrong_transitions_are_refused(status, action):
    with pytest.raises(t.TransitionRefused):
        t.next_status(status, action)


def test_refusal_messages_are_chinese_and_helpful():
    with pytest.raises(t.TransitionRefused) as exc:
        t.next_status(t.PLANNED, t.FORM)
    assert exc.value.message == "方案当前状态为“计划”,不能完成组建。当前可进行的操作:开始筹建、暂缓组建、撤销方案。"
    with pytest.raises(t.TransitionRefused) as exc:
        t.next_status(t.FORMED, t.RESUME)
    assert exc.value.message == "方案当前状态为“已组建”,不能恢复计划。该方案已结束,不能再变更。"
    with pytest.raises(t.TransitionRefused, match="未知的操作"):
        t.next_status(t.PLANNED, "explode")


def test_every_status_is_reachable_and_terminal_states_are_final():
    reachable = {t.PLANNED} | set(t.TRANSITIONS.values())
    assert reachable == set(t.STATUS_LABELS)
    assert t.allowed_actions(t.FORMED) == [] and t.allowed_actions(t.CANCELLED) == []
    assert t.allowed_actions(t.PLANNED) == [t.START, t.SUSPEND, t.WITHDRAW]


def test_overdue():
    today = dt.date(2026, 10, 1)
    assert t.is_overdue(status=t.PLANNED, planned_date=dt.date(2026, 9, 30), today=today)
    assert t.is_overdue(status=t.PREPARING, planned_date=dt.date(2026, 9, 30), today=today)
    assert not t.is_overdue(status=t.PLANNED, planned_date=dt.date(2026, 10, 1), today=today)  # due today
    assert not t.is_overdue(status=t.SUSPENDED, planned_date=dt.date(2026, 9, 30), today=today)
    assert not t.is_overdue(status=t.FORMED, planned_date=dt.date(2026, 9, 30), today=today)
    assert not t.is_overdue(status=t.PLANNED, planned_date=None, today=today)  # not-ready plan
