"""The demo county's reconciliation with market regulation's registration list (docs/reconciliation.md;
the demo as a whole: docs/demo-county.md).

On 16 November 2026 the county administrator compares the register with the list the county's market
regulation bureau exported that day: every enterprise, cooperative and individual business of the
register as it stands (individual businesses without a code in the register carry their code in the
list), written as such a list writes names and types, with what a real list reveals planted in it:

- new companies the census has not found yet, their address naming a township or one of its villages
  (a few name no place: the county places them);
- organizations the list has closed (注销, 吊销) that the register still counts as operating;
- companies the list names differently (renamed), and individual businesses whose code the register
  lacks;
- organizations of the register the list lacks (unregistered, to be verified);
- state-owned enterprises, outside the two-new scope, and companies closed long ago that the register
  never had.

On 23 November the clerk of a township with a closure and the most codes to take over takes up part
of them: he accepts the codes of its individual businesses and rejects the closure with the reason he
found. Everything else waits in the clerks' to-do lists, so the demo shows a run in progress. No
decision taken here changes an organization total, a name, or a figure: the demo's published totals
stay.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import TYPE_CHECKING

from stdnum.cn import uscc as stdnum_uscc

from liangxin.geo.models import AdministrativeUnit, UnitLevel
from liangxin.reconcile import services as reconcile_services
from liangxin.reconcile.models import Decision, ReconcileBatch, RowKind
from liangxin.registry.choices import OperatingStatus, OrganizationType
from liangxin.registry.models import Organization, OrganizationFacts

from .organizations import USCC_ALPHABET

if TYPE_CHECKING:
    from .load import _Writer

ORDER = 12  # after every other event of the day
RUN_ON = dt.date(2026, 11, 16)
DECIDED_ON = dt.date(2026, 11, 23)
FILE_NAME = "罗平县市场主体名单-2026-11-16.csv"

NEW_COMPANIES = 18  # in the list, not yet in the register
UNPLACED = 2  # of them, with an address naming no township
CLOSED = 6  # closed in the list, operating in the register
RENAMED = 3
CODES_ADDED = 8  # individual businesses whose code only the list has
LEFT_OUT = 10  # in the register, not in the list
STATE_OWNED = 3
CLOSED_LONG_AGO = 4

# How the list writes the register's types (each maps back to the type's family in the engine).
LIST_TYPES = {
    OrganizationType.INDIVIDUAL_BUSINESS: "个体工商户",
    OrganizationType.PRIVATE_ENTERPRISE: "个人独资企业",
    OrganizationType.LIMITED_COMPANY: "有限责任公司(自然人投资或控股)",
    OrganizationType.JOINT_STOCK_COMPANY: "股份有限公司(非上市、自然人投资或控股)",
    OrganizationType.FOREIGN_INVESTED: "有限责任公司(外商投资)",
    OrganizationType.FARMERS_COOPERATIVE: "农民专业合作社",
}
COMPANY = LIST_TYPES[OrganizationType.LIMITED_COMPANY]
HEADER = ("统一社会信用代码", "名称", "类型", "法定代表人", "成立日期", "登记状态", "住所", "登记机关")
_NEW_TRADES = ("商贸", "建材", "物流", "农业科技", "餐饮管理", "新能源", "电子商务", "茶业")
_NEW_BRANDS = "鑫瑞恒泰通宏盛华兴达润丰源祥裕隆昌鼎"
_SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何罗"


def schedule(writer: _Writer) -> None:
    demo = _Demo(writer)
    writer.at(RUN_ON, ORDER, demo.run)
    writer.at(DECIDED_ON, ORDER, demo.decide)


class _Demo:
    def __init__(self, writer: _Writer) -> None:
        self.w = writer
        self.rng = random.Random(f"{writer.plan.seed}-reconcile")
        self.batch: ReconcileBatch | None = None

    # -- the list --

    def run(self) -> None:
        county = next(u for u in self.w.units.values() if u.level == UnitLevel.COUNTY)
        data = ("\ufeff" + "\n".join(",".join(row) for row in self._list()) + "\n").encode("utf-8")
        self.batch = reconcile_services.compare_now(
            by=self.w.admin, unit=county, source="market", data=data, file_name=FILE_NAME
        )

    def _list(self) -> list[tuple[str, ...]]:
        rng = self.rng
        # The register's organizations not deregistered (suspended ones are still registered).
        current = OrganizationFacts.objects.filter(valid_to__isnull=True).exclude(
            operating_status=OperatingStatus.DEREGISTERED
        )
        operating = set(current.values_list("organization_id", flat=True))
        organizations = [
            o
            for o in Organization.objects.filter(merged_into__isnull=True, org_type__in=LIST_TYPES)
            .select_related("township", "village")
            .order_by("pk")
            if o.pk in operating
        ]
        rng.shuffle(organizations)
        with_code = [o for o in organizations if o.uscc]
        shops = [o for o in organizations if not o.uscc and o.org_type == OrganizationType.INDIVIDUAL_BUSINESS]
        left_out = {o.pk for o in with_code[:LEFT_OUT]}
        closed = {o.pk for o in with_code[LEFT_OUT : LEFT_OUT + CLOSED]}
        renamed = {o.pk for o in with_code[LEFT_OUT + CLOSED : LEFT_OUT + CLOSED + RENAMED]}
        coded = {o.pk for o in shops[:CODES_ADDED]}
        codes = {code for code in Organization.objects.values_list("uscc", flat=True) if code}
        rows: list[tuple[str, ...]] = [HEADER]
        for o in sorted(organizations, key=lambda o: o.pk):
            if o.pk in left_out:
                continue
            # An individual business without a code in the register: the list has its code, or
            # for the older ones their 15-digit registration number (not a code to take over).
            code = o.uscc or (self._code("92", codes) if o.pk in coded else self._registration_number())
            name = self._renamed(o.name) if o.pk in renamed else o.name
            status = rng.choice(("注销", "吊销，未注销")) if o.pk in closed else "存续(在营、开业、在册)"
            rows.append(self._row(code, name, LIST_TYPES[OrganizationType(o.org_type)], status, self._address(o)))
        townships = sorted((u for u in self.w.units.values() if u.level == UnitLevel.TOWNSHIP), key=lambda u: u.code)
        for n in range(NEW_COMPANIES):
            place = "" if n < UNPLACED else self._place(rng.choice(townships))
            name = f"罗平{rng.choice(_NEW_BRANDS)}{rng.choice(_NEW_BRANDS)}{rng.choice(_NEW_TRADES)}有限公司"
            if any(r[1] == name for r in rows):
                continue
            rows.append(self._row(self._code("91", codes), name, COMPANY, "存续", place))
        for name in ("罗平县自来水公司", "罗平县粮食购销公司", "罗平县供销社农资公司")[:STATE_OWNED]:
            rows.append(self._row(self._code("91", codes), name, "全民所有制", "存续", "罗平县罗雄街道"))
        for _n in range(CLOSED_LONG_AGO):
            name = f"罗平县{rng.choice(_NEW_BRANDS)}{rng.choice(_NEW_BRANDS)}经贸有限公司"
            rows.append(self._row(self._code("91", codes), name, COMPANY, "注销", ""))
        return rows

    def _row(self, code: str, name: str, kind: str, status: str, address: str) -> tuple[str, ...]:
        founded = dt.date(2010, 1, 1) + dt.timedelta(days=self.rng.randrange(0, 5800))
        person = self.rng.choice(_SURNAMES) + self.rng.choice("明华强军丽芳伟勇")
        return (code, name, kind, person, founded.isoformat(), status, address, "罗平县市场监督管理局")

    def _code(self, prefix: str, taken: set[str]) -> str:
        while True:
            body = f"{prefix}530324MA6" + "".join(self.rng.choice(USCC_ALPHABET) for _ in range(6))
            code = body + stdnum_uscc.calc_check_digit(body + "0")
            if code not in taken:
                taken.add(code)
                return code

    def _registration_number(self) -> str:
        return "530324600" + "".join(self.rng.choice("0123456789") for _ in range(6))

    def _renamed(self, name: str) -> str:
        for suffix in ("有限责任公司", "有限公司"):
            if name.endswith(suffix):
                return name[: -len(suffix)] + "科技发展" + suffix
        return name + "(更名)"

    def _address(self, o: Organization) -> str:
        village = o.village.name if o.village is not None else ""
        return f"云南省曲靖市罗平县{o.township.name}{village}"

    def _place(self, township: AdministrativeUnit) -> str:
        return f"罗平县{township.name}{self.rng.randrange(1, 200)}号"

    # -- the decisions --

    def decide(self) -> None:
        assert self.batch is not None
        rows = self.batch.rows.filter(decision=Decision.PENDING, township__isnull=False)
        with_closure = set(rows.filter(kind=RowKind.DEREGISTERED).values_list("township_id", flat=True))
        codes_of = rows.filter(township_id__in=with_closure, kind=RowKind.CHANGED, detail__changes__has_key="uscc")
        counts = Counter(codes_of.values_list("township_id", flat=True))
        if not counts:
            return
        township = counts.most_common(1)[0][0]
        clerk = next(u for u in self.w.clerks.values() if u.township_id == township)
        here = rows.filter(township_id=township).order_by("pk")
        codes = [r for r in here.filter(kind=RowKind.CHANGED) if set(r.detail.get("changes", {})) == {"uscc"}]
        reconcile_services.accept_rows(by=clerk, rows=codes)
        closure = here.filter(kind=RowKind.DEREGISTERED).first()
        assert closure is not None
        reconcile_services.reject_row(
            by=clerk, row=closure, reason="经核实,该组织已办理迁回登记,仍在本镇正常经营,待市场监管部门更新名单。"
        )
