"""Member development in the demo county (docs/member-development.md), through
``development.services`` like the rest of the history.

- New people, who are not members: applicants of 2026 (some still waiting for their talk past the
  month), activists of 2025 and development candidates of 2026, developed by the county's party
  organizations among the organizations they cover.
- Members already in the register whose paper files the township clerks entered in spring 2026:
  some probationary members (one with his probation extended) and some full members, every date
  agreeing with the register — so no member is added or changed and the county's 668 stay.
- The three recommendations, with their results.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from stdnum.cn import ric

from liangxin.core import crypto
from liangxin.development import services as development
from liangxin.development.models import DevelopmentFile
from liangxin.development.pipeline import Stage, Step
from liangxin.registry.choices import MemberStatus
from liangxin.registry.models import Employment, Member, Organization, PartyRelation

from .words import FEMALE, MALE, SURNAMES

if TYPE_CHECKING:
    from .load import _Writer

ORDER = 8  # after the day's other events
LAST_DAY = dt.date(2026, 11, 25)
ENTERED_FROM = dt.date(2026, 3, 2)  # the clerks enter the members' paper files from then on
# How many of each: new applicants, activists, candidates; members' files, probationary and full.
APPLICANTS, ACTIVISTS, CANDIDATES, PROBATIONARY, FULL = 14, 10, 6, 6, 6
# Admitted between these days, a probation extended by six months ends in December 2026 or January 2027.
EXTENDED_FROM, EXTENDED_TO = dt.date(2025, 6, 5), dt.date(2025, 7, 20)
WORK_ROLES = (["front_line"] * 5) + (["key_staff"] * 3) + (["manager"] * 2) + ["owner", "other", "other"]


def schedule(writer: _Writer) -> None:
    """Put the development events in the writer's calendar."""
    _Demo(writer).schedule()


class _Demo:
    def __init__(self, writer: _Writer) -> None:
        self.w = writer
        self.rng = random.Random(f"{writer.plan.seed}-development")
        self.files: list[DevelopmentFile] = []

    def at(self, day: dt.date, action: Callable[[], Any]) -> None:
        self.w.at(day, ORDER, action)

    def day(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randint(0, max(0, (end - start).days)))

    def schedule(self) -> None:
        self._new_people()
        self._members_files()
        self.at(LAST_DAY, self._recommendations)

    # -- new people --

    def _new_people(self) -> None:
        plan = self.w.plan
        active = [
            k
            for k, po in enumerate(plan.party_organizations)
            if po.dissolved_on is None and po.founded_on <= dt.date(2023, 12, 31)
        ]
        targets = [Stage.APPLICANT] * APPLICANTS + [Stage.ACTIVIST] * ACTIVISTS + [Stage.CANDIDATE] * CANDIDATES
        for n, target in enumerate(targets):
            k = self.rng.choice(active)
            org = self.rng.choice(plan.party_organizations[k].organizations)
            if target is Stage.APPLICANT:
                applied = self.day(dt.date(2026, 6, 1), dt.date(2026, 11, 10))
            elif target is Stage.ACTIVIST:
                applied = self.day(dt.date(2025, 1, 6), dt.date(2025, 10, 31))
            else:
                applied = self.day(dt.date(2024, 1, 8), dt.date(2024, 9, 30))
            steps = self._steps(applied, target, talk=n % 3 != 2)
            last = max([applied, *(on for _what, on in steps)])
            role = self.rng.choice(WORK_ROLES)
            birth = dt.date(applied.year - self.rng.randint(19, 45), self.rng.randint(1, 12), self.rng.randint(1, 28))
            name, sex = self._person()
            self.at(last, functools.partial(self._develop, k, org, applied, steps, role, birth, name, sex))

    def _steps(self, applied: dt.date, target: Stage, *, talk: bool) -> list[tuple[Step | Stage, dt.date]]:
        rng = self.rng
        steps: list[tuple[Step | Stage, dt.date]] = []
        if target is Stage.APPLICANT:
            on = applied + dt.timedelta(days=rng.randint(7, 25))
            if talk and on <= LAST_DAY:
                steps.append((Step.TALK, on))
            return steps
        talked = applied + dt.timedelta(days=rng.randint(7, 25))
        recommended = talked + dt.timedelta(days=rng.randint(20, 60))
        activist = recommended + dt.timedelta(days=rng.randint(1, 10))
        steps += [(Step.TALK, talked), (Step.RECOMMENDATION, recommended), (Stage.ACTIVIST, activist)]
        steps.append((Step.CONTACTS, activist + dt.timedelta(days=rng.randint(1, 10))))
        trained = activist + dt.timedelta(days=rng.randint(60, 200))
        if target is Stage.CANDIDATE or trained <= LAST_DAY - dt.timedelta(days=60):
            steps.append((Step.TRAINING, trained))
        if target is Stage.CANDIDATE:
            candidate = max(activist + dt.timedelta(days=rng.randint(370, 450)), trained + dt.timedelta(days=1))
            steps.append((Stage.CANDIDATE, candidate))
            review = candidate + dt.timedelta(days=rng.randint(20, 60))
            if review <= LAST_DAY:
                steps.append((Step.POLITICAL_REVIEW, review))
        return [(what, on) for what, on in steps if on <= LAST_DAY]

    def _person(self) -> tuple[str, str]:
        sex = "M" if self.rng.random() < 0.6 else "F"
        pool = MALE if sex == "M" else FEMALE
        given = self.rng.choice(pool) + (self.rng.choice(pool) if self.rng.random() < 0.7 else "")
        return self.rng.choice(SURNAMES[:40]) + given, sex

    def _id_number(self, birth: dt.date, sex: str) -> str:
        region = "530324" if birth.year >= 1997 else "532226"
        while True:
            sequence = self.rng.randrange(500, 1000)
            if (sequence % 2 == 1) != (sex == "M"):
                sequence = sequence + 1 if sequence < 999 else sequence - 1
            body = f"{region}{birth:%Y%m%d}{sequence:03d}"
            number = body + ric.calc_check_digit(body + "0")
            digest = crypto.keyed_hash(number)
            taken = (
                Member.objects.filter(id_number_hash=digest).exists()
                or DevelopmentFile.objects.filter(id_number_hash=digest).exists()
            )
            if not taken:
                return number

    def _develop(
        self,
        k: int,
        org: int,
        applied: dt.date,
        steps: list[tuple[Step | Stage, dt.date]],
        role: str,
        birth: dt.date,
        name: str,
        sex: str,
    ) -> None:
        party_org = self.w.party_orgs[k]
        clerk = self.w.clerks[party_org.township.code]
        organization = self.w.organizations.get(org)
        file = development.open_application(
            by=clerk,
            data=development.ApplicationData(
                name=name,
                id_number=self._id_number(birth, sex),
                party_organization=party_org,
                organization=organization,
                work_role=role,
                applied_on=applied,
            ),
        )
        self._walk(clerk, file, steps)
        self.files.append(file)

    def _walk(self, by: Any, file: DevelopmentFile, steps: list[tuple[Step | Stage, dt.date]]) -> DevelopmentFile:
        for what, on in steps:  # in the rules' order (the approval follows the branch meeting's stage)
            if isinstance(what, Step):
                months = 6 if what is Step.EXTENSION else 0  # half a year, the least the rules allow
                development.record_step(by=by, file=file, step=what, on=on, months=months, note=_NOTES[what])
            else:
                file = development.enter_stage(by=by, file=file, stage=what, on=on)
        return file

    # -- members' paper files --

    def _members_files(self) -> None:
        plan = self.w.plan
        usable = [
            n
            for n, m in enumerate(plan.members)
            if m.relation is not None and plan.party_organizations[m.relation].dissolved_on is None
        ]
        on_probation = sorted(
            (n for n in usable if plan.members[n].status == MemberStatus.PROBATIONARY),
            key=lambda n: plan.members[n].admitted_on,
        )
        # The first one's probation is extended by half a year, so that it ends in the weeks
        # after the demo's December 2026: the list of conversions due has him.
        extended = [n for n in on_probation if EXTENDED_FROM <= plan.members[n].admitted_on <= EXTENDED_TO][:1]
        probationary = extended + [n for n in on_probation if n not in extended][-(PROBATIONARY - len(extended)) :]
        full = [
            n
            for n in usable
            if plan.members[n].status == MemberStatus.FULL
            and plan.members[n].admitted_on.year >= 2016
            # old enough to have applied three years before (the number carries the birth date)
            and plan.members[n].admitted_on.year - int(plan.members[n].id_number[6:10]) >= 22
        ]
        chosen = probationary + self.rng.sample(full, min(FULL, len(full)))
        for j, n in enumerate(chosen):
            m = plan.members[n]
            steps = self._history(m.admitted_on, m.full_membership_on, extend=j == 0)
            applied = steps.pop(0)[1]
            last = max(on for _what, on in steps)
            day = max(last, ENTERED_FROM + dt.timedelta(days=3 * j))
            role = self.rng.choice(WORK_ROLES)
            self.at(day, functools.partial(self._member_file, n, applied, steps, role))

    def _history(
        self, admitted: dt.date, full_on: dt.date | None, *, extend: bool
    ) -> list[tuple[Step | Stage, dt.date]]:
        rng = self.rng
        applied = admitted - dt.timedelta(days=rng.randint(800, 1000))
        talked = applied + dt.timedelta(days=rng.randint(7, 25))
        recommended = talked + dt.timedelta(days=rng.randint(20, 60))
        activist = recommended + dt.timedelta(days=rng.randint(1, 10))
        candidate = activist + dt.timedelta(days=rng.randint(370, 420))
        steps: list[tuple[Step | Stage, dt.date]] = [
            (Stage.APPLICANT, applied),
            (Step.TALK, talked),
            (Step.RECOMMENDATION, recommended),
            (Stage.ACTIVIST, activist),
            (Step.CONTACTS, activist + dt.timedelta(days=rng.randint(1, 10))),
            (Step.TRAINING, activist + dt.timedelta(days=rng.randint(60, 200))),
            (Stage.CANDIDATE, candidate),
            (Step.POLITICAL_REVIEW, candidate + dt.timedelta(days=rng.randint(20, 60))),
            (Step.BRANCH_MEETING, admitted),
            (Step.HIGHER_APPROVAL, admitted + dt.timedelta(days=rng.randint(10, 25))),
            (Stage.PROBATIONARY, admitted),
        ]
        if extend:
            steps.append((Step.EXTENSION, admitted + dt.timedelta(days=330)))
        if full_on is not None:
            steps.append((Stage.FULL, full_on))
        return steps

    def _member_file(self, n: int, applied: dt.date, steps: list[tuple[Step | Stage, dt.date]], role: str) -> None:
        member = self.w.members[n]
        relation = PartyRelation.objects.filter(member=member, valid_to__isnull=True).select_related(
            "party_organization__township"
        )[0]
        employment = Employment.objects.filter(member=member, valid_to__isnull=True).first()
        clerk = self.w.clerks[relation.party_organization.township.code]
        file = development.open_member_file(
            by=clerk,
            member=member,
            party_organization=relation.party_organization,
            applied_on=applied,
            organization=employment.organization if employment else None,
            work_role=role,
        )
        self.files.append(self._walk(clerk, file, steps))

    # -- the three recommendations --

    def _recommendations(self) -> None:
        rng = self.rng
        with_org = [f for f in self.files if f.organization_id is not None]
        employees = [f for f in with_org if f.member_id is None][:3]
        managers = [f for f in with_org if f.member_id is not None][:1]
        for file in employees + managers:
            clerk = self.w.clerks[file.party_organization.township.code]
            organization = file.organization
            assert organization is not None
            recommended = file.applied_on + dt.timedelta(days=rng.randint(3, 20))
            if recommended > LAST_DAY:
                continue
            row = development.recommend(
                by=clerk,
                data=development.RecommendationData(
                    kind="employee_to_party" if file.member_id is None else "member_to_management",
                    party_organization=file.party_organization,
                    recommender=f"{organization.name}工会",
                    organization=organization,
                    recommended_on=recommended,
                    file=file if file.member_id is None else None,
                    member=file.member,
                ),
            )
            if file.activist_on is not None:
                development.record_recommendation_result(
                    by=clerk, recommendation=row, result="accepted", on=file.activist_on, note="列为入党积极分子"
                )
        members = [f for f in self.files if f.member_id is not None][:4]
        for j, file in enumerate(members):
            clerk = self.w.clerks[file.party_organization.township.code]
            target = (
                Organization.objects.restrict(clerk)
                .filter(party_organizations__isnull=True)
                .exclude(pk=file.organization_id or 0)
                .order_by("pk")[j]
            )
            row = development.recommend(
                by=clerk,
                data=development.RecommendationData(
                    kind="member_to_work",
                    party_organization=file.party_organization,
                    recommender="乡镇党委组织委员",
                    organization=target,
                    recommended_on=dt.date(2026, 9, 1) + dt.timedelta(days=7 * j),
                    member=file.member,
                    note="该组织尚无党员,推荐到其中就业",
                ),
            )
            if j % 2 == 0:
                development.record_recommendation_result(
                    by=clerk,
                    recommendation=row,
                    result="accepted" if j == 0 else "declined",
                    on=dt.date(2026, 10, 15),
                    note="已录用" if j == 0 else "本人未到岗",
                )


_NOTES: dict[Step, str] = {
    Step.TALK: "党支部委员与申请人谈话",
    Step.RECOMMENDATION: "党员推荐、群团组织推优,支委会研究确定",
    Step.CONTACTS: "指定两名正式党员为培养联系人",
    Step.TRAINING: "参加乡镇党委入党积极分子培训班",
    Step.POLITICAL_REVIEW: "函调、查阅档案,政治审查合格",
    Step.BRANCH_MEETING: "支部大会讨论通过",
    Step.HIGHER_APPROVAL: "乡镇党委审批同意",
    Step.EXTENSION: "支部大会决定延长预备期六个月",
}
