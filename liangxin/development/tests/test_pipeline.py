"""The pure rules of the development pipeline: the order of stages and steps and their refusals."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from liangxin.development.pipeline import (
    Preference,
    Record,
    Rules,
    Stage,
    Step,
    add_months,
    age_on,
    entry_problems,
    overdue,
    preferences,
    probation_ends,
    step_problems,
)

RULES = Rules()
BIRTH = dt.date(1995, 5, 20)
D = dt.date


def record(stages=None, steps=None, extension=0):
    return Record(stages=stages or {}, steps=steps or {}, extension_months=extension)


APPLIED = {Stage.APPLICANT: D(2023, 1, 10)}
ACTIVIST = APPLIED | {Stage.ACTIVIST: D(2023, 3, 1)}
CANDIDATE = ACTIVIST | {Stage.CANDIDATE: D(2024, 3, 5)}
PROBATION = CANDIDATE | {Stage.PROBATIONARY: D(2024, 7, 1)}
EARLY_STEPS = {Step.TALK: D(2023, 1, 20), Step.RECOMMENDATION: D(2023, 2, 20)}
ACTIVIST_STEPS = EARLY_STEPS | {Step.CONTACTS: D(2023, 3, 2), Step.TRAINING: D(2023, 6, 1)}
CANDIDATE_STEPS = ACTIVIST_STEPS | {
    Step.POLITICAL_REVIEW: D(2024, 5, 1),
    Step.BRANCH_MEETING: D(2024, 7, 1),
    Step.HIGHER_APPROVAL: D(2024, 7, 20),
}


def test_an_applicant_is_at_least_eighteen():
    young = D(2008, 6, 1)
    assert entry_problems(record(), Stage.APPLICANT, D(2026, 5, 31), birth=young, rules=RULES) == [
        "递交入党申请时须年满18岁(当日17岁)。"
    ]
    assert entry_problems(record(), Stage.APPLICANT, D(2026, 6, 1), birth=young, rules=RULES) == []


def test_a_stage_is_entered_only_after_the_one_before():
    problems = entry_problems(record(APPLIED), Stage.CANDIDATE, D(2024, 5, 1), birth=BIRTH, rules=RULES)
    assert problems == ["下一阶段应为“入党积极分子”,不能直接进入“发展对象”。"]
    assert entry_problems(
        record(PROBATION | {Stage.FULL: D(2025, 7, 2)}), Stage.FULL, D(2025, 8, 1), birth=BIRTH, rules=RULES
    )


def test_activist_needs_the_talk_and_the_recommendation_done_by_then():
    problems = entry_problems(record(APPLIED), Stage.ACTIVIST, D(2023, 3, 1), birth=BIRTH, rules=RULES)
    assert problems == ["尚未完成“谈话”。", "尚未完成“推荐和确定入党积极分子”。"]
    steps = {Step.TALK: D(2023, 1, 20), Step.RECOMMENDATION: D(2023, 3, 5)}
    problems = entry_problems(record(APPLIED, steps), Stage.ACTIVIST, D(2023, 3, 1), birth=BIRTH, rules=RULES)
    assert problems == ["“推荐和确定入党积极分子”(2023-03-05)晚于该日期。"]
    assert entry_problems(record(APPLIED, EARLY_STEPS), Stage.ACTIVIST, D(2023, 3, 1), birth=BIRTH, rules=RULES) == []


def test_a_stage_date_before_the_previous_stage_is_refused():
    problems = entry_problems(record(APPLIED, EARLY_STEPS), Stage.ACTIVIST, D(2023, 1, 9), birth=BIRTH, rules=RULES)
    assert "日期早于成为“入党申请人”的日期(2023-01-10)。" in problems


def test_an_activist_is_trained_a_year_before_becoming_a_candidate():
    r = record(ACTIVIST, ACTIVIST_STEPS)
    assert entry_problems(r, Stage.CANDIDATE, D(2024, 2, 29), birth=BIRTH, rules=RULES) == [
        "入党积极分子须经12个月以上培养教育才能列为发展对象(最早2024-03-01)。"
    ]
    assert entry_problems(r, Stage.CANDIDATE, D(2024, 3, 1), birth=BIRTH, rules=RULES) == []
    # the figure is the rules' own
    assert entry_problems(r, Stage.CANDIDATE, D(2024, 2, 29), birth=BIRTH, rules=Rules(activist_min_months=6)) == []


def test_a_candidate_needs_contacts_and_training():
    r = record(ACTIVIST, EARLY_STEPS | {Step.CONTACTS: D(2023, 3, 2)})
    assert entry_problems(r, Stage.CANDIDATE, D(2024, 3, 5), birth=BIRTH, rules=RULES) == [
        "尚未完成“培养教育和集中培训”。"
    ]


def test_probation_counts_from_the_branch_meeting_and_approval_may_follow():
    r = record(CANDIDATE, CANDIDATE_STEPS)
    assert entry_problems(r, Stage.PROBATIONARY, D(2024, 7, 1), birth=BIRTH, rules=RULES) == []
    assert entry_problems(r, Stage.PROBATIONARY, D(2024, 7, 20), birth=BIRTH, rules=RULES) == [
        "预备期自支部大会通过之日起计算,日期应为2024-07-01。"
    ]
    without_approval = {k: v for k, v in CANDIDATE_STEPS.items() if k is not Step.HIGHER_APPROVAL}
    assert entry_problems(
        record(CANDIDATE, without_approval), Stage.PROBATIONARY, D(2024, 7, 1), birth=BIRTH, rules=RULES
    ) == ["尚未完成“上级党委审批”。"]


def test_probation_lasts_a_year_and_an_extension_adds_to_it():
    r = record(PROBATION, CANDIDATE_STEPS)
    assert probation_ends(r, RULES) == D(2025, 7, 1)
    assert entry_problems(r, Stage.FULL, D(2025, 6, 30), birth=BIRTH, rules=RULES) == [
        "预备期未满(最早2025-07-01可以转正)。"
    ]
    assert entry_problems(r, Stage.FULL, D(2025, 7, 1), birth=BIRTH, rules=RULES) == []
    extended = record(PROBATION, CANDIDATE_STEPS | {Step.EXTENSION: D(2025, 6, 1)}, extension=6)
    assert probation_ends(extended, RULES) == D(2026, 1, 1)
    assert entry_problems(extended, Stage.FULL, D(2025, 12, 31), birth=BIRTH, rules=RULES)


def test_the_probation_is_extended_once_by_up_to_a_year_before_it_ends():
    r = record(PROBATION, CANDIDATE_STEPS)
    assert step_problems(r, Step.EXTENSION, D(2025, 6, 1), rules=RULES, months=13) == ["预备期延长6至12个月。"]
    assert step_problems(r, Step.EXTENSION, D(2025, 6, 1), rules=RULES, months=5) == ["预备期延长6至12个月。"]
    assert step_problems(r, Step.EXTENSION, D(2025, 7, 2), rules=RULES, months=6) == [
        "预备期已于2025-07-01届满,应在届满前决定延长。"
    ]
    assert step_problems(r, Step.EXTENSION, D(2025, 6, 1), rules=RULES, months=12) == []
    twice = record(PROBATION, CANDIDATE_STEPS | {Step.EXTENSION: D(2025, 6, 1)}, extension=6)
    assert step_problems(twice, Step.EXTENSION, D(2025, 12, 1), rules=RULES, months=6) == ["预备期只能延长一次。"]


def test_steps_keep_their_order():
    assert step_problems(record(APPLIED), Step.RECOMMENDATION, D(2023, 2, 1), rules=RULES) == ["须先完成“谈话”。"]
    assert step_problems(record(APPLIED), Step.TALK, D(2023, 1, 9), rules=RULES) == [
        "日期早于成为“入党申请人”的日期(2023-01-10)。"
    ]
    assert step_problems(record(APPLIED), Step.TRAINING, D(2023, 2, 1), rules=RULES) == [
        "“培养教育和集中培训”须在成为“入党积极分子”之后进行。"
    ]
    assert step_problems(record(ACTIVIST, EARLY_STEPS), Step.TALK, D(2023, 3, 2), rules=RULES) == [
        "“谈话”已经记录(2023-01-20)。"
    ]
    branch = {Step.POLITICAL_REVIEW: D(2024, 5, 1)}
    assert step_problems(
        record(CANDIDATE, ACTIVIST_STEPS | branch), Step.BRANCH_MEETING, D(2024, 4, 30), rules=RULES
    ) == ["日期早于“政治审查”(2024-05-01)。"]
    # a step of an earlier stage cannot be added once the next stage is entered
    assert step_problems(
        record(CANDIDATE, EARLY_STEPS | {Step.CONTACTS: D(2023, 3, 2)}), Step.TRAINING, D(2023, 6, 1), rules=RULES
    ) == ["已进入“发展对象”阶段,不能再补记“培养教育和集中培训”。"]


def test_overdue_talk_and_conversion():
    applied = record(APPLIED)
    assert overdue(applied, D(2023, 2, 9), RULES) == []
    assert overdue(applied, D(2023, 2, 10), RULES) == [("谈话逾期(应在递交申请后一个月内)", D(2023, 2, 9))]
    assert overdue(record(APPLIED, {Step.TALK: D(2023, 3, 1)}), D(2023, 4, 1), RULES) == []
    on_probation = record(PROBATION, CANDIDATE_STEPS)
    assert overdue(on_probation, D(2025, 7, 1), RULES) == []
    assert overdue(on_probation, D(2025, 7, 2), RULES) == [("预备期已满,尚未讨论转正", D(2025, 7, 1))]


def test_preferences():
    assert preferences(work_role="manager", age=30, members_at_work=0, rules=RULES) == {
        Preference.MANAGER,
        Preference.YOUNG,
        Preference.NO_MEMBERS,
    }
    assert preferences(work_role="front_line", age=36, members_at_work=2, rules=RULES) == {
        Preference.FRONT_LINE,
        Preference.FEW_MEMBERS,
    }
    assert preferences(work_role="other", age=35, members_at_work=3, rules=RULES) == {Preference.YOUNG}
    assert preferences(work_role="key_staff", age=50, members_at_work=None, rules=RULES) == {Preference.KEY_STAFF}


@given(st.dates(min_value=D(1950, 1, 1), max_value=D(2090, 12, 31)), st.integers(min_value=0, max_value=36))
def test_add_months_agrees_with_age_on(day, months):
    """``months`` months later is the first day counted ``months // 12`` years after, never earlier."""
    later = add_months(day, months)
    assert later >= day
    assert (later.year - day.year) * 12 + later.month - day.month == months
    assert age_on(day, later) == months // 12 or (day.month, day.day) == (2, 29)
