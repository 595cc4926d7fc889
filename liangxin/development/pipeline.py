"""The member development pipeline's order and checks, without Django (docs/member-development.md).

A person passes five stages, 入党申请人 → 入党积极分子 → 发展对象 → 预备党员 → 正式党员; between two
stages the rules require steps (a talk, recommendation, training, a branch meeting...). Entering a
stage, or recording a step, is checked here and nowhere else: the service asks ``entry_problems`` /
``step_problems`` and refuses with the first reason, the person's page shows what is still missing.
Every figure (the minimum age, the year of training, the year of probation...) comes from
``Rules``, which the development policy versions fill.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass


class Stage(enum.StrEnum):
    APPLICANT = "applicant"  # 入党申请人
    ACTIVIST = "activist"  # 入党积极分子
    CANDIDATE = "candidate"  # 发展对象
    PROBATIONARY = "probationary"  # 预备党员
    FULL = "full"  # 正式党员


STAGES: tuple[Stage, ...] = tuple(Stage)
STAGE_LABELS: dict[Stage, str] = {
    Stage.APPLICANT: "入党申请人",
    Stage.ACTIVIST: "入党积极分子",
    Stage.CANDIDATE: "发展对象",
    Stage.PROBATIONARY: "预备党员",
    Stage.FULL: "正式党员",
}


class Step(enum.StrEnum):
    TALK = "talk"  # 党组织派人谈话
    RECOMMENDATION = "recommendation"  # 党员推荐、群团组织推优,支委会研究
    CONTACTS = "contacts"  # 指定两名正式党员作培养联系人
    TRAINING = "training"  # 培养教育考察(集中培训)
    POLITICAL_REVIEW = "political_review"  # 政治审查
    BRANCH_MEETING = "branch_meeting"  # 支部大会讨论接收
    HIGHER_APPROVAL = "higher_approval"  # 上级党委审批
    EXTENSION = "extension"  # 延长预备期


STEP_LABELS: dict[Step, str] = {
    Step.TALK: "谈话",
    Step.RECOMMENDATION: "推荐和确定入党积极分子",
    Step.CONTACTS: "指定培养联系人",
    Step.TRAINING: "培养教育和集中培训",
    Step.POLITICAL_REVIEW: "政治审查",
    Step.BRANCH_MEETING: "支部大会讨论接收",
    Step.HIGHER_APPROVAL: "上级党委审批",
    Step.EXTENSION: "延长预备期",
}


@dataclass(frozen=True)
class StepRule:
    stage: Stage  # the stage the person must have reached (the step's date is not before its date)
    follows: tuple[Step, ...] = ()  # steps that must be done before, on or before its date
    # Done after the next stage's date is allowed: the higher committee approves an admission
    # whose probation already counts from the branch meeting.
    after_entry: bool = False


STEP_RULES: dict[Step, StepRule] = {
    Step.TALK: StepRule(Stage.APPLICANT),
    Step.RECOMMENDATION: StepRule(Stage.APPLICANT, follows=(Step.TALK,)),
    Step.CONTACTS: StepRule(Stage.ACTIVIST),
    Step.TRAINING: StepRule(Stage.ACTIVIST),
    Step.POLITICAL_REVIEW: StepRule(Stage.CANDIDATE),
    Step.BRANCH_MEETING: StepRule(Stage.CANDIDATE, follows=(Step.POLITICAL_REVIEW,)),
    Step.HIGHER_APPROVAL: StepRule(Stage.CANDIDATE, follows=(Step.BRANCH_MEETING,), after_entry=True),
    Step.EXTENSION: StepRule(Stage.PROBATIONARY),
}

# The steps that must be done before a stage is entered.
REQUIRED_BEFORE: dict[Stage, tuple[Step, ...]] = {
    Stage.APPLICANT: (),
    Stage.ACTIVIST: (Step.TALK, Step.RECOMMENDATION),
    Stage.CANDIDATE: (Step.CONTACTS, Step.TRAINING),
    Stage.PROBATIONARY: (Step.POLITICAL_REVIEW, Step.BRANCH_MEETING, Step.HIGHER_APPROVAL),
    Stage.FULL: (),
}


@dataclass(frozen=True)
class Rules:
    """The figures of a development policy version."""

    min_age_years: int = 18
    talk_within_days: int = 30
    activist_min_months: int = 12
    probation_months: int = 12
    max_extensions: int = 1
    min_extension_months: int = 6
    max_extension_months: int = 12
    conversion_window_days: int = 60
    young_max_age: int = 35
    few_members_below: int = 3


@dataclass(frozen=True)
class Record:
    """One person's development so far: the date of each stage reached, the date of each step done
    and the months of the extension of probation (0 without)."""

    stages: Mapping[Stage, dt.date]
    steps: Mapping[Step, dt.date]
    extension_months: int = 0

    @property
    def stage(self) -> Stage | None:
        reached = [s for s in STAGES if s in self.stages]
        return reached[-1] if reached else None


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; the month's last day where it has no such day (29 February)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def next_stage(stage: Stage | None) -> Stage | None:
    if stage is None:
        return Stage.APPLICANT
    index = STAGES.index(stage)
    return STAGES[index + 1] if index + 1 < len(STAGES) else None


def probation_ends(record: Record, rules: Rules) -> dt.date | None:
    """The day a probationary member may be converted at the earliest: a year after the probation
    began (the branch meeting that admitted him), plus the extension."""
    start = record.stages.get(Stage.PROBATIONARY)
    if start is None:
        return None
    return add_months(start, rules.probation_months + record.extension_months)


def talk_due(record: Record, rules: Rules) -> dt.date | None:
    applied = record.stages.get(Stage.APPLICANT)
    return None if applied is None else applied + dt.timedelta(days=rules.talk_within_days)


def missing_steps(record: Record, stage: Stage) -> list[Step]:
    return [step for step in REQUIRED_BEFORE[stage] if step not in record.steps]


def entry_problems(record: Record, stage: Stage, on: dt.date, *, birth: dt.date, rules: Rules) -> list[str]:
    """Why the person may not enter ``stage`` on ``on`` (empty: he may)."""
    expected = next_stage(record.stage)
    if stage != expected:
        if expected is None:
            return ["已是正式党员,发展程序已经完成。"]
        return [f"下一阶段应为“{STAGE_LABELS[expected]}”,不能直接进入“{STAGE_LABELS[stage]}”。"]
    problems: list[str] = []
    if stage is Stage.APPLICANT:
        if age_on(birth, on) < rules.min_age_years:
            problems.append(f"递交入党申请时须年满{rules.min_age_years}岁(当日{age_on(birth, on)}岁)。")
        return problems
    previous = STAGES[STAGES.index(stage) - 1]
    since = record.stages[previous]
    if on < since:
        problems.append(f"日期早于成为“{STAGE_LABELS[previous]}”的日期({since.isoformat()})。")
    for step in missing_steps(record, stage):
        problems.append(f"尚未完成“{STEP_LABELS[step]}”。")
    for step in REQUIRED_BEFORE[stage]:
        done = record.steps.get(step)
        if done is not None and done > on and not STEP_RULES[step].after_entry:
            problems.append(f"“{STEP_LABELS[step]}”({done.isoformat()})晚于该日期。")
    if stage is Stage.CANDIDATE:
        earliest = add_months(since, rules.activist_min_months)
        if on < earliest:
            problems.append(
                f"入党积极分子须经{rules.activist_min_months}个月以上培养教育才能列为发展对象(最早{earliest.isoformat()})。"
            )
    if stage is Stage.PROBATIONARY:
        meeting = record.steps.get(Step.BRANCH_MEETING)
        if meeting is not None and on != meeting:
            problems.append(f"预备期自支部大会通过之日起计算,日期应为{meeting.isoformat()}。")
    if stage is Stage.FULL:
        ends = probation_ends(record, rules)
        if ends is not None and on < ends:
            problems.append(f"预备期未满(最早{ends.isoformat()}可以转正)。")
    return problems


def step_problems(record: Record, step: Step, on: dt.date, *, rules: Rules, months: int = 0) -> list[str]:
    """Why ``step`` may not be recorded as done on ``on`` (empty: it may)."""
    rule = STEP_RULES[step]
    reached = record.stages.get(rule.stage)
    label = STEP_LABELS[step]
    if step is Step.EXTENSION and step in record.steps:
        return ["预备期只能延长一次。"]
    if step in record.steps:
        return [f"“{label}”已经记录({record.steps[step].isoformat()})。"]
    current = record.stage
    if reached is None or current is None or STAGES.index(current) < STAGES.index(rule.stage):
        return [f"“{label}”须在成为“{STAGE_LABELS[rule.stage]}”之后进行。"]
    problems: list[str] = []
    if on < reached:
        problems.append(f"日期早于成为“{STAGE_LABELS[rule.stage]}”的日期({reached.isoformat()})。")
    later = next_stage(rule.stage)
    if later is not None and later in record.stages and not rule.after_entry:
        problems.append(f"已进入“{STAGE_LABELS[later]}”阶段,不能再补记“{label}”。")
    for earlier in rule.follows:
        done = record.steps.get(earlier)
        if done is None:
            problems.append(f"须先完成“{STEP_LABELS[earlier]}”。")
        elif on < done:
            problems.append(f"日期早于“{STEP_LABELS[earlier]}”({done.isoformat()})。")
    if step is Step.EXTENSION:
        if rules.max_extensions < 1:
            problems.append("现行规则不允许延长预备期。")
        if Stage.FULL in record.stages:
            problems.append("已经转正,不能延长预备期。")
        if not rules.min_extension_months <= months <= rules.max_extension_months:
            problems.append(f"预备期延长{rules.min_extension_months}至{rules.max_extension_months}个月。")
        ends = probation_ends(record, rules)
        if ends is not None and on > ends:
            problems.append(f"预备期已于{ends.isoformat()}届满,应在届满前决定延长。")
    elif months:
        problems.append("只有延长预备期需要填写月数。")
    return problems


def overdue(record: Record, on: dt.date, rules: Rules) -> list[tuple[str, dt.date]]:
    """The steps behind their time on ``on``: (what, the day it was due)."""
    late: list[tuple[str, dt.date]] = []
    stage = record.stage
    due = talk_due(record, rules)
    if stage is Stage.APPLICANT and Step.TALK not in record.steps and due is not None and due < on:
        late.append(("谈话逾期(应在递交申请后一个月内)", due))
    ends = probation_ends(record, rules)
    if stage is Stage.PROBATIONARY and ends is not None and ends < on:
        late.append(("预备期已满,尚未讨论转正", ends))
    return late


class Preference(enum.StrEnum):
    """Where the speech asks development to look first."""

    NO_MEMBERS = "no_members"  # in an organization with no member
    FEW_MEMBERS = "few_members"  # in an organization with few members
    MANAGER = "manager"
    KEY_STAFF = "key_staff"
    FRONT_LINE = "front_line"
    YOUNG = "young"
    OWNER = "owner"


PREFERENCE_LABELS: dict[Preference, str] = {
    Preference.NO_MEMBERS: "没有党员的两新组织",
    Preference.FEW_MEMBERS: "党员较少的两新组织",
    Preference.MANAGER: "经营管理人员",
    Preference.KEY_STAFF: "业务骨干",
    Preference.FRONT_LINE: "生产一线职工",
    Preference.YOUNG: "青年职工",
    Preference.OWNER: "业主",
}

_ROLE_PREFERENCE = {
    "manager": Preference.MANAGER,
    "key_staff": Preference.KEY_STAFF,
    "front_line": Preference.FRONT_LINE,
    "owner": Preference.OWNER,
}


def preferences(*, work_role: str, age: int, members_at_work: int | None, rules: Rules) -> set[Preference]:
    """The preference categories a person counts in, from what he does, his age when he applied
    and how many members his organization had then (None: he names no organization)."""
    found: set[Preference] = set()
    if work_role in _ROLE_PREFERENCE:
        found.add(_ROLE_PREFERENCE[work_role])
    if age <= rules.young_max_age:
        found.add(Preference.YOUNG)
    if members_at_work is not None:
        if members_at_work == 0:
            found.add(Preference.NO_MEMBERS)
        elif members_at_work < rules.few_members_below:
            found.add(Preference.FEW_MEMBERS)
    return found
