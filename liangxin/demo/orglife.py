"""The demo county's organization life (``docs/organization-life.md``): a year of activities,
December 2025 to November 2026, recorded by each township's clerk at the end of every month
through ``orglife.services.record_activities`` (one call per township and month).

Each party organization existing on the day gets a habit drawn from the seed: most keep the
rules (a theme day every month, the members' meeting, a party lecture and policy study every
quarter, the committee's and the groups' monthly meetings where they have the members, the
organization-life meeting and the appraisal of members in January); some are behind (they skip
months and quarters); a few fall silent after the spring and are at risk by the year's end. Some
party organizations hold their theme days in an organization of their township that has no party
organization, or invite one to take part — so the demo's work coverage is above its
organization coverage.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import TYPE_CHECKING

from django.db.models import Q

from liangxin.orglife import services
from liangxin.orglife.models import ActivityType
from liangxin.registry.models import Member, Organization, PartyOrganization, PartyOrganizationCoverage, PartyRelation

if TYPE_CHECKING:
    from .load import _Writer

ORDER = 11  # after the other events of the day
MONTHS = [(2025, 12), *((2026, m) for m in range(1, 12))]
HABITS = [("keeps", 0.6), ("behind", 0.28), ("silent", 0.12)]
REACHING_OUT = 0.3  # party organizations that hold theme days in organizations without one
SILENT_FROM = 5  # silent ones record nothing from this month of 2026 on
ABSENCE_REASONS = ["外出务工", "生病住院", "出差", "家中有事", "在外地经商"]
GUEST_NAMES = ["赵建华", "钱志刚", "孙丽", "李春梅", "周国强", "吴海燕", "郑明", "王芳"]


def schedule(writer: _Writer) -> None:
    _Demo(writer).schedule()


class _Demo:
    def __init__(self, writer: _Writer) -> None:
        self.w = writer
        self.rng = random.Random(f"{writer.plan.seed}-orglife")
        self.habits: dict[int, str] = {}
        self.reaches: dict[int, Organization | None] = {}

    def schedule(self) -> None:
        for year, month in MONTHS:
            last = (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)
            self.w.at(last, ORDER, lambda y=year, m=month: self._month(y, m))  # type: ignore[misc]

    def _habit(self, party: PartyOrganization) -> str:
        if party.pk not in self.habits:
            roll, total = self.rng.random(), 0.0
            self.habits[party.pk] = HABITS[-1][0]
            for habit, share in HABITS:
                total += share
                if roll < total:
                    self.habits[party.pk] = habit
                    break
        return self.habits[party.pk]

    def _reach(self, party: PartyOrganization, on: dt.date) -> Organization | None:
        """An organization of the party organization's township without a party organization,
        where it holds its theme days (drawn once)."""
        if party.pk not in self.reaches:
            self.reaches[party.pk] = None
            if self.rng.random() < REACHING_OUT:
                covered = PartyOrganizationCoverage.objects.filter(
                    Q(valid_to__isnull=True) | Q(valid_to__gt=on), valid_from__lte=on
                ).values("organization_id")
                free = list(
                    Organization.objects.filter(township_id=party.township_id, merged_into__isnull=True)
                    .exclude(pk__in=covered)
                    .filter(facts__valid_from__lte=on, facts__valid_to__isnull=True)
                    .order_by("pk")
                    .values_list("pk", flat=True)[:40]
                )
                if free:
                    self.reaches[party.pk] = Organization.objects.get(pk=self.rng.choice(free))
        return self.reaches[party.pk]

    def _month(self, year: int, month: int) -> None:
        first = dt.date(year, month, 1)
        end = (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)
        types = {t.code: t for t in ActivityType.objects.all()}
        existing = Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=end)
        parties = list(
            PartyOrganization.objects.filter(existing, founded_on__lte=first).select_related("township").order_by("pk")
        )
        rosters: dict[int, list[Member]] = defaultdict(list)
        relations = PartyRelation.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=first),
            party_organization__in=[p.pk for p in parties],
            valid_from__lte=first,
        ).select_related("member")
        for relation in relations.order_by("member__name", "member_id"):
            rosters[relation.party_organization_id].append(relation.member)
        by_township: dict[str, list[services.ActivityData]] = defaultdict(list)
        for party in parties:
            for code, day, minutes, topic in self._plan(party, year, month, len(rosters[party.pk])):
                by_township[party.township.code].append(
                    self._activity(party, types[code], first.replace(day=day), minutes, topic, rosters[party.pk])
                )
        for code, items in sorted(by_township.items()):
            clerk = self.w.clerks.get(code)
            if clerk is not None and items:
                services.record_activities(by=clerk, items=items)

    def _plan(self, party: PartyOrganization, year: int, month: int, members: int) -> list[tuple[str, int, int, str]]:
        habit = self._habit(party)
        rng = self.rng
        if habit == "silent" and (year, month) >= (2026, SILENT_FROM):
            return []
        skip = {"keeps": 0.0, "behind": 0.35, "silent": 0.2}[habit]
        found: list[tuple[str, int, int, str]] = []

        def add(code: str, minutes: int, topic: str, chance: float = 1.0) -> None:
            if rng.random() < chance * (1 - skip):
                found.append((code, rng.randint(3, 27), minutes, topic))

        # Those keeping the rules spend half a day on the theme day alone.
        add("theme_day", rng.choice([240, 270] if habit == "keeps" else [150, 180, 240]), f"{month}月主题党日")
        if month in (3, 6, 9, 12):
            add("members_meeting", 90, f"{year}年第{(month - 1) // 3 + 1}季度党员大会")
            add("party_lecture", 90, "书记讲党课")
            add("policy_study", rng.choice([60, 90]), "学习政策法规", chance=1.0 if habit == "keeps" else 0.6)
        if members >= 7:
            add("committee_meeting", 60, f"{month}月支委会")
        if members >= 10:
            add("group_meeting", 60, f"{month}月党小组会")
        if month == 1 and year == 2026:
            add("life_meeting", 180, "2025年度组织生活会")
            add("member_appraisal", 120, "2025年度民主评议党员")
        if rng.random() < 0.15:
            add(rng.choice(["pairing", "mass_org_building", "model_post", "four_ones"]), 120, "党员结对帮扶与共建")
        return found

    def _activity(
        self,
        party: PartyOrganization,
        kind: ActivityType,
        day: dt.date,
        minutes: int,
        topic: str,
        roster: list[Member],
    ) -> services.ActivityData:
        rng = self.rng
        present: list[Member] = []
        absent: list[tuple[Member, str]] = []
        for member in roster:
            if rng.random() < 0.85:
                present.append(member)
            else:
                absent.append((member, rng.choice(ABSENCE_REASONS)))
        reach = self._reach(party, day)
        held_in = reach if kind.code == "theme_day" and reach is not None and rng.random() < 0.7 else None
        took_part = [reach] if reach is not None and held_in is None and rng.random() < 0.5 else []
        guests = [(rng.choice(GUEST_NAMES), "covered_organization")] if held_in is not None else []
        return services.ActivityData(
            party_organization=party,
            activity_type=kind,
            held_on=day,
            duration_minutes=minutes,
            place=f"{party.name}党员活动室" if held_in is None else held_in.name,
            topic=topic,
            content=f"{kind.name}:{topic}。",
            present=present,
            absent=absent,
            guests=guests,
            held_in=held_in,
            took_part=took_part,
        )
