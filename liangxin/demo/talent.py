"""The demo county's talent pool (党务工作人才库), written through ``talent.services`` on the days of
the history (``load._Writer`` runs the events with the clock on their day). Rules in
``docs/talent-pool.md``.

- Three people per township who are not members, with ID numbers (a few still marked as to be
  completed), entered on the first day of the register.
- Each spring from 2022 to 2025, instructors from the pool sent to organizations of their township
  that have no party organization on that day; one instructor replaced (ended with a reason) —
  so work coverage is above organization coverage through instructors alone.
- The secretaries of some party organizations are in the pool as members (their ID number stays
  the member's), with their posts: owner-secretaries (一肩挑) and secretaries in management (交叉任职).

Nothing here is a member or a party relation: the county's 668 members stay 668.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q
from stdnum.cn import ric

from liangxin.geo.models import AdministrativeUnit, UnitLevel
from liangxin.registry.choices import OperatingStatus
from liangxin.registry.models import Organization, OrganizationFacts, PartyOrganizationCoverage
from liangxin.talent import services
from liangxin.talent.models import InstructorAssignment, PoolEntry

from .county import BASELINE
from .words import FEMALE, MALE, SURNAMES

if TYPE_CHECKING:
    from .load import _Writer

ORDER = 8  # after the day's census, formation, verification and mobile-member events
PER_TOWNSHIP = 3
SKILLS = ("党务", "宣传", "组织", "纪检", "财务", "群团工作", "企业管理", "法律")
# Instructors sent each spring, per township.
ROUNDS = ((dt.date(2022, 3, 15), 1), (dt.date(2023, 3, 15), 1), (dt.date(2024, 3, 15), 1), (dt.date(2025, 3, 15), 1))
SUBSIDIES = (None, Decimal("1200.00"), Decimal("2400.00"), Decimal("3600.00"))
SECRETARIES = 8  # party organizations whose secretary is put in the pool


def schedule(writer: _Writer) -> None:
    """Put the talent pool's events in the writer's calendar."""
    _Demo(writer).schedule()


class _Demo:
    def __init__(self, writer: _Writer) -> None:
        self.w = writer
        self.rng = random.Random(f"{writer.plan.seed}-talent")
        self.members_ids = {m.id_number for m in writer.plan.members}

    def at(self, day: dt.date, action: object) -> None:
        self.w.at(day, ORDER, action)  # type: ignore[arg-type]

    def schedule(self) -> None:
        self.at(BASELINE, self._pool)
        for day, per_township in ROUNDS:
            self.at(day, lambda day=day, n=per_township: self._send(day, n))
        self.at(dt.date(2025, 9, 1), lambda: self._replace(dt.date(2025, 9, 1)))
        self.at(dt.date(2026, 3, 1), lambda: self._secretaries(dt.date(2026, 3, 1)))

    def _townships(self) -> list[AdministrativeUnit]:
        return list(AdministrativeUnit.objects.filter(level=UnitLevel.TOWNSHIP).order_by("code"))

    def _id_number(self) -> str:
        rng = self.rng
        sex = "M" if rng.random() < 0.6 else "F"
        while True:
            birth = dt.date(rng.randint(1970, 1996), rng.randint(1, 12), rng.randint(1, 28))
            region = "530324" if birth.year >= 1997 else "532226"
            sequence = rng.randrange(0, 1000)
            if (sequence % 2 == 1) != (sex == "M"):
                sequence = (sequence + 1) % 1000
            body = f"{region}{birth:%Y%m%d}{sequence:03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in self.members_ids and ric.is_valid(number):
                self.members_ids.add(number)
                return number

    def _pool(self) -> None:
        rng = self.rng
        for township in self._townships():
            clerk = self.w.clerks[township.code]
            for k in range(PER_TOWNSHIP):
                name = rng.choice(SURNAMES) + "".join(rng.choice(MALE + FEMALE) for _ in range(rng.randint(1, 2)))
                entry = services.add_entry(
                    by=clerk,
                    data=services.EntryData(
                        name=name,
                        township=township,
                        id_number=self._id_number(),
                        skills="、".join(sorted(rng.sample(SKILLS, 2))),
                        availability="full_time" if k == 0 else "part_time",
                    ),
                )
                if k == PER_TOWNSHIP - 1 and rng.random() < 0.3:
                    # As if it came from a census file: somebody still has to complete it.
                    PoolEntry.objects.filter(pk=entry.pk).update(origin="census", to_complete=True)

    def _without_party_organization(self, township: AdministrativeUnit, day: dt.date) -> list[Organization]:
        live = OrganizationFacts.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=day), organization=OuterRef("pk"), valid_from__lte=day
        ).exclude(operating_status=OperatingStatus.DEREGISTERED)
        covered = PartyOrganizationCoverage.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=day), organization=OuterRef("pk"), valid_from__lte=day
        )
        instructed = InstructorAssignment.objects.filter(organization=OuterRef("pk"), valid_to__isnull=True)
        return list(
            Organization.objects.filter(township=township, merged_into__isnull=True)
            .filter(Exists(live))
            .exclude(Exists(covered))
            .exclude(Exists(instructed))
            .order_by("pk")
        )

    def _send(self, day: dt.date, per_township: int) -> None:
        rng = self.rng
        for township in self._townships():
            clerk = self.w.clerks[township.code]
            people = list(PoolEntry.objects.filter(township=township, member__isnull=True).order_by("pk"))
            free = self._without_party_organization(township, day)
            for organization in rng.sample(free, min(per_township, len(free))):
                services.assign_instructor(
                    by=clerk,
                    person=rng.choice(people),
                    organization=organization,
                    valid_from=day,
                    method=rng.choice(("appointment", "appointment", "open_selection", "two_way")),
                    subsidy=rng.choice(SUBSIDIES),
                )

    def _replace(self, day: dt.date) -> None:
        """One instructor leaves and another of the township's pool takes over."""
        first = InstructorAssignment.objects.filter(valid_to__isnull=True).select_related("organization").first()
        if first is None:
            return
        township = first.organization.township
        clerk = self.w.clerks[township.code]
        services.end_assignment(by=clerk, assignment=first, valid_to=day, reason="调任乡镇党委工作")
        successor = PoolEntry.objects.filter(township=township, member__isnull=True).exclude(pk=first.person_id)
        services.assign_instructor(
            by=clerk,
            person=successor.order_by("pk").first() or first.person,
            organization=first.organization,
            valid_from=day,
            method="two_way",
            subsidy=Decimal("2400.00"),
        )

    def _secretaries(self, day: dt.date) -> None:
        """Some of today's secretaries (the plan's: the register names them after the history) into
        the pool as members, with their posts."""
        plan, admin = self.w.plan, self.w.admin
        pairs = sorted(
            (m.relation, n)
            for n, m in enumerate(plan.members)
            if m.is_secretary
            and m.relation is not None
            and m.relation in self.w.party_orgs
            and n in self.w.members
            and plan.party_organizations[m.relation].dissolved_on is None
        )
        chosen = self.rng.sample(pairs, min(SECRETARIES, len(pairs)))
        for k, (p, n) in enumerate(sorted(dict(chosen).items())):
            po, member = self.w.party_orgs[p], self.w.members[n]
            if PoolEntry.objects.filter(member=member).exists():
                continue
            entry = services.add_entry(
                by=admin, data=services.EntryData(name="", township=po.township, member=member, skills="党务")
            )
            services.assign_post(
                by=admin,
                person=entry,
                party_organization=po,
                post="secretary",
                management_role=("owner", "manager", "")[k % 3],
                valid_from=max(po.founded_on, day - dt.timedelta(days=365)),
                method=("appointment", "two_way")[k % 2],
                subsidy=Decimal("1800.00") if k % 2 else None,
            )
