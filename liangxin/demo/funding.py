"""The demo county's funding, written on the days it happened through the funding services
(``docs/funding.md``; the demo as a whole: ``docs/demo-county.md``).

- 2025: the year's budget issued on 20 March (members counted on 1 January), some spending.
- 2026: every member's dues base recorded on 6 January by the county administrator (a few left
  without one, newly related members on 6 July), the budget issued on 20 March (members on 1
  January, the latest census date), a year of dues — each township clerk records his party
  organizations' month on the 25th, January to November — with some members skipping months
  (paid late or not at all, a few stopping from August), the retained share of January–June
  returned on 15 July, spending through the year, activity funds of 2025 booked by the covered
  organizations (most within 0.5 %–2 % of payroll, some below, some above, a few nothing), and
  reward applications in each state.

Everything is drawn from the demo's seed, so one seed gives one history.
"""

from __future__ import annotations

import datetime as dt
import random
import struct
import zlib
from collections.abc import Callable, Mapping
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q

from liangxin.accounts.models import User
from liangxin.funding import selectors, services
from liangxin.funding.models import DuesBase
from liangxin.policy import funding_rules
from liangxin.registry.models import Member, Organization, OrganizationFacts, PartyOrganization, PartyRelation
from liangxin.security.uploads import UploadField, UploadKind

ORDER = 10  # after every other event of the day (the loader orders them 0–9)
Schedule = Callable[[dt.date, int, Callable[[], None]], None]

CATEGORY_WEIGHTS = [
    (funding_rules.SALARIED, 78),
    (funding_rules.SELF_EMPLOYED, 7),
    (funding_rules.FARMER, 6),
    (funding_rules.RETIRED, 5),
    (funding_rules.UNEMPLOYED, 2),
    (funding_rules.STUDENT, 1),
    (funding_rules.LOW_INCOME, 1),
]
WITHOUT_BASE = 0.03  # members whose secretary has not reported a base yet
SKIPPING = 0.06  # members who skip a month or two (half of them pay it later)
STOPPING = 0.012  # members who stop paying in August


def schedule(*, at: Schedule, admin: User, clerks: Mapping[str, User], seed: int) -> None:
    """Put the funding events into the demo writer's day-by-day schedule."""
    DemoFunding(admin=admin, clerks=clerks, rng=random.Random(seed * 1009 + 21)).schedule(at)


class DemoFunding:
    def __init__(self, *, admin: User, clerks: Mapping[str, User], rng: random.Random) -> None:
        self.admin = admin
        self.clerks = clerks
        self.rng = rng
        self.skipped: dict[int, set[int]] = {}  # member → months of 2026 not paid on time
        self.late: dict[int, set[int]] = {}  # member → of those, months paid two months later
        self.stopped: set[int] = set()
        self.without_base: set[int] = set()

    def schedule(self, at: Schedule) -> None:
        at(dt.date(2025, 3, 20), ORDER, lambda: self._allocate(2025, dt.date(2025, 1, 1)))
        for day in (dt.date(2025, 6, 12), dt.date(2025, 10, 16)):
            at(day, ORDER, lambda day=day: self._spend(day, share=(0.15, 0.45)))  # type: ignore[misc]
        at(dt.date(2026, 1, 6), ORDER, lambda: self._bases(dt.date(2026, 1, 1), first=True))
        at(dt.date(2026, 2, 10), ORDER, lambda: self._activity_funds(2025))
        at(dt.date(2026, 3, 20), ORDER, lambda: self._allocate(2026, dt.date(2026, 1, 1)))
        for month in range(1, 12):
            day = dt.date(2026, month, 25)
            at(day, ORDER, lambda m=month: self._dues(m))  # type: ignore[misc]
        at(dt.date(2026, 7, 6), ORDER, lambda: self._bases(dt.date(2026, 7, 1), first=False))
        at(dt.date(2026, 7, 15), ORDER, self._return_dues)
        for day in (dt.date(2026, 5, 14), dt.date(2026, 8, 20), dt.date(2026, 11, 12)):
            at(day, ORDER, lambda day=day: self._spend(day, share=(0.1, 0.35)))  # type: ignore[misc]
        self._rewards(at)

    # -- the budget --

    def _allocate(self, year: int, as_of: dt.date) -> None:
        services.issue_allocation(by=self.admin, year=year, as_of=as_of)

    def _return_dues(self) -> None:
        services.return_dues(by=self.admin, year=2026)

    def _clerk_of(self, party_organization: PartyOrganization) -> User:
        return self.clerks[party_organization.township.code]

    def _spend(self, day: dt.date, *, share: tuple[float, float]) -> None:
        purposes = [
            "购买党建学习书籍",
            "组织党员参观学习",
            "“七一”主题党日活动",
            "党员活动室桌椅",
            "慰问困难党员",
            "制作党员公示栏",
        ]
        for party_org in PartyOrganization.objects.filter(dissolved_on__isnull=True).select_related("township"):
            balance = selectors.balance_of(party_organization=party_org)
            if balance < 50 or self.rng.random() < 0.3:
                continue
            amount = funding_rules.yuan(balance * Decimal(str(round(self.rng.uniform(*share), 3))))
            amount = max(Decimal("10.00"), (amount // 10) * 10)
            services.add_spending(
                by=self._clerk_of(party_org),
                party_organization=party_org,
                on=day,
                amount=amount,
                description=self.rng.choice(purposes),
            )

    # -- dues --

    def _draw_base(self) -> tuple[str, Decimal | None, Decimal | None]:
        category = self.rng.choices([c for c, _w in CATEGORY_WEIGHTS], weights=[w for _c, w in CATEGORY_WEIGHTS])[0]
        if category in funding_rules.FIXED_CATEGORIES:
            return category, None, None
        if category == funding_rules.SELF_EMPLOYED:
            return category, None, Decimal(self.rng.randrange(600_000, 4_500_000)) / 100  # the quarter's net income
        if category == funding_rules.RETIRED:
            return category, Decimal(self.rng.randrange(250_000, 700_000)) / 100, None
        if self.rng.random() < 0.04:  # some exactly on a bracket's bound, as pay scales often are
            return category, self.rng.choice([Decimal("3000.00"), Decimal("5000.00")]), None
        base = min(30_000.0, max(1_800.0, self.rng.lognormvariate(8.25, 0.38)))
        return category, Decimal(round(base * 100)) / 100, None

    def _bases(self, valid_from: dt.date, *, first: bool) -> None:
        """Every member related here today without a base gets one (from ``valid_from``)."""
        related = PartyRelation.objects.filter(valid_to__isnull=True).values("member_id")
        have = DuesBase.objects.values("member_id")
        for member in Member.objects.filter(pk__in=related).exclude(pk__in=have).order_by("pk"):
            if first and self.rng.random() < WITHOUT_BASE:
                self.without_base.add(member.pk)
            if member.pk in self.without_base:
                continue
            category, base, quarter_income = self._draw_base()
            services.set_dues_base(
                by=self.admin,
                member=member,
                category=category,
                valid_from=valid_from,
                base=base,
                quarter_income=quarter_income,
            )
            if self.rng.random() < STOPPING:
                self.stopped.add(member.pk)
            elif self.rng.random() < SKIPPING:
                months = set(self.rng.sample(range(1, 11), self.rng.choice([1, 1, 2])))
                self.skipped[member.pk] = months
                self.late[member.pk] = {m for m in months if self.rng.random() < 0.5}

    def _dues(self, month: int) -> None:
        """The 25th: each township clerk records his party organizations' members who paid this
        month, and the late payments of two months before."""
        today = dt.date(2026, month, 25)
        party_orgs = list(PartyOrganization.objects.filter(dissolved_on__isnull=True).select_related("township"))
        sheets = selectors.dues_sheets(party_organization_ids=[p.pk for p in party_orgs], year=2026, today=today)
        for party_org in party_orgs:
            for paid_month in (month, month - 2):
                if paid_month < 1:
                    continue
                first = dt.date(2026, paid_month, 1)
                payments = []
                for member in sheets[party_org.pk].members:
                    cell = member.cell(first)
                    if (
                        cell is None
                        or cell.paid
                        or cell.due is None
                        or not self._pays(member.member_id, paid_month, month)
                    ):
                        continue
                    payments.append((member.member_id, cell.due))
                if payments:
                    members = Member.objects.in_bulk([pk for pk, _due in payments])
                    services.record_dues_payments(
                        by=self._clerk_of(party_org),
                        party_organization=party_org,
                        month=first,
                        paid_on=today,
                        payments=[services.Payment(members[pk], due) for pk, due in payments],
                    )

    def _pays(self, member_id: int, paid_month: int, now: int) -> bool:
        if member_id in self.stopped and paid_month >= 8:
            return False
        skipped = self.skipped.get(member_id, set())
        if paid_month == now:
            return paid_month not in skipped
        return paid_month in self.late.get(member_id, set())  # two months late

    # -- activity funds --

    def _activity_funds(self, year: int) -> None:
        """The organizations covered by a party organization book the year's activity funds."""
        on = dt.date(year, 12, 31)
        # One filter call: the same coverage row must hold on the date (two calls would join twice).
        covered = (
            Organization.objects.filter(
                Q(coverages__valid_to__isnull=True) | Q(coverages__valid_to__gt=on),
                coverages__valid_from__lte=on,
                merged_into__isnull=True,
            )
            .distinct()
            .select_related("township")
        )
        payroll = selectors.payroll_on([o.pk for o in covered], on)
        for org in covered.order_by("pk"):
            wan = payroll.get(org.pk)
            if wan is None or self.rng.random() < 0.12:
                continue  # not reported
            roll = self.rng.random()
            share = (
                self.rng.uniform(0.005, 0.02)
                if roll < 0.7
                else self.rng.uniform(0.001, 0.0045)
                if roll < 0.85
                else self.rng.uniform(0.022, 0.035)
                if roll < 0.95
                else 0.0
            )
            amount = funding_rules.yuan(wan * funding_rules.TEN_THOUSAND * Decimal(str(round(share, 5))))
            services.record_activity_fund(by=self.clerks[org.township.code], organization=org, year=year, amount=amount)

    # -- rewards instead of subsidies --

    def _rewards(self, at: Schedule) -> None:
        applications = [
            # (submitted, decided, decision, asked, approved, kind, five ones, title)
            (
                dt.date(2025, 4, 8),
                dt.date(2025, 5, 6),
                "approved",
                "8000.00",
                "6000.00",
                "activity_room",
                "activity_room",
                "自建党员活动室",
            ),
            (
                dt.date(2026, 4, 12),
                dt.date(2026, 4, 30),
                "rejected",
                "3000.00",
                None,
                "standardization",
                "bulletin_board",
                "党员公示栏",
            ),
            (
                dt.date(2026, 5, 18),
                dt.date(2026, 6, 3),
                "approved",
                "12000.00",
                "10000.00",
                "activity_room",
                "activity_room",
                "党群活动中心改造",
            ),
            (dt.date(2026, 10, 15), None, "submitted", "5000.00", None, "service_center", "", "园区党员服务站"),
        ]
        state: dict[int, int] = {}
        for n, (submitted, decided, decision, asked, approved, kind, item, title) in enumerate(applications):

            def submit(n: int = n, asked: str = asked, kind: str = kind, item: str = item, title: str = title) -> None:
                party_org, organization = self._applicant(n)
                reward = services.submit_reward(
                    by=self._clerk_of(party_org),
                    party_organization=party_org,
                    data=services.RewardData(
                        kind=kind,
                        title=f"{organization.name}{title}",
                        description=_DESCRIPTIONS[kind],
                        amount=Decimal(asked),
                        organization=organization,
                        five_ones_item=item,
                    ),
                    evidence=evidence_upload(f"{title}.png", png(self.rng)),
                )
                state[n] = reward.pk

            at(submitted, ORDER, submit)
            if decided is None:
                continue

            def decide(n: int = n, decision: str = decision, approved: str | None = approved) -> None:
                from liangxin.funding.models import RewardApplication

                reward = RewardApplication.objects.get(pk=state[n])
                if decision == "approved" and approved is not None:
                    services.approve_reward(
                        by=self.admin, reward=reward, amount=Decimal(approved), note="经实地验收,按标准核定奖补金额。"
                    )
                else:
                    services.reject_reward(
                        by=self.admin, reward=reward, note="活动场所面积和设施未达到标准,请完善后重新申请。"
                    )

            at(decided, ORDER, decide)

    def _applicant(self, n: int) -> tuple[PartyOrganization, Organization]:
        """The n-th party organization covering an organization of ten or more employees."""
        on = OrganizationFacts.objects.filter(valid_to__isnull=True, employees__gte=10).values("organization_id")
        candidates = list(
            PartyOrganization.objects.filter(
                dissolved_on__isnull=True, coverages__valid_to__isnull=True, coverages__organization__in=on
            )
            .distinct()
            .select_related("township")
            .order_by("pk")
        )
        party_org = candidates[(n * 7) % len(candidates)]
        organization = (
            Organization.objects.filter(coverages__party_organization=party_org, coverages__valid_to__isnull=True)
            .order_by("pk")
            .first()
        )
        assert organization is not None
        return party_org, organization


_DESCRIPTIONS = {
    "activity_room": "企业自筹资金建设党员活动室约30平方米,配齐桌椅、党旗和学习书籍,党组织每月在此开展主题党日活动。",
    "standardization": "按“五个一”标准制作党员公示栏,公示党员照片、姓名、籍贯、入党时间和岗位。",
    "service_center": "在园区建设党员服务站,为园区两新组织的党组织和流动党员提供活动场所和服务。",
}


def png(rng: random.Random) -> bytes:
    """A small real PNG (a 4×3 colour block): evidence must be what its name says."""
    width, height = 4, 3
    colour = bytes(rng.randrange(256) for _ in range(3))
    raw = b"".join(b"\x00" + colour * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def evidence_upload(name: str, data: bytes) -> SimpleUploadedFile:
    """Through the one upload gate, as a browser's file would pass."""
    checked = UploadField(kind=UploadKind.EVIDENCE).clean(SimpleUploadedFile(name, data, "image/png"))
    assert isinstance(checked, SimpleUploadedFile)
    return checked
