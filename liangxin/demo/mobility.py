"""Mobile members of the demo county, written day by day through ``mobility.services`` like the rest
of the history (``load._Writer`` runs the events with the clock on their day).

- Members going out: some of the county's own members, whose relations stay in the county (the
  county's 668 are untouched), working in 东莞 (concentrated enough for a proposal), 深圳, 广州,
  义乌, 宁波, 昆明 and 曲靖; contacts, certificates (issued, checked, one reissued, one revoked
  when the holder came home), letters for seasonal workers, transfers (one completed after the
  latest census date, one pending past its days, one returned), help records.
- Members coming in: three police files (2025, autumn 2026, November 2026) of people from the
  neighbouring counties and provinces, some ID numbers under codes retired since; verified as new
  mobile members (relations held by an external party organization), not members, not found, or
  left pending (some past their days); placed in a local party organization or not yet.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from stdnum.cn import ric

from liangxin.accounts.models import User
from liangxin.geo.models import AdministrativeUnit, UnitLevel
from liangxin.mobility import divisions
from liangxin.mobility import services as mobility
from liangxin.mobility.models import ActivityCertificate, IntakeBatch, MigrantRecord, MobileMember, RelationTransfer
from liangxin.registry.models import Organization, PartyOrganization, PartyRelation

from .words import FEMALE, MALE, SURNAMES

if TYPE_CHECKING:
    from .load import _Writer

ORDER = 7  # after the day's census, formation and verification events

# (destination as written, employer, weight): 东莞 takes the most, so the flows page proposes a
# mobile members' party organization built with it.
DESTINATIONS = [
    ("广东省东莞市长安镇", "东莞长安某电子有限公司", 9),
    ("广东省深圳市宝安区西乡街道", "深圳宝安某科技有限公司", 4),
    ("广东省广州市白云区", "广州白云某物流公司", 3),
    ("浙江省义乌市稠城街道", "义乌某小商品商行", 4),
    ("浙江省宁波市鄞州区", "宁波鄞州某机械厂", 2),
    ("云南省昆明市官渡区", "昆明官渡某建筑工程公司", 3),
    ("云南省曲靖市麒麟区", "曲靖麒麟某商贸公司", 3),
]
# Where members coming in are from: (household address, [(first birth year, area code), ...]) —
# the code an ID number carries depends on when it was issued (python-stdnum checks it against the
# birth year), so older people carry codes retired since.
ORIGINS = [
    ("云南省曲靖市师宗县丹凤街道", [(0, "532227"), (1997, "530323")]),
    ("云南省曲靖市富源县中安街道", [(0, "532225"), (1997, "530325")]),
    ("云南省曲靖市陆良县中枢街道", [(0, "532228"), (1997, "530322")]),
    ("云南省曲靖市会泽县古城街道", [(0, "532233"), (1997, "530326")]),
    ("贵州省兴义市桔山街道", [(0, "522321"), (1987, "522301")]),
    ("广西壮族自治区百色市西林县八达镇", [(0, "452632"), (2002, "451030")]),
    ("云南省昭通市镇雄县乌峰街道", [(0, "532128"), (2001, "530627")]),
]
# Police files: (day imported, rows, how many of them stay pending).
FILES = [(dt.date(2025, 4, 8), 14, 0), (dt.date(2026, 9, 15), 10, 3), (dt.date(2026, 11, 24), 6, 6)]
OUTGOING = 30


def schedule(writer: _Writer) -> None:
    """Put the mobile members' events in the writer's calendar."""
    _Demo(writer).schedule()


class _Demo:
    """Every event is put in the writer's calendar before the history runs (the writer sorts its
    calendar once); an event finds what an earlier one made (a ledger entry, a certificate, a
    police file's registration) when it runs."""

    def __init__(self, writer: _Writer) -> None:
        self.w = writer
        self.rng = random.Random(f"{writer.plan.seed}-mobility")
        self.outgoing: dict[int, MobileMember] = {}  # plan member index → ledger entry
        self.batches: dict[int, IntakeBatch] = {}  # police file index → its batch
        self.ids: set[str] = set()

    def at(self, day: dt.date, action: Callable[[], Any]) -> None:
        self.w.at(day, ORDER, action)

    def day(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randint(0, max(0, (end - start).days)))

    def clerk(self, township_code: str) -> User:
        return self.w.clerks[township_code]

    def schedule(self) -> None:
        plan = self.w.plan
        eligible = [
            n
            for n, m in enumerate(plan.members)
            if m.relation is not None
            and not m.is_secretary
            and plan.party_organizations[m.relation].dissolved_on is None
            and m.since <= dt.date(2025, 6, 30)
        ]
        chosen = sorted(self.rng.sample(eligible, min(OUTGOING, len(eligible))))
        weights = [w for _d, _e, w in DESTINATIONS]
        for k, n in enumerate(chosen):
            m = plan.members[n]
            po = plan.party_organizations[m.relation or 0]
            start = max(m.since, po.founded_on, dt.date(2024, 1, 1)) + dt.timedelta(days=20)
            day = self.day(start, dt.date(2026, 8, 31))
            destination, employer, _w = self.rng.choices(DESTINATIONS, weights=weights)[0]
            temporary = k % 7 == 3
            self.at(day, lambda n=n, d=destination, e=employer, t=temporary, on=day: self._out(n, d, e, t, on))  # type: ignore[misc]
            self._follow_up(k, n, day)
        for f, (file_day, rows, pending) in enumerate(FILES):
            self.at(file_day, lambda f=f, d=file_day, r=rows: self._police_file(f, d, r))  # type: ignore[misc]
            for k in range(rows - pending):
                verified = file_day + dt.timedelta(days=self.rng.randint(5, 25))
                self.at(verified, lambda f=f, k=k, on=verified: self._verify(f, k, on))  # type: ignore[misc]
        # One who came in with the first file has his relation transferred here, after the
        # latest census date (the county's 668 on that date stay 668).
        self.at(dt.date(2026, 5, 10), lambda: self._transfer_in(dt.date(2026, 5, 10)))
        self.at(dt.date(2026, 5, 16), lambda: self._complete_transfer_in(dt.date(2026, 5, 16)))

    # -- members going out --

    def _relation(self, n: int) -> PartyRelation | None:
        member = self.w.members.get(n)
        if member is None:
            return None
        return (
            PartyRelation.objects.filter(member=member, valid_to__isnull=True)
            .select_related("party_organization")
            .first()
        )

    def _out(self, n: int, destination: str, employer: str, temporary: bool, on: dt.date) -> None:
        relation = self._relation(n)
        if relation is None:
            return
        self.outgoing[n] = mobility.register_outflow(
            by=self.clerk(relation.party_organization.township.code),
            member=self.w.members[n],
            destination=destination,
            since=on,
            employer_name=employer,
            phone=self.w.members[n].phone,
            temporary=temporary,
        )

    def _follow_up(self, k: int, n: int, since: dt.date) -> None:
        """Contacts, and for some a certificate, a letter, a transfer or help for the family."""
        last = since
        for _ in range(self.rng.randint(1, 3)):
            last = self.day(last + dt.timedelta(days=20), max(last + dt.timedelta(days=20), dt.date(2026, 11, 25)))
            if k % 5 == 4 and last > dt.date(2026, 6, 1):
                break  # no contact for months: flagged on the ledger
            self.at(last, lambda n=n, on=last: self._contact(n, on))  # type: ignore[misc]
        step = since + dt.timedelta(days=15)
        if k % 7 == 3:
            self.at(step, lambda n=n, on=step: self._letter(n, on))  # type: ignore[misc]
        elif k % 3 == 0 and k < 21:
            self._certificate(n, k, step)
        if k in (1, 5):
            # Out of the county: one pending past its days, one returned. (None is completed: these
            # members still work for the county's organizations, whose rosters hold them.)
            latest = dt.date(2026, 9, 1) if k == 1 else dt.date(2026, 2, 1)
            day = min(max(since + dt.timedelta(days=40), latest), dt.date(2026, 11, 1))
            self.at(day, lambda n=n, on=day: self._transfer(n, on))  # type: ignore[misc]
            if k == 5:
                back = day + dt.timedelta(days=12)
                self.at(back, lambda n=n, on=back: self._return(n, on))  # type: ignore[misc]
        if k % 4 == 1:
            helped = step + dt.timedelta(days=60)
            self.at(helped, lambda n=n, on=helped: self._help(n, "left_behind", "春节前走访慰问留守老人和子女", on))  # type: ignore[misc]

    def _ledger(self, n: int) -> MobileMember | None:
        entry = self.outgoing.get(n)
        if entry is None:
            return None
        entry.refresh_from_db()
        return entry if entry.ended_on is None else None

    def _contact(self, n: int, on: dt.date) -> None:
        entry = self._ledger(n)
        if entry is None or on < entry.since:
            return
        situation, thoughts, whereabouts = self.rng.choice(
            [
                ("在厂里做质检,工作稳定", "希望参加所在地党组织活动", "年底前不回乡"),
                ("在工地做技术员,收入尚可", "关心家中老人身体", "工程结束后可能去昆明"),
                ("在商行做销售,按月交纳党费", "想学电商回乡创业", "春节返乡"),
                ("换了一家工厂,住集体宿舍", "希望组织帮助联系当地党支部", "留在当地"),
            ]
        )
        mobility.record_contact(
            by=self.clerk(entry.township.code),
            mobile_member=entry,
            contacted_on=on,
            method=self.rng.choice(["phone", "message", "visit"]),
            situation=situation,
            thoughts=thoughts,
            whereabouts=whereabouts,
        )

    def _letter(self, n: int, on: dt.date) -> None:
        entry = self._ledger(n)
        if entry is not None:
            mobility.issue_letter(
                by=self.clerk(entry.township.code), mobile_member=entry, addressee=f"{entry.place}流动党员党支部", on=on
            )

    def _certificate(self, n: int, k: int, on: dt.date) -> None:
        """Applied for; reviewed three days later (not k 18) and issued four days after that (not
        k 15); then lost and reissued (k 6), revoked on coming home (k 9), or checked in 2026."""
        self.at(on, lambda: self._apply(n, on))
        if k == 18:
            return
        approve = on + dt.timedelta(days=3)
        self.at(approve, lambda: self._step(n, approve, mobility.approve_certificate))
        if k == 15:
            return
        issue = approve + dt.timedelta(days=4)
        self.at(issue, lambda: self._step(n, issue, mobility.issue_certificate))
        if k == 6:
            lost = issue + dt.timedelta(days=90)
            self.at(lost, lambda: self._reissue(n, lost))
        elif k == 9:
            home = issue + dt.timedelta(days=120)
            self.at(home, lambda: self._home(n, home))
            self.at(home + dt.timedelta(days=1), lambda: self._settled(n, home + dt.timedelta(days=1)))
        elif issue.year < 2026:
            check = dt.date(2026, 3, 20) + dt.timedelta(days=k)
            self.at(check, lambda: self._check(n, check))

    def _live_certificate(self, n: int) -> ActivityCertificate | None:
        entry = self.outgoing.get(n)
        if entry is None:
            return None
        return entry.certificates.filter(status__in=["applied", "approved", "issued"]).first()

    def _apply(self, n: int, on: dt.date) -> None:
        entry = self._ledger(n)
        if entry is not None:
            mobility.apply_certificate(
                by=self.clerk(entry.township.code), mobile_member=entry, on=on, note="长期外出务工"
            )

    def _step(self, n: int, on: dt.date, service: Callable[..., Any]) -> None:
        certificate = self._live_certificate(n)
        if certificate is not None:
            service(by=self.clerk(certificate.mobile_member.township.code), certificate=certificate, on=on)

    def _reissue(self, n: int, on: dt.date) -> None:
        certificate = self._live_certificate(n)
        if certificate is not None and certificate.status == "issued":
            mobility.reissue_certificate(
                by=self.clerk(certificate.mobile_member.township.code), certificate=certificate, reason="lost", on=on
            )

    def _check(self, n: int, on: dt.date) -> None:
        certificate = self._live_certificate(n)
        if certificate is not None and certificate.status == "issued":
            mobility.check_certificate(
                by=self.clerk(certificate.mobile_member.township.code),
                certificate=certificate,
                year=on.year,
                result="passed",
                on=on,
            )

    def _home(self, n: int, on: dt.date) -> None:
        """Came home for good: the certificate is revoked and he is trained at home."""
        entry = self._ledger(n)
        certificate = self._live_certificate(n)
        if entry is None or certificate is None or certificate.status != "issued":
            return
        clerk = self.clerk(entry.township.code)
        mobility.revoke_certificate(by=clerk, certificate=certificate, reason="返乡创业,不再外出", on=on)
        mobility.add_help_record(
            by=clerk,
            mobile_member=entry,
            kind="training",
            helped_on=on,
            description="参加县农业农村局蜂产业实用技术培训",
        )

    def _settled(self, n: int, on: dt.date) -> None:
        """The next day: help to start a business at home, and the entry ends."""
        entry = self._ledger(n)
        if entry is None or not entry.certificates.filter(status="revoked").exists():
            return
        clerk = self.clerk(entry.township.code)
        mobility.add_help_record(
            by=clerk,
            mobile_member=entry,
            kind="startup",
            helped_on=on,
            description="协助申请创业担保贷款,办理养蜂合作社登记",
        )
        mobility.end_mobility(by=clerk, mobile_member=entry, on=on, reason="返乡创业")

    def _transfer(self, n: int, on: dt.date) -> None:
        entry = self._ledger(n)
        relation = self._relation(n)
        if entry is None or relation is None or on < entry.since:
            return
        external = mobility.external_party_organization(name=f"{entry.place}流动党员党支部", place=entry.place)
        mobility.open_transfer(
            by=self.clerk(entry.township.code),
            member=entry.member,
            direction="out",
            local=relation.party_organization,
            external=external,
            on=on,
            mobile_member=entry,
        )

    def _return(self, n: int, on: dt.date) -> None:
        entry = self.outgoing.get(n)
        transfer = RelationTransfer.objects.filter(member_id=entry.member_id, state="issued").first() if entry else None
        if transfer is not None:
            mobility.return_transfer(
                by=self.clerk(transfer.township.code),
                transfer=transfer,
                reason="接收方党组织名称有误,请核实后重开",
                on=on,
            )

    def _help(self, n: int, kind: str, text: str, on: dt.date) -> None:
        entry = self._ledger(n)
        if entry is not None:
            mobility.add_help_record(
                by=self.clerk(entry.township.code), mobile_member=entry, kind=kind, helped_on=on, description=text
            )

    # -- members coming in: the police files --

    def _person(self) -> tuple[str, str, str, str]:
        """(name, sex, ID number, household address) of someone from a neighbouring county."""
        rng = self.rng
        sex = "M" if rng.random() < 0.7 else "F"
        name = rng.choice(SURNAMES) + "".join(
            rng.choice(MALE if sex == "M" else FEMALE) for _ in range(rng.randint(1, 2))
        )
        address, codes = rng.choice(ORIGINS)
        while True:
            birth = dt.date(rng.randint(1968, 2001), rng.randint(1, 12), rng.randint(1, 28))
            region = [code for start, code in codes if birth.year >= start][-1]
            sequence = rng.randrange(0, 1000)
            if (sequence % 2 == 1) != (sex == "M"):
                sequence = (sequence + 1) % 1000
            body = f"{region}{birth:%Y%m%d}{sequence:03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in self.ids and ric.is_valid(number):
                self.ids.add(number)
                return name, sex, number, address

    def _police_file(self, f: int, on: dt.date, rows: int) -> None:
        rng = self.rng
        townships = list(AdministrativeUnit.objects.filter(level=UnitLevel.TOWNSHIP).order_by("code"))
        lines = ["姓名,公民身份号码,性别,户籍地址,现住址,来县日期,务工单位,联系电话"]
        for _ in range(rows):
            name, sex, number, household = self._person()
            township = rng.choice(townships)
            villages = list(township.children.order_by("code"))
            village = rng.choice(villages).name if villages else ""
            employers = list(Organization.objects.filter(township=township).order_by("pk")[:20])
            employer = rng.choice(employers).name if employers else ""
            arrived = on - dt.timedelta(days=rng.randint(20, 300))
            phone = "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))
            lines.append(
                f"{name},{number},{'男' if sex == 'M' else '女'},{household},罗平县{township.name}{village},"
                f"{arrived},{employer},{phone}"
            )
        outcome = mobility.import_file(
            by=self.w.admin,
            unit=AdministrativeUnit.objects.get(level=UnitLevel.COUNTY),
            data=("\n".join(lines) + "\n").encode(),
            file_name=f"公安流动人口党员信息{on:%Y%m%d}.csv",
        )
        assert outcome.batch is not None
        self.batches[f] = outcome.batch

    def _record(self, f: int, k: int) -> MigrantRecord | None:
        batch = self.batches.get(f)
        records = list(batch.records.order_by("row")) if batch else []
        return records[k] if k < len(records) else None

    def _verify(self, f: int, k: int, on: dt.date) -> None:
        record = self._record(f, k)
        if record is None or record.status != "pending":
            return
        clerk = self.clerk(record.township.code)
        if k % 7 == 5:
            mobility.mark_not_member(by=clerk, record=record, on=on, note="经核实为群众,公安采集有误")
            return
        if k % 11 == 9:
            mobility.mark_not_found(by=clerk, record=record, on=on, note="按现住址走访两次,房东称已离开罗平")
            return
        origin = divisions.county(record.origin_code)
        village = self.rng.choice(["新村", "大坪", "龙潭", "河口", "营上"])
        full = self.rng.random() < 0.85
        admitted = dt.date(self.rng.randint(2008, 2023), self.rng.randint(1, 12), self.rng.randint(1, 28))
        data = mobility.NewMemberData(
            status="full" if full else "probationary",
            admitted_on=admitted if full else on - dt.timedelta(days=self.rng.randint(60, 300)),
            full_membership_on=admitted + dt.timedelta(days=366) if full else None,
            external_name=f"{origin.name if origin else ''}{village}村党支部",
            external_place=origin.full_name if origin else "",
        )
        mobility.register_new_mobile_member(by=clerk, record=record, data=data, on=on)
        record.refresh_from_db()
        entry = record.mobile_member
        if entry is None or (k % 3 == 2 and k != 0):
            return  # not yet placed in a party organization here
        here = PartyOrganization.objects.filter(township=entry.township, dissolved_on__isnull=True).order_by("pk")
        if not here.exists():
            return
        mobility.update_ledger(
            by=clerk,
            mobile_member=entry,
            data=mobility.LedgerData(
                place=entry.place,
                employer_name=entry.employer_name,
                phone=entry.phone,
                takes_part_in=here[self.rng.randrange(0, here.count())],
                liaison=None,
                temporary=False,
            ),
            version=entry.version,
        )
        if k % 4 == 0:
            mobility.record_contact(
                by=clerk,
                mobile_member=entry,
                contacted_on=on,
                method="visit",
                situation="在务工单位上班,已编入所在党支部参加组织生活",
                thoughts="希望把组织关系转到罗平",
                whereabouts="长期在罗平务工",
            )
        if k % 6 == 1:
            mobility.add_help_record(
                by=clerk,
                mobile_member=entry,
                kind="job_guidance",
                helped_on=on,
                description="推荐到县内规模企业应聘技术岗位",
            )

    def _transfer_in(self, on: dt.date) -> None:
        record = self._record(0, 0)
        entry = record.mobile_member if record else None
        if entry is None:
            return
        entry.refresh_from_db()
        relation = entry.member.external_relations.filter(valid_to__isnull=True).first()
        if entry.takes_part_in is None or relation is None or entry.ended_on is not None:
            return
        mobility.open_transfer(
            by=self.clerk(entry.township.code),
            member=entry.member,
            direction="in",
            local=entry.takes_part_in,
            external=relation.party_organization,
            on=on,
            letter_number=f"{relation.party_organization.name[:3]}组转〔{on.year}〕12号",
            mobile_member=entry,
        )

    def _complete_transfer_in(self, on: dt.date) -> None:
        record = self._record(0, 0)
        if record is None or record.mobile_member is None:
            return
        transfer = RelationTransfer.objects.filter(member_id=record.mobile_member.member_id, state="issued").first()
        if transfer is not None:
            clerk = self.clerk(transfer.township.code)
            mobility.receive_transfer(by=clerk, transfer=transfer, on=on)
            mobility.complete_transfer(by=clerk, transfer=transfer, on=on)
