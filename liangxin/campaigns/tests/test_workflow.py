import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liangxin.campaigns import workflow as wf


def test_the_table_is_the_issues_state_machine():
    assert wf.next_state(wf.NOT_STARTED, wf.START, by_county=False) == wf.IN_PROGRESS
    assert wf.next_state(wf.IN_PROGRESS, wf.SUBMIT, by_county=False) == wf.SUBMITTED
    assert wf.next_state(wf.SUBMITTED, wf.RETURN, by_county=True, reason="缺少党员数") == wf.RETURNED
    assert wf.next_state(wf.RETURNED, wf.EDIT_AGAIN, by_county=False) == wf.IN_PROGRESS
    assert wf.next_state(wf.SUBMITTED, wf.APPROVE, by_county=True) == wf.APPROVED
    assert wf.next_state(wf.APPROVED, wf.REOPEN, by_county=True, reason="数据有误") == wf.IN_PROGRESS


@pytest.mark.parametrize(
    ("state", "action", "by_county", "reason", "why"),
    [
        (wf.NOT_STARTED, wf.SUBMIT, False, "", "wrong_state"),
        (wf.IN_PROGRESS, wf.APPROVE, True, "", "wrong_state"),
        (wf.SUBMITTED, wf.APPROVE, False, "", "county_only"),
        (wf.IN_PROGRESS, wf.SUBMIT, True, "", "unit_only"),
        (wf.SUBMITTED, wf.RETURN, True, "  ", "reason_required"),
        (wf.APPROVED, wf.REOPEN, True, "", "reason_required"),
        (wf.APPROVED, wf.SUBMIT, False, "", "wrong_state"),
    ],
)
def test_wrong_transitions_are_refused(state, action, by_county, reason, why):
    with pytest.raises(wf.TransitionRefused) as info:
        wf.next_state(state, action, by_county=by_county, reason=reason)
    assert info.value.reason == why


def test_editing_starts_or_resumes_and_is_refused_once_reported():
    assert wf.edit_action(wf.NOT_STARTED) == wf.START
    assert wf.edit_action(wf.RETURNED) == wf.EDIT_AGAIN
    assert wf.edit_action(wf.IN_PROGRESS) is None
    for locked in (wf.SUBMITTED, wf.APPROVED):
        with pytest.raises(wf.TransitionRefused):
            wf.edit_action(locked)


steps = st.lists(st.tuples(st.sampled_from(wf.ACTIONS), st.booleans(), st.sampled_from(["", "原因"])), max_size=40)


@given(steps)
def test_random_sequences_follow_the_table(sequence):
    state = wf.NOT_STARTED
    approved_after_submitted = True
    for action, by_county, reason in sequence:
        before = state
        try:
            state = wf.next_state(state, action, by_county=by_county, reason=reason)
        except wf.TransitionRefused:
            assert state == before  # a refusal changes nothing
            continue
        assert wf.TRANSITIONS[(before, action)] == state
        assert (action in wf.COUNTY_ACTIONS) == by_county
        assert action not in wf.REASON_REQUIRED or reason
        if state == wf.APPROVED:
            approved_after_submitted = approved_after_submitted and before == wf.SUBMITTED
        assert state in wf.STATES
    assert approved_after_submitted


@given(st.sampled_from(wf.STATES))
def test_only_approved_and_submitted_are_closed_to_edits(state):
    if state in (wf.SUBMITTED, wf.APPROVED):
        with pytest.raises(wf.TransitionRefused):
            wf.edit_action(state)
    else:
        action = wf.edit_action(state)
        assert action is None or wf.next_state(state, action, by_county=False) == wf.IN_PROGRESS


def test_timeliness_against_the_deadline():
    deadline = dt.date(2026, 11, 30)
    t = wf.timeliness
    assert (
        t(state=wf.SUBMITTED, submitted_on=dt.date(2026, 11, 30), deadline=deadline, today=dt.date(2026, 12, 9))
        == "on_time"
    )
    assert (
        t(state=wf.APPROVED, submitted_on=dt.date(2026, 12, 1), deadline=deadline, today=dt.date(2026, 12, 9)) == "late"
    )
    assert (
        t(state=wf.RETURNED, submitted_on=dt.date(2026, 11, 2), deadline=deadline, today=dt.date(2026, 12, 1))
        == "overdue"
    )
    assert t(state=wf.IN_PROGRESS, submitted_on=None, deadline=deadline, today=deadline) == "pending"
    assert wf.days_left(deadline, dt.date(2026, 11, 20)) == 10
    assert wf.days_left(deadline, dt.date(2026, 12, 3)) == -3


def test_rates_as_dhis2_reports_them():
    rates = wf.rates(["on_time", "late", "overdue", "pending"])
    assert (rates.expected, rates.reported, rates.on_time) == (4, 2, 1)
    assert rates.reporting_rate == 50.0
    assert rates.timeliness_rate == 25.0
    assert wf.rates([]).reporting_rate == 0.0


def test_the_unit_withdraws_what_it_sent_until_the_county_decides():
    assert wf.next_state(wf.SUBMITTED, wf.WITHDRAW, by_county=False) == wf.IN_PROGRESS
    for decided in (wf.RETURNED, wf.APPROVED):
        with pytest.raises(wf.TransitionRefused) as info:
            wf.next_state(decided, wf.WITHDRAW, by_county=False)
        assert info.value.reason == "wrong_state"
    with pytest.raises(wf.TransitionRefused) as info:
        wf.next_state(wf.SUBMITTED, wf.WITHDRAW, by_county=True)
    assert info.value.reason == "unit_only"
