"""The demo county's training records, liaison points, demonstration points and joint meeting,
written on the days they happened through the training and liaison services (docs/training.md,
docs/liaison.md; the demo as a whole: docs/demo-county.md).

- The joint meeting's member units and their duties, set up by the county on 20 February 2024.
- Each year 2025 and 2026: the county's secretaries' training in April, attended by the
  secretaries of most party organizations in existence then (some miss it); each township's
  owners' class in June, attended by the owners of most of its organizations; in September 2026
  a few townships train the secretaries of party organizations the April course missed (some of
  them), so the 2026 gap list has fewer secretaries missing than 2025's, and owners missing in
  every township.
- County leaders' liaison points from March 2024 at organizations with a party organization, and
  township party committees' points in three townships, each visited a few times a year.
- Demonstration points named each December 2024–2026 among the organizations a party organization
  covers.

Nothing here adds members, organizations or party organizations: the demo's totals stay. Drawn
from the demo's seed, so one seed gives one history.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from liangxin.core.dates import today as _today
from liangxin.geo.models import Department
from liangxin.liaison import services as liaison
from liangxin.liaison.models import LiaisonPoint
from liangxin.registry.choices import OperatingStatus
from liangxin.registry.models import Organization, PartyOrganization, PartyOrganizationCoverage
from liangxin.training import services as training
from liangxin.training.models import Attendance, AttendeeKind

if TYPE_CHECKING:
    from .load import _Writer

ORDER = 11  # after every other event of the day (the loader orders them 0–9, funding 10)
YEARS = (2025, 2026)
SECRETARY_ATTENDANCE = 0.85  # secretaries at the county's April course
OWNER_ATTENDANCE = 0.7  # owners at their township's June class
CATCH_UP_TOWNSHIPS = 4  # townships that train the April course's absentees in September 2026

JOINT_UNITS = [  # (department code, lead, duties) — the speech's division of work, in the county's departments
    ("GSL", True, "团结、帮助、教育和引导业主,推动业主支持开展党建工作;牵头组织业主培训。"),
    ("SCJGJ", False, "非公有制企业党建工作登记申报、年检年报;年底向组织部门报告所登记非公经济组织的党建情况。"),
    ("MZJ", False, "社会组织登记、年检时同步了解党建情况,督促社会组织建立党组织。"),
    ("RSJ", False, "统计劳务派遣和流动人员中的党员情况,年底向组织部门报告;配合开展党务工作者培训。"),
    ("SWJ", False, "结合企业服务推动规模以上企业建立党组织。"),
    ("KGXJ", False, "结合工业企业运行调度,掌握企业党建情况。"),
    ("JYTYJ", False, "指导民办学校和培训机构开展党建工作。"),
    ("WJJ", False, "指导民营医疗机构开展党建工作。"),
    ("SFJ", False, "指导律师事务所等社会服务机构开展党建工作。"),
]
LEADERS = [
    ("周建华", "县委副书记"),
    ("李明强", "县委常委、组织部长"),
    ("王秀英", "县委常委、统战部长"),
    ("赵国平", "副县长"),
    ("陈德福", "县政协副主席"),
]
VISIT_WORK = [
    "调研党组织活动开展情况,听取书记汇报",
    "督促指导建立党支部,与业主座谈",
    "检查“五个一”阵地建设,提出整改意见",
    "走访慰问困难党员和职工",
    "指导召开组织生活会",
    "宣讲党委政府重要决策,帮助解决用工难题",
]
DEMONSTRATION_REASONS = [
    "党组织班子健全、活动经常,“五个一”阵地建设规范",
    "党建与生产经营深度融合,党员示范岗成效明显",
    "党群工作一体化,工青妇组织健全",
    "“三个推荐”“双培双增”工作成效突出",
]


def schedule(writer: _Writer) -> None:
    """Put the training and liaison events in the writer's calendar."""
    _Demo(writer).schedule()


class _Demo:
    def __init__(self, writer: _Writer) -> None:
        self.w = writer
        self.rng = random.Random(f"{writer.plan.seed}-training")

    def at(self, day: dt.date, action: Callable[[], Any]) -> None:
        self.w.at(day, ORDER, action)

    def schedule(self) -> None:
        self.at(dt.date(2024, 2, 20), self.joint_meeting)
        self.at(dt.date(2024, 3, 15), self.county_points)
        self.at(dt.date(2024, 4, 10), self.township_points)
        for year in (2024, 2025, 2026):
            for month in (5, 9) if year < 2026 else (3, 6, 10):
                self.at(dt.date(year, month, 12), self.visits)
            self.at(dt.date(year, 12, 10), lambda y=year: self.demonstrations(y))  # type: ignore[misc]
        for year in YEARS:
            self.at(dt.date(year, 4, 17), lambda y=year: self.secretaries_course(y))  # type: ignore[misc]
            self.at(dt.date(year, 6, 20), lambda y=year: self.owners_classes(y))  # type: ignore[misc]
        self.at(dt.date(2026, 9, 18), self.catch_up)

    # -- the joint meeting --

    def joint_meeting(self) -> None:
        departments = {d.code: d for d in Department.objects.all()}
        for code, lead, duties in JOINT_UNITS:
            if code in departments:
                liaison.save_joint_unit(
                    by=self.w.admin,
                    data=liaison.JointUnitData(department=departments[code], duties=duties, is_lead=lead),
                )

    # -- liaison points --

    def _covered(self, township_id: int | None = None) -> list[Organization]:
        covered = PartyOrganizationCoverage.objects.filter(valid_to__isnull=True).values("organization_id")
        found = Organization.objects.filter(pk__in=covered, merged_into__isnull=True)
        if township_id is not None:
            found = found.filter(township_id=township_id)
        return list(found.order_by("pk"))

    def county_points(self) -> None:
        chosen = self.rng.sample(self._covered(), 2 * len(LEADERS))
        for k, (name, position) in enumerate(LEADERS):
            for organization in chosen[2 * k : 2 * k + 2]:
                liaison.create_point(
                    by=self.w.admin,
                    data=liaison.PointData(
                        leader_name=name, leader_position=position, organization=organization, started_on=_today()
                    ),
                )

    def township_points(self) -> None:
        clerks = [self.w.clerks[code] for code in sorted(self.w.clerks)]
        for clerk in self.rng.sample(clerks, 3):
            candidates = self._covered(clerk.township_id)
            if not candidates:
                continue
            surname = self.rng.choice("张王李赵刘杨")
            liaison.create_point(
                by=clerk,
                data=liaison.PointData(
                    leader_name=f"{surname}书记",
                    leader_position=f"{clerk.township.name}党委书记" if clerk.township else "乡镇党委书记",
                    organization=self.rng.choice(candidates),
                    started_on=_today(),
                ),
            )

    def visits(self) -> None:
        for point in LiaisonPoint.objects.select_related("organization__township").order_by("pk"):
            if self.rng.random() < 0.3:
                continue  # not visited this time
            keeper = self.w.admin if point.township_id is None else self.w.clerks[point.organization.township.code]
            liaison.record_visit(
                by=keeper,
                point=point,
                data=liaison.VisitData(
                    visited_on=_today(), visitors=f"{point.leader_name}等", activity=self.rng.choice(VISIT_WORK)
                ),
            )

    def demonstrations(self, year: int) -> None:
        for organization in self.rng.sample(self._covered(), 3 + (year - 2024)):
            liaison.name_demonstration_point(
                by=self.w.admin,
                data=liaison.DemonstrationData(
                    year=year,
                    organization=organization,
                    reason=self.rng.choice(DEMONSTRATION_REASONS),
                    named_by="县委两新组织党工委",
                ),
            )

    # -- training --

    def _party_organizations(self) -> list[tuple[PartyOrganization, str]]:
        """The party organizations in existence today, each with its secretary's name: the
        register records the secretaries once the history is written, so the plan names them."""
        names: dict[int, str] = {}
        for m in self.w.plan.members:
            if m.is_secretary and m.relation is not None and m.relation in self.w.party_orgs:
                names.setdefault(self.w.party_orgs[m.relation].pk, m.name)
        standing = PartyOrganization.objects.filter(founded_on__lte=_today(), dissolved_on__isnull=True)
        return [(po, names[po.pk]) for po in standing.order_by("pk") if po.pk in names]

    def secretaries_course(self, year: int) -> None:
        course = training.create_training(
            by=self.w.admin,
            data=training.TrainingData(
                title=f"{year}年全县两新组织党组织书记和专职党务工作者集中培训班",
                starts_on=_today() - dt.timedelta(days=2),
                ends_on=_today(),
                hours=Decimal(24),
                organizer="县委组织部、县委两新组织党工委",
                location="县委党校",
            ),
        )
        attendees = [
            training.AttendeeData(kind=AttendeeKind.SECRETARY, party_organization=po, name=name)
            for po, name in self._party_organizations()
            if self.rng.random() < SECRETARY_ATTENDANCE
        ]
        training.add_attendees(by=self.w.admin, training=course, attendees=attendees)

    def owners_classes(self, year: int) -> None:
        standing = Q(facts__valid_to__isnull=True) & ~Q(facts__operating_status=OperatingStatus.DEREGISTERED)
        for code in sorted(self.w.clerks):
            clerk = self.w.clerks[code]
            owners = Organization.objects.filter(standing, township_id=clerk.township_id, merged_into__isnull=True)
            attendees = [
                training.AttendeeData(kind=AttendeeKind.OWNER, organization=organization)
                for organization in owners.order_by("pk")
                if self.rng.random() < OWNER_ATTENDANCE
            ]
            if not attendees:
                continue
            course = training.create_training(
                by=clerk,
                data=training.TrainingData(
                    title=f"{year}年两新组织业主培训班",
                    starts_on=_today(),
                    ends_on=_today(),
                    hours=Decimal(4),
                    organizer=f"{clerk.township.name if clerk.township else ''}党委",
                ),
            )
            training.add_attendees(by=clerk, training=course, attendees=attendees)

    def catch_up(self) -> None:
        trained = set(
            Attendance.objects.filter(kind=AttendeeKind.SECRETARY, training__ends_on__year=_today().year).values_list(
                "party_organization_id", flat=True
            )
        )
        absent = [(po, name) for po, name in self._party_organizations() if po.pk not in trained]
        townships = sorted({po.township_id for po, _name in absent})
        for township_id in self.rng.sample(townships, min(CATCH_UP_TOWNSHIPS, len(townships))):
            clerk = next(c for c in self.w.clerks.values() if c.township_id == township_id)
            course = training.create_training(
                by=clerk,
                data=training.TrainingData(
                    title="党组织书记补训班",
                    starts_on=_today(),
                    ends_on=_today(),
                    hours=Decimal(8),
                    organizer=f"{clerk.township.name if clerk.township else ''}党委",
                ),
            )
            mine = [(po, n) for po, n in absent if po.township_id == township_id and self.rng.random() < 0.7]
            training.add_attendees(
                by=clerk,
                training=course,
                attendees=[
                    training.AttendeeData(kind=AttendeeKind.SECRETARY, party_organization=po, name=name)
                    for po, name in mine
                ],
            )
