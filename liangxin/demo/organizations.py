"""The organizations of the demo county: companies, private enterprises, cooperatives and
individual businesses on the economic side; associations, chambers, schools, hospitals, firms and
private non-enterprise units on the social side, in real townships and villages, with sizes that
add up to the county's figures (``county.py``)."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from stdnum.cn import uscc

from liangxin.geo.loaders import TOWNSHIP, VILLAGE, DepartmentEntry, Division
from liangxin.registry.choices import Category, OperatingStatus, OrganizationType

from .county import ECONOMIC_EMPLOYEES, ECONOMIC_ORGANIZATIONS, SOCIAL_EMPLOYEES, SOCIAL_ORGANIZATIONS, clip, fit_total
from .plan import DemoPlan, PlannedOrganization
from .words import (
    ASSOCIATIONS,
    BRANDS,
    CHAMBERS,
    COMPANY_KINDS,
    COOP_PRODUCTS,
    FEMALE,
    HOSPITALS,
    MALE,
    NON_ENTERPRISES,
    PRIVATE_KINDS,
    SCHOOLS,
    SHOP_DEPARTMENT,
    SHOPS,
    SOCIAL_GROUPS,
    SURNAMES,
    USCC_ALPHABET,
)


def _place(village_name: str) -> str:
    """``九龙社区居民委员会`` → ``九龙``, ``大洼子村民委员会`` → ``大洼子``."""
    for suffix in ("社区居民委员会", "居民委员会", "村民委员会", "村委会", "社区"):
        if village_name.endswith(suffix):
            return village_name[: -len(suffix)]
    return village_name


def _short_village(village_name: str) -> str:
    """For addresses: ``九龙社区``, ``大洼子村``."""
    place = _place(village_name)
    if "社区" in village_name or "居民委员会" in village_name:
        return f"{place}社区"
    return f"{place}村"


def _short_township(name: str) -> str:
    """``罗雄街道`` → ``罗雄``, ``鲁布革布依族苗族乡`` → ``鲁布革``."""
    for suffix in ("街道", "镇", "乡"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    changed = True
    while changed:
        changed = False
        for people in ("布依族", "苗族", "彝族", "回族", "壮族", "瑶族", "白族"):
            if name.endswith(people) and len(name) > len(people):
                name = name[: -len(people)]
                changed = True
    return name


class OrganizationPlanner:
    def __init__(self, *, seed: int, divisions: Sequence[Division], departments: Sequence[DepartmentEntry]) -> None:
        self.rng = random.Random(seed)
        self.plan = DemoPlan(seed=seed)
        self.townships = [d for d in divisions if d.level == TOWNSHIP]
        if not self.townships:
            raise ValueError("the demo needs townships")
        self.villages = {
            t.code: [d for d in divisions if d.level == VILLAGE and d.parent_code == t.code] for t in self.townships
        }
        self.township_name = {t.code: t.name for t in self.townships}
        self.village_name = {d.code: d.name for d in divisions if d.level == VILLAGE}
        self.departments = {d.code for d in departments}
        # Subdistricts (codes 001–099) are the county seat and busiest, towns (1xx) next,
        # townships (2xx) least: the statistical code says which is which.
        self.township_weights = [
            3 if int(t.code[6:9]) < 100 else 2 if int(t.code[6:9]) < 200 else 1 for t in self.townships
        ]
        self.names: set[str] = set()
        self.usccs: set[str] = set()
        self.id_numbers: set[str] = set()

    # -- small draws --

    def person(self, sex: str | None = None) -> tuple[str, str]:
        rng = self.rng
        sex = sex or rng.choice("MF")
        surname = rng.choices(SURNAMES, weights=[1 / (i + 6) for i in range(len(SURNAMES))])[0]
        pool = MALE if sex == "M" else FEMALE
        given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
        return surname + given, sex

    def phone(self) -> str:
        return "1" + self.rng.choice("3589") + "".join(self.rng.choice("0123456789") for _ in range(9))

    def township(self, name_part: str | None = None) -> str:
        if name_part:
            for t in self.townships:
                if name_part in t.name:
                    return t.code
        return self.rng.choices(self.townships, weights=self.township_weights)[0].code

    def village(self, township: str) -> str | None:
        villages = self.villages[township]
        return self.rng.choice(villages).code if villages else None

    def brand(self) -> str:
        return self.rng.choice(BRANDS)

    def unique_name(self, make: Callable[[], str]) -> str:
        for _attempt in range(200):
            name = make()
            if name not in self.names:
                self.names.add(name)
                return name
        raise ValueError("ran out of names")

    def branded(self, prefix: str, suffix: str) -> str:
        return self.unique_name(lambda: f"{prefix}{self.brand()}{suffix}")

    def uscc(self, prefix: str, region: str = "530324") -> str:
        while True:
            if prefix[0] == "5":
                # Social organizations registered before 2015 kept their 9-digit organization code.
                tail = "5" + "".join(self.rng.choice("0123456789") for _ in range(8))
            elif prefix[0] == "3":
                tail = "MD0" + "".join(self.rng.choice(USCC_ALPHABET) for _ in range(6))
            else:
                tail = "MA6" + "".join(self.rng.choice(USCC_ALPHABET) for _ in range(6))
            body = f"{prefix}{region}{tail}"
            code = body + uscc.calc_check_digit(body + "0")
            if code not in self.usccs:
                self.usccs.add(code)
                return code

    def triangular(self, low: int, mode: int, high: int) -> int:
        return clip(round(self.rng.triangular(low, high, mode)), low, high)

    def department(self, code: str | None) -> str | None:
        return code if code in self.departments else None

    # -- organizations --

    def add(self, org: PlannedOrganization) -> int:
        if org.village is None:
            org.village = self.village(org.township)
        if not org.address:
            street = _short_village(self.village_name[org.village]) if org.village else ""
            org.address = f"云南省曲靖市罗平县{self.township_name[org.township]}{street}{self.rng.randint(1, 199)}号"
        if not org.contact_person:
            org.contact_person = self.person()[0]
            org.contact_phone = self.phone()
        self.plan.organizations.append(org)
        return len(self.plan.organizations) - 1

    def economic(self) -> None:
        start = len(self.plan.organizations)
        laochang = self.township("老厂")
        luoxiong = self.township("罗雄")
        # The speech's own examples first, the rest drawn around them.
        self.add(self._company("星火实业", "B06", "KGXJ", "L", laochang, name="罗平县星火实业有限公司"))
        self.add(
            self._company(
                "煤矿",
                "B06",
                "KGXJ",
                "L",
                laochang,
                name="罗平县扎塘煤矿",
                org_type=OrganizationType.PRIVATE_ENTERPRISE,
            )
        )
        self.add(self._company("商贸", "F52", "SWJ", "M", luoxiong, name="罗平县万兴隆商贸有限公司"))
        tiers = [("L", 14 - 2), ("M", 70 - 1), ("S", 240), ("C", 150), ("I", 521)]
        assert 3 + sum(n for _t, n in tiers) == ECONOMIC_ORGANIZATIONS
        for tier, count in tiers:
            for _i in range(count):
                township = self.township()
                if tier == "C":
                    self.add(self._cooperative(township))
                elif tier == "I":
                    self.add(self._individual(township))
                else:
                    self.add(self._random_company(tier, township))
        orgs = self.plan.organizations[start:]
        # The two anchors are the biggest employers of the county.
        for anchor in (0, 1):
            biggest = max(orgs[anchor:], key=lambda o: o.employees if o.tier == "L" else -1)
            orgs[anchor].employees, biggest.employees = biggest.employees, orgs[anchor].employees
        # Organizations deregistered (注销) over the years are drawn by the history, on top of these.
        for org in orgs:
            org.operating_status = self._operating_status(org.tier)
        values = [o.employees for o in orgs]
        fit_total(values, ECONOMIC_EMPLOYEES, [o.low for o in orgs], [o.high for o in orgs])
        for org, value in zip(orgs, values, strict=True):
            org.employees = value
            org.above_designated_size = org.tier in "LM" and org.employees >= 100 and org.industry_code[0] in "BCDE"

    def _operating_status(self, tier: str) -> str:
        roll = self.rng.random()
        suspended, closed = {"L": (0.02, 0.0), "M": (0.02, 0.01), "S": (0.03, 0.02)}.get(tier, (0.02, 0.03))
        if roll < suspended:
            return OperatingStatus.SUSPENDED
        if roll < suspended + closed:
            return OperatingStatus.CLOSED
        return OperatingStatus.OPERATING

    def _company(
        self,
        kind: str,
        industry: str,
        department: str,
        tier: str,
        township: str,
        *,
        name: str = "",
        org_type: str = OrganizationType.LIMITED_COMPANY,
    ) -> PlannedOrganization:
        rng = self.rng
        if not name:
            if org_type == OrganizationType.PRIVATE_ENTERPRISE:
                villages = self.villages[township]

                def make() -> str:
                    place = _place(rng.choice(villages).name) if villages and rng.random() < 0.7 else self.brand()
                    return f"罗平县{place}{kind}"
            elif org_type == OrganizationType.JOINT_STOCK_COMPANY:

                def make() -> str:
                    return f"云南罗平{self.brand()}{kind}股份有限公司"
            else:

                def make() -> str:
                    return f"罗平县{self.brand()}{kind}{rng.choice(['有限公司', '有限公司', '有限责任公司'])}"

            name = self.unique_name(make)
        else:
            self.names.add(name)
        bounds = {"L": (300, 500, 1400), "M": (60, 90, 299), "S": (8, 12, 59)}[tier]
        fit_bounds = {"L": (300, 1600), "M": (60, 299), "S": (8, 59)}[tier]
        return PlannedOrganization(
            name=name,
            category=Category.ECONOMIC,
            org_type=org_type,
            uscc=self.uscc("91"),
            industry_code=industry,
            township=township,
            village=None,
            department=self.department(department),
            tier=tier,
            employees=self.triangular(*bounds),
            low=fit_bounds[0],
            high=fit_bounds[1],
        )

    def _random_company(self, tier: str, township: str) -> PlannedOrganization:
        rng = self.rng
        weights = {
            "L": [
                (OrganizationType.LIMITED_COMPANY, 8),
                (OrganizationType.PRIVATE_ENTERPRISE, 1),
                (OrganizationType.JOINT_STOCK_COMPANY, 1),
            ],
            "M": [
                (OrganizationType.LIMITED_COMPANY, 14),
                (OrganizationType.PRIVATE_ENTERPRISE, 4),
                (OrganizationType.JOINT_STOCK_COMPANY, 1),
                (OrganizationType.FOREIGN_INVESTED, 1),
            ],
            "S": [(OrganizationType.LIMITED_COMPANY, 11), (OrganizationType.PRIVATE_ENTERPRISE, 9)],
        }[tier]
        org_type = rng.choices([t for t, _w in weights], weights=[w for _t, w in weights])[0]
        kinds = PRIVATE_KINDS if org_type == OrganizationType.PRIVATE_ENTERPRISE else COMPANY_KINDS
        kinds = [k for k in kinds if tier in k[3]]
        kind, industry, department, _tiers, _w = rng.choices(kinds, weights=[k[4] for k in kinds])[0]
        return self._company(kind, industry, department, tier, township, org_type=org_type)

    def _cooperative(self, township: str) -> PlannedOrganization:
        rng = self.rng
        product, industry, _w = rng.choices(COOP_PRODUCTS, weights=[p[2] for p in COOP_PRODUCTS])[0]
        villages = self.villages[township]

        def make() -> str:
            place = _place(rng.choice(villages).name) if villages and rng.random() < 0.7 else self.brand()
            return f"罗平县{place}{product}{'农民' if rng.random() < 0.4 else ''}专业合作社"

        return PlannedOrganization(
            name=self.unique_name(make),
            category=Category.ECONOMIC,
            org_type=OrganizationType.FARMERS_COOPERATIVE,
            uscc=self.uscc("93"),
            industry_code=industry,
            township=township,
            village=None,
            department=self.department("NYNCJ"),
            tier="C",
            employees=self.triangular(3, 6, 40),
            low=3,
            high=40,
        )

    def _individual(self, township: str) -> PlannedOrganization:
        rng = self.rng
        shop, industry, _w = rng.choices(SHOPS, weights=[s[2] for s in SHOPS])[0]
        place = _short_township(self.township_name[township])

        def make() -> str:
            roll = rng.random()
            if roll < 0.3:
                owner = self.person()[0][0] + "记"
            elif roll < 0.4:
                owner = self.person()[0][0] + "氏"
            elif roll < 0.7:
                owner = self.person()[0][1:] or self.brand()
            else:
                owner = self.brand()
            return f"罗平县{place}{owner}{shop}"

        department = SHOP_DEPARTMENT.get(industry, "SCJGJ") if rng.random() < 0.5 else None
        return PlannedOrganization(
            name=self.unique_name(make),
            category=Category.ECONOMIC,
            org_type=OrganizationType.INDIVIDUAL_BUSINESS,
            # Most individual businesses registered before 2016 never received a code.
            uscc=self.uscc("92") if rng.random() < 0.35 else None,
            industry_code=industry,
            township=township,
            village=None,
            department=self.department(department),
            tier="I",
            employees=self.triangular(1, 2, 8),
            low=1,
            high=8,
        )

    def social(self) -> None:
        rng = self.rng
        start = len(self.plan.organizations)
        luoxiong = self.township("罗雄")
        jiulong = self.township("九龙")

        def social_org(
            name: str,
            org_type: str,
            industry: str,
            department: str | None,
            bounds: tuple[int, int, int],
            township: str | None = None,
            prefix: str = "51",
        ) -> int:
            self.names.add(name)
            return self.add(
                PlannedOrganization(
                    name=name,
                    category=Category.SOCIAL,
                    org_type=org_type,
                    # Law firms are registered by the judicial administration (code 3, by the
                    # province), not by civil affairs: see registry.identifiers.
                    uscc=self.uscc(prefix, "530000" if prefix == "31" else "530324"),
                    industry_code=industry,
                    township=township or self.township(),
                    village=None,
                    department=self.department(department),
                    tier="X",
                    employees=self.triangular(*bounds),
                    low=bounds[0],
                    high=bounds[2],
                )
            )

        # The speech's own examples.
        social_org("罗平县蜂产业协会", OrganizationType.INDUSTRY_ASSOCIATION, "S95", "NYNCJ", (10, 12, 14), luoxiong)
        social_org("罗平县九龙砖沙协会", OrganizationType.INDUSTRY_ASSOCIATION, "S95", "ZRZYJ", (8, 9, 11), jiulong)
        social_org("罗平县育才学校", OrganizationType.PRIVATE_SCHOOL, "P83", "JYTYJ", (120, 130, 140), luoxiong, "52")
        social_org("罗平县康宁医院", OrganizationType.PRIVATE_HOSPITAL, "Q84", "WJJ", (80, 90, 100), luoxiong, "52")
        for _i in range(4):
            name = self.branded("云南", "律师事务所")
            social_org(name, OrganizationType.LAW_FIRM, "L72", "SFJ", (3, 6, 12), luoxiong, "31")
        name = self.branded("云南", "会计师事务所")
        social_org(name, OrganizationType.ACCOUNTING_FIRM, "L72", "CZJ", (4, 6, 10), luoxiong, "52")
        for topic, department in ASSOCIATIONS:
            social_org(f"罗平县{topic}协会", OrganizationType.INDUSTRY_ASSOCIATION, "S95", department, (1, 3, 8))
        for province in rng.sample(CHAMBERS, 6):
            social_org(f"罗平县{province}商会", OrganizationType.CHAMBER_OF_COMMERCE, "S95", "GSL", (2, 3, 6), luoxiong)
        for group in SOCIAL_GROUPS:
            social_org(f"罗平县{group}", OrganizationType.SOCIAL_GROUP, "S95", rng.choice(["WLJ", "MZJ"]), (1, 2, 5))
        for kind, department, count in SCHOOLS:
            for _i in range(count):
                name = self.branded("罗平县", kind)
                social_org(name, OrganizationType.PRIVATE_SCHOOL, "P83", department, (8, 15, 45), None, "52")
        for kind in HOSPITALS:
            name = self.branded("罗平县", kind)
            social_org(name, OrganizationType.PRIVATE_HOSPITAL, "Q84", "WJJ", (12, 20, 45), None, "52")
        while len(self.plan.organizations) - start < SOCIAL_ORGANIZATIONS:
            kind, industry, department = rng.choice(NON_ENTERPRISES)
            name = self.branded("罗平县", kind)
            social_org(name, OrganizationType.PRIVATE_NON_ENTERPRISE, industry, department, (3, 6, 20), None, "52")
        orgs = self.plan.organizations[start:]
        for org in orgs[4:]:
            org.operating_status = OperatingStatus.OPERATING if rng.random() < 0.97 else OperatingStatus.CLOSED
        values = [o.employees for o in orgs]
        # The anchors keep their drawn size; the others make up the county's total.
        fixed = range(4)
        fit_total(
            values,
            SOCIAL_EMPLOYEES,
            [o.employees if i in fixed else o.low for i, o in enumerate(orgs)],
            [o.employees if i in fixed else o.high for i, o in enumerate(orgs)],
        )
        for org, value in zip(orgs, values, strict=True):
            org.employees = value
