"""The demo county's standardization and five-goods assessments, written on the days they happened
through the standards services (``docs/standardization.md``; the demo as a whole:
``docs/demo-county.md``).

- Five goods: every year from the baseline, on 20 December, each party organization's township
  assesses it (the history draws who reaches 五个好, a rising share: the 2011 target is 80 %); the
  scores follow the result — all five at least good for 五个好, one or more below it otherwise.
- Five ones: in 2026 the township clerks collect evidence for the party organizations of today and
  check it (the secretaries' accounts are made at the end of the load, so the clerks upload): some
  organizations have all five items done, most some of them, some items wait for a check, a few
  activity rooms are too small and fail, and some organizations have nothing yet.

Everything is drawn from the demo's seed, so one seed gives one history.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import TYPE_CHECKING

from liangxin.accounts.models import User
from liangxin.core.dates import today
from liangxin.standards import rules, services

from .funding import evidence_upload, png
from .history import PlannedRating

if TYPE_CHECKING:
    from .load import _Writer

ORDER = 8  # load.py's slot for the ratings (`_RATE`): after the day's formations and dissolutions
ASSESSED = (12, 20)  # month, day of the yearly assessment
CHECKLIST_YEAR = 2026
# Of today's party organizations: the share with all five items done, with some, with none.
ALL_DONE, SOME_DONE = 0.25, 0.55
FAILED = {True: "活动室面积不足,请调整场所后重新上报。", False: "照片不清晰,请补充材料。"}
COMMENTS = {
    "leadership": ("班子团结,书记履职到位", "班子成员分工明确", "书记兼职较多,精力不足"),
    "team": ("党员先锋作用明显", "党员学习教育经常化", "部分党员参加活动不积极"),
    "rules": ("“三会一课”制度落实", "制度上墙,记录完整", "会议记录不够规范"),
    "performance": ("带动企业生产经营发展", "党员示范岗成效明显", "工作亮点不多"),
    "public": ("职工群众满意度高", "企业主支持党建工作", "职工群众知晓度不高"),
}


def schedule(writer: _Writer) -> None:
    """Put the assessments and the checklists into the demo writer's day-by-day calendar."""
    _Demo(writer).schedule()


class _Demo:
    def __init__(self, writer: _Writer) -> None:
        self.w = writer
        self.rng = random.Random(f"{writer.plan.seed}-standards")

    def schedule(self) -> None:
        for rating in self.w.history.ratings:
            self.w.at(dt.date(rating.year, *ASSESSED), ORDER, lambda r=rating: self._assess(r))  # type: ignore[misc]
        self._checklists()

    # -- five goods --

    def _scores(self, five_goods: bool) -> dict[str, int | None]:
        if five_goods:
            return {d: self.rng.randint(rules.GOOD_SCORE + 15, 98) for d in rules.DIMENSIONS}
        scores: dict[str, int | None] = {d: self.rng.randint(rules.GOOD_SCORE, 85) for d in rules.DIMENSIONS}
        for weak in self.rng.sample(rules.DIMENSIONS, self.rng.randint(1, 2)):
            scores[weak] = self.rng.randint(40, rules.GOOD_SCORE - 1)
        return scores

    def _assess(self, rating: PlannedRating) -> None:
        party_org = self.w.party_orgs[rating.party_organization]
        scores = self._scores(rating.five_goods)
        comments = {
            d: COMMENTS[d][-1] if (s or 0) < rules.GOOD_SCORE else self.rng.choice(COMMENTS[d][:-1])
            for d, s in scores.items()
        }
        services.assess_five_goods(
            by=self.w.clerks[party_org.township.code],
            party_organization=party_org,
            data=services.AssessmentData(
                year=rating.year,
                result=rules.FIVE_GOODS if rating.five_goods else rules.NOT_MET,
                assessed_on=dt.date(rating.year, *ASSESSED),
                scores=scores,
                comments=comments,
            ),
        )

    # -- five ones --

    def _checklists(self) -> None:
        plan = self.w.plan
        for k, planned in enumerate(plan.party_organizations):
            if planned.dissolved_on is not None or planned.founded_on > dt.date(CHECKLIST_YEAR, 2, 28):
                continue
            draw = self.rng.random()
            if draw >= ALL_DONE + SOME_DONE:
                continue  # nothing yet
            items = list(rules.ITEMS) if draw < ALL_DONE else self.rng.sample(rules.ITEMS, self.rng.randint(1, 4))
            for item in items:
                uploaded = dt.date(CHECKLIST_YEAR, self.rng.randint(3, 9), self.rng.randint(1, 28))
                # Some items wait for their check; a few activity rooms are too small.
                outcome = "pass" if draw < ALL_DONE else self.rng.choices(["pass", "wait", "fail"], [70, 22, 8])[0]
                area = Decimal(self.rng.randint(30, 80)) if outcome != "fail" else Decimal(self.rng.randint(15, 28))
                self.w.at(uploaded, ORDER, lambda k=k, item=item: self._upload(k, item))  # type: ignore[misc]
                if outcome != "wait":
                    checked = uploaded + dt.timedelta(days=self.rng.randint(3, 40))
                    self.w.at(
                        checked,
                        ORDER,
                        lambda k=k, item=item, ok=outcome == "pass", area=area: self._check(k, item, ok, area),  # type: ignore[misc]
                    )

    def _clerk(self, k: int) -> User:
        return self.w.clerks[self.w.plan.party_organizations[k].township]

    def _upload(self, k: int, item: str) -> None:
        services.add_evidence(
            by=self._clerk(k),
            party_organization=self.w.party_orgs[k],
            item=item,
            file=evidence_upload(f"{item}.png", png(self.rng)),
            description="现场照片",
        )

    def _check(self, k: int, item: str, passed: bool, area: Decimal) -> None:
        services.check_item(
            by=self._clerk(k),
            party_organization=self.w.party_orgs[k],
            item=item,
            data=services.CheckData(
                passed=passed,
                checked_on=today(),
                note="" if passed else FAILED[item == rules.ACTIVITY_ROOM],
                inspector="党建指导员",
                room_area=area if item == rules.ACTIVITY_ROOM else None,
            ),
        )
