"""The demo county: a believable 罗平县 calibrated to DOMAIN.md §0.1, and its demo logins.

Two phases, like an import: ``plan_demo`` draws everything from a seeded ``random.Random``
without touching the database (same seed, same county), then ``load_demo`` writes the plan
through the services in one transaction, so every row has its audit record. Organizations and
most accounts are written in bulk by helpers here (``bulk_create`` + ``log_many``): the
organization service requires an acting account, and hashing ~80 passwords one by one would
take half a minute.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _
from stdnum.cn import ric, uscc

from liangxin.accounts.models import User
from liangxin.accounts.roles import Role
from liangxin.accounts.services import create_user
from liangxin.audit.models import AuditAction
from liangxin.audit.services import diff, log_many, snapshot
from liangxin.core.errors import ServiceError
from liangxin.core.text import normalize_name, pinyin_full, pinyin_initials
from liangxin.geo.loaders import TOWNSHIP, VILLAGE, DepartmentEntry, Division, load_departments, load_divisions
from liangxin.geo.models import AdministrativeUnit, Department
from liangxin.geo.selectors import units_by_code
from liangxin.geo.services import setup_county

from . import services
from .choices import (
    Category,
    Education,
    FactSource,
    FormationMethod,
    MemberStatus,
    OperatingStatus,
    OrganizationType,
    OwnerAttitude,
    PartyOrganizationKind,
)
from .identifiers import validate_uscc
from .models import Member, Organization, OrganizationFacts, PartyOrganization
from .services import FACT_FIELDS, MemberData, create_member, create_party_organization, dissolve_party_organization

DEFAULT_SEED = 2009  # the year of the speech
DEMO_PASSWORD = "Liangxin#2026"  # noqa: S105 - the documented password of every demo account
DEMO_DATA_DIR = Path(settings.BASE_DIR) / "data" / "demo"
# The demo's census figures are as of the start of the year: the day is fixed, not today, so
# that one seed always gives the same county.
AS_OF = dt.date(2026, 1, 1)

# DOMAIN.md §0.1.
ECONOMIC_ORGANIZATIONS = 995
ECONOMIC_EMPLOYEES = 31_300
ECONOMIC_MEMBERS = 510
ECONOMIC_PARTY_ORGANIZATIONS = 37
SOCIAL_ORGANIZATIONS = 93
SOCIAL_EMPLOYEES = 1_064
SOCIAL_MEMBERS = 158
SOCIAL_PARTY_ORGANIZATIONS = 5

ADMIN_USERNAMES = ("county_admin", "leader", "sys_admin", "sec_admin", "audit_admin")
_ADMIN_ROLES = {
    "county_admin": Role.COUNTY_ADMIN,
    "leader": Role.LEADER,
    "sys_admin": Role.SYS_ADMIN,
    "sec_admin": Role.SEC_ADMIN,
    "audit_admin": Role.AUDIT_ADMIN,
}


def township_username(code: str) -> str:
    return f"township_{code}"


def department_username(code: str) -> str:
    # Lower case: logins are matched exactly, and nobody types capitals on a login form.
    return f"dept_{code.lower()}"


def secretary_username(party_organization_pk: int) -> str:
    return f"secretary_{party_organization_pk}"


# --- The plan ---------------------------------------------------------------------------------


@dataclass
class PlannedOrganization:
    name: str
    category: str
    org_type: str
    uscc: str | None
    industry_code: str
    township: str  # codes, resolved when written
    village: str | None
    department: str | None
    tier: str
    employees: int
    low: int  # bounds for fitting the employee total
    high: int
    above_designated_size: bool = False
    address: str = ""
    contact_person: str = ""
    contact_phone: str = ""
    owner_is_member: bool | None = None
    full_members: int = 0
    probationary_members: int = 0
    operating_status: str = OperatingStatus.OPERATING
    owner_attitude: str = ""
    secretary_candidate_available: bool | None = None
    payroll: Decimal | None = None
    has_union: bool | None = None
    has_youth_league: bool | None = None
    has_womens_federation: bool | None = None
    role: str = ""  # covered / joint / register / dissolved / deregistered: why the counts are fixed

    @property
    def members(self) -> int:
        return self.full_members + self.probationary_members


@dataclass
class PlannedPartyOrganization:
    name: str
    kind: str
    formation_method: str
    township: str
    founded_on: dt.date
    organizations: list[int]  # indexes into DemoPlan.organizations
    category: str
    dissolved_on: dt.date | None = None
    dissolution_reason: str = ""


@dataclass(frozen=True)
class PlannedMember:
    name: str
    id_number: str
    status: str
    admitted_on: dt.date
    full_membership_on: dt.date | None
    position: str
    education: str
    phone: str
    employer: int  # index into DemoPlan.organizations
    relation: int | None  # index into DemoPlan.party_organizations
    since: dt.date
    is_secretary: bool = False


@dataclass
class DemoPlan:
    seed: int
    organizations: list[PlannedOrganization] = field(default_factory=list)
    party_organizations: list[PlannedPartyOrganization] = field(default_factory=list)
    members: list[PlannedMember] = field(default_factory=list)
    people: list[str] = field(default_factory=list)  # names for the administrator accounts


# Names and words. Surnames roughly by frequency, with the Buyi and Yi surnames of the county.
_SURNAMES = (
    "王李张刘陈杨黄赵周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤岑普"
)
_MALE = "建国华军明强伟勇林平刚杰斌涛波磊超鹏辉俊峰文武海东春云龙成忠德福祥荣昌兴学志永光宏庆升贵发富"
_FEMALE = "秀英华丽芳敏静燕娟霞琴梅艳玲萍红兰珍凤洁慧莉婷雪琳蓉春云琼彩美菊仙"
_BRANDS = (  # noqa: SIM905 - four lines of words read better than eighty lines of list
    "鑫源 华泰 兴达 恒通 瑞丰 金鼎 宏盛 永兴 万福 富源 顺达 盛世 天成 金诚 博远 鸿运 丰泽 云岭 滇东 多依河 "
    "金鸡峰 花海 恒昌 德丰 佳禾 康达 利民 福源 祥和 吉祥 腾达 新星 隆昌 汇通 明珠 长青 百川 润丰 龙腾 凯达 "
    "嘉禾 安泰 宏达 金穗 昌盛 润泽 骏马 正通 同心 彩云 金山 青山 绿源 旺达 益民 惠民 兴旺 东升 红土 金沙 "
    "宏图 远航 和顺 泰丰 荣昌 宝丰 瑞祥 兴盛 金叶 花都 金岭 恒达 大成 聚源 众诚 合力 新城 通达 万盛 永昌"
).split()

# (name suffix, industry GB/T 4754, department code, tiers L/M/S, weight)
_COMPANY_KINDS = [
    ("煤业", "B06", "KGXJ", "LM", 3),
    ("水泥", "C30", "KGXJ", "LM", 1),
    ("建材", "C30", "KGXJ", "LMS", 3),
    ("建筑工程", "E47", "ZJJ", "LMS", 4),
    ("路桥工程", "E48", "JTYSJ", "LMS", 1),
    ("房地产开发", "K70", "ZJJ", "LMS", 2),
    ("物业服务", "K70", "ZJJ", "MS", 1),
    ("商贸", "F51", "SWJ", "LMS", 5),
    ("超市", "F52", "SWJ", "LMS", 2),
    ("汽车销售服务", "F52", "SWJ", "MS", 1),
    ("医药", "F51", "SCJGJ", "MS", 1),
    ("物流", "G54", "JTYSJ", "LMS", 2),
    ("客运", "G54", "JTYSJ", "LM", 1),
    ("运输", "G54", "JTYSJ", "MS", 2),
    ("蜂业", "C14", "NYNCJ", "LMS", 2),
    ("菜籽油", "C13", "KGXJ", "LMS", 2),
    ("食品", "C14", "SCJGJ", "MS", 2),
    ("茶业", "C15", "NYNCJ", "MS", 1),
    ("酒业", "C15", "KGXJ", "MS", 1),
    ("农业开发", "A01", "NYNCJ", "MS", 3),
    ("生态农业", "A01", "NYNCJ", "S", 2),
    ("水电开发", "D44", "KGXJ", "LMS", 1),
    ("旅游开发", "N78", "WLJ", "LMS", 1),
    ("酒店管理", "H61", "WLJ", "MS", 2),
    ("餐饮管理", "H62", "SWJ", "S", 2),
    ("化工", "C26", "KGXJ", "LM", 1),
    ("矿业", "B09", "ZRZYJ", "MS", 1),
    ("石材", "C30", "ZRZYJ", "S", 1),
    ("家具", "C21", "KGXJ", "S", 1),
    ("服装", "C18", "KGXJ", "S", 1),
    ("印务", "C23", "KGXJ", "S", 1),
    ("广告传媒", "L72", "SCJGJ", "S", 1),
    ("劳务服务", "L72", "RSJ", "S", 1),
    ("电子商务", "F52", "SWJ", "S", 1),
    ("农机服务", "A05", "NYNCJ", "S", 1),
]
# Sole proprietorships and partnerships: named after a place, no 有限公司.
_PRIVATE_KINDS = [
    ("煤矿", "B06", "KGXJ", "LMS", 3),
    ("砖厂", "C30", "ZRZYJ", "S", 2),
    ("采石场", "B10", "ZRZYJ", "S", 2),
    ("加油站", "F52", "SWJ", "S", 1),
    ("养殖场", "A03", "NYNCJ", "S", 2),
    ("酒厂", "C15", "SCJGJ", "S", 1),
    ("茶厂", "C15", "NYNCJ", "S", 1),
    ("榨油厂", "C13", "SCJGJ", "S", 1),
    ("木材加工厂", "C20", "KGXJ", "S", 1),
]
_SHOPS = [
    ("米线店", "H62", 5),
    ("小吃店", "H62", 4),
    ("饭店", "H62", 4),
    ("烧烤店", "H62", 2),
    ("农家乐", "H62", 2),
    ("客栈", "H61", 2),
    ("便利店", "F52", 5),
    ("副食店", "F52", 4),
    ("五金店", "F52", 3),
    ("农资经营部", "F52", 4),
    ("建材经营部", "F52", 3),
    ("服装店", "F52", 3),
    ("手机店", "F52", 2),
    ("烟酒店", "F52", 2),
    ("茶叶店", "F52", 1),
    ("粮油店", "F52", 2),
    ("蜂蜜经营部", "F52", 3),
    ("药店", "F52", 2),
    ("汽车修理部", "O81", 3),
    ("摩托车修理部", "O81", 2),
    ("家电维修部", "O81", 1),
    ("洗车店", "O81", 1),
    ("理发店", "O80", 3),
    ("美容店", "O80", 2),
    ("照相馆", "O80", 1),
    ("诊所", "Q84", 1),
    ("货运部", "G54", 2),
    ("快递服务点", "G60", 1),
    ("豆腐坊", "C13", 1),
    ("榨油坊", "C13", 1),
    ("养殖场", "A03", 3),
]
_SHOP_DEPARTMENT = {"H61": "WLJ", "Q84": "WJJ", "G54": "JTYSJ", "G60": "JTYSJ", "A03": "NYNCJ"}
_COOP_PRODUCTS = [
    ("养蜂", "A03", 6),
    ("油菜种植", "A01", 4),
    ("小黄姜种植", "A01", 4),
    ("生猪养殖", "A03", 3),
    ("蔬菜种植", "A01", 3),
    ("烤烟种植", "A01", 2),
    ("肉牛养殖", "A03", 2),
    ("山羊养殖", "A03", 2),
    ("魔芋种植", "A01", 1),
    ("核桃种植", "A01", 1),
    ("茶叶种植", "A01", 1),
    ("水果种植", "A01", 2),
    ("中药材种植", "A01", 1),
    ("食用菌种植", "A01", 1),
    ("花卉种植", "A01", 1),
    ("土鸡养殖", "A03", 2),
    ("水产养殖", "A04", 1),
    ("农机服务", "A05", 1),
]
_ASSOCIATIONS = [
    ("油菜花产业", "NYNCJ"),
    ("小黄姜产业", "NYNCJ"),
    ("生猪产业", "NYNCJ"),
    ("蔬菜产业", "NYNCJ"),
    ("茶叶产业", "NYNCJ"),
    ("中药材产业", "NYNCJ"),
    ("水产养殖", "NYNCJ"),
    ("农机", "NYNCJ"),
    ("旅游", "WLJ"),
    ("酒店业", "WLJ"),
    ("餐饮行业", "SWJ"),
    ("电子商务", "SWJ"),
    ("建筑业", "ZJJ"),
    ("房地产业", "ZJJ"),
    ("道路运输", "JTYSJ"),
    ("物流", "JTYSJ"),
    ("汽车维修", "JTYSJ"),
    ("煤炭行业", "KGXJ"),
    ("个体劳动者", "SCJGJ"),
    ("美容美发", "SCJGJ"),
    ("消费者", "SCJGJ"),
    ("私营企业", "GSL"),
    ("家政服务", "RSJ"),
    ("民办教育", "JYTYJ"),
    ("砂石行业", "ZRZYJ"),
]
_CHAMBERS = ["浙江", "福建", "四川", "贵州", "湖南", "江西", "广东", "重庆", "湖北", "河南"]
_SOCIAL_GROUPS = [
    "老年体育协会",
    "摄影家协会",
    "书法家协会",
    "作家协会",
    "音乐舞蹈家协会",
    "民间文艺家协会",
    "收藏家协会",
    "登山运动协会",
    "篮球协会",
    "钓鱼协会",
    "志愿者协会",
    "慈善协会",
    "布依族文化研究会",
    "彝族文化研究会",
    "诗词楹联学会",
    "老科技工作者协会",
]
_NON_ENTERPRISES = [
    ("养老院", "Q85", "MZJ"),
    ("老年公寓", "Q85", "MZJ"),
    ("社会工作服务中心", "Q85", "MZJ"),
    ("文化艺术中心", "R88", "WLJ"),
    ("体育健身中心", "R89", "JYTYJ"),
    ("康复中心", "Q84", "WJJ"),
    ("托育中心", "Q85", "WJJ"),
    ("职业技能培训中心", "P83", "RSJ"),
]
_SCHOOLS = [("幼儿园", "JYTYJ", 6), ("艺术培训学校", "JYTYJ", 2), ("职业技能培训学校", "RSJ", 2)]
_HOSPITALS = ["中医医院", "口腔医院", "妇产医院"]

_DISSOLUTION_REASONS = [
    "煤矿停产整顿,党员外出务工,正式党员不足3名。",
    "企业经营困难大幅裁员,党员相继离职,正式党员不足3名。",
    "商会换届后党员会员退出,正式党员不足3名,组织关系已转出。",
]
_EDUCATION_ECONOMIC = [
    (Education.PRIMARY, 4),
    (Education.JUNIOR, 24),
    (Education.SENIOR, 30),
    (Education.COLLEGE, 24),
    (Education.BACHELOR, 16),
    (Education.POSTGRADUATE, 2),
]
_EDUCATION_SOCIAL = [
    (Education.SENIOR, 8),
    (Education.COLLEGE, 30),
    (Education.BACHELOR, 52),
    (Education.POSTGRADUATE, 10),
]
_POSITIONS: dict[str, list[str]] = {
    OrganizationType.INDIVIDUAL_BUSINESS: ["业主", "店员"],
    OrganizationType.FARMERS_COOPERATIVE: ["理事长", "社员", "技术员"],
    OrganizationType.INDUSTRY_ASSOCIATION: ["会长", "秘书长", "工作人员"],
    OrganizationType.CHAMBER_OF_COMMERCE: ["会长", "秘书长", "工作人员"],
    OrganizationType.SOCIAL_GROUP: ["会长", "秘书长", "工作人员"],
    OrganizationType.PRIVATE_SCHOOL: ["教师", "教师", "教师", "校长", "副校长", "教务主任"],
    OrganizationType.PRIVATE_HOSPITAL: ["医生", "医生", "护士", "护士", "院长", "药剂师"],
    OrganizationType.LAW_FIRM: ["律师", "律师", "主任律师"],
    OrganizationType.ACCOUNTING_FIRM: ["注册会计师", "会计"],
    OrganizationType.PRIVATE_NON_ENTERPRISE: ["负责人", "工作人员", "工作人员"],
}
_COMPANY_POSITIONS = [
    "职工",
    "职工",
    "职工",
    "技术员",
    "班组长",
    "车间主任",
    "安全员",
    "驾驶员",
    "办公室主任",
    "财务人员",
    "销售经理",
    "副总经理",
    "总经理",
]

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _clip(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def fit_total(values: list[int], target: int, lows: Sequence[int], highs: Sequence[int]) -> None:
    """Change ``values`` in place, within their bounds, until they sum to ``target``: first in
    proportion to each value (the big ones absorb most), then one by one."""
    for _round in range(50):
        gap = target - sum(values)
        if gap == 0:
            return
        room = [i for i, v in enumerate(values) if (gap > 0 and v < highs[i]) or (gap < 0 and v > lows[i])]
        if not room:
            break
        weight = sum(values[i] for i in room) or 1
        moved = False
        for i in room:
            step = int(gap * values[i] / weight)
            if step:
                new = _clip(values[i] + step, lows[i], highs[i])
                moved = moved or new != values[i]
                values[i] = new
        if not moved:
            for i in sorted(room, key=lambda i: -values[i]):
                if gap == 0:
                    break
                values[i] += 1 if gap > 0 else -1
                gap += -1 if gap > 0 else 1
    if sum(values) != target:
        raise ValueError(f"cannot reach {target} within the bounds")


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


class _Planner:
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
        surname = rng.choices(_SURNAMES, weights=[1 / (i + 6) for i in range(len(_SURNAMES))])[0]
        pool = _MALE if sex == "M" else _FEMALE
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
        return self.rng.choice(_BRANDS)

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
                tail = "MD0" + "".join(self.rng.choice(_USCC_ALPHABET) for _ in range(6))
            else:
                tail = "MA6" + "".join(self.rng.choice(_USCC_ALPHABET) for _ in range(6))
            body = f"{prefix}{region}{tail}"
            code = body + uscc.calc_check_digit(body + "0")
            if code not in self.usccs:
                self.usccs.add(code)
                return code

    def triangular(self, low: int, mode: int, high: int) -> int:
        return _clip(round(self.rng.triangular(low, high, mode)), low, high)

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
        rng = self.rng
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
        # A couple of individual businesses have been deregistered (注销) since the last census.
        individuals = [o for o in orgs if o.tier == "I"]
        for org in rng.sample(individuals, 2):
            org.operating_status = OperatingStatus.DEREGISTERED
            org.role = "deregistered"
            org.employees = org.low = org.high = 0
        for org in orgs:
            if org.role != "deregistered":
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
        kinds = _PRIVATE_KINDS if org_type == OrganizationType.PRIVATE_ENTERPRISE else _COMPANY_KINDS
        kinds = [k for k in kinds if tier in k[3]]
        kind, industry, department, _tiers, _w = rng.choices(kinds, weights=[k[4] for k in kinds])[0]
        return self._company(kind, industry, department, tier, township, org_type=org_type)

    def _cooperative(self, township: str) -> PlannedOrganization:
        rng = self.rng
        product, industry, _w = rng.choices(_COOP_PRODUCTS, weights=[p[2] for p in _COOP_PRODUCTS])[0]
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
        shop, industry, _w = rng.choices(_SHOPS, weights=[s[2] for s in _SHOPS])[0]
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

        department = _SHOP_DEPARTMENT.get(industry, "SCJGJ") if rng.random() < 0.5 else None
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
        for topic, department in _ASSOCIATIONS:
            social_org(f"罗平县{topic}协会", OrganizationType.INDUSTRY_ASSOCIATION, "S95", department, (1, 3, 8))
        for province in rng.sample(_CHAMBERS, 6):
            social_org(f"罗平县{province}商会", OrganizationType.CHAMBER_OF_COMMERCE, "S95", "GSL", (2, 3, 6), luoxiong)
        for group in _SOCIAL_GROUPS:
            social_org(f"罗平县{group}", OrganizationType.SOCIAL_GROUP, "S95", rng.choice(["WLJ", "MZJ"]), (1, 2, 5))
        for kind, department, count in _SCHOOLS:
            for _i in range(count):
                name = self.branded("罗平县", kind)
                social_org(name, OrganizationType.PRIVATE_SCHOOL, "P83", department, (8, 15, 45), None, "52")
        for kind in _HOSPITALS:
            name = self.branded("罗平县", kind)
            social_org(name, OrganizationType.PRIVATE_HOSPITAL, "Q84", "WJJ", (12, 20, 45), None, "52")
        while len(self.plan.organizations) - start < SOCIAL_ORGANIZATIONS:
            kind, industry, department = rng.choice(_NON_ENTERPRISES)
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


class _MemberPlanner:
    """Decides how many members each organization has and which party organizations exist,
    then draws the people. Counts are fixed organization by organization, so that the roster
    equals the facts."""

    def __init__(self, planner: _Planner) -> None:
        self.p = planner
        self.rng = planner.rng
        self.orgs = planner.plan.organizations

    def indexes(self, category: str) -> list[int]:
        return [i for i, o in enumerate(self.orgs) if o.category == category]

    def set_counts(self, i: int, full: int, probationary: int, role: str) -> None:
        org = self.orgs[i]
        full = min(full, org.employees)
        org.full_members = full
        org.probationary_members = min(probationary, org.employees - full)
        org.role = role

    def party_org(
        self,
        name: str,
        kind: str,
        method: str,
        organizations: list[int],
        category: str,
        founded: tuple[int, int] = (2009, 2024),
    ) -> PlannedPartyOrganization:
        rng = self.rng
        founded_on = dt.date(rng.randint(*founded), rng.randint(1, 12), rng.randint(1, 28))
        party_org = PlannedPartyOrganization(
            name=name,
            kind=kind,
            formation_method=method,
            township=self.orgs[organizations[0]].township,
            founded_on=min(founded_on, AS_OF - dt.timedelta(days=60)),
            organizations=organizations,
            category=category,
        )
        self.p.plan.party_organizations.append(party_org)
        return party_org

    def free(self, candidates: list[int]) -> list[int]:
        return [
            i
            for i in candidates
            if not self.orgs[i].role and self.orgs[i].operating_status != OperatingStatus.DEREGISTERED
        ]

    def independent(self, i: int, full: tuple[int, int], probationary: tuple[int, int], category: str) -> None:
        rng = self.rng
        self.set_counts(i, rng.randint(*full), rng.randint(*probationary), "covered")
        org = self.orgs[i]
        org.operating_status = OperatingStatus.OPERATING
        roll = rng.random()
        method = (
            FormationMethod.INDEPENDENT
            if roll < 0.75
            else FormationMethod.TERRITORIAL
            if roll < 0.9
            else FormationMethod.HOST_BASED
        )
        self.party_org(f"{org.name}党支部", PartyOrganizationKind.BRANCH, method, [i], category)

    def joint(self, members: list[int], name: str, category: str) -> None:
        rng = self.rng
        for i in members:
            self.set_counts(i, rng.choice([1, 1, 2]), rng.choice([0, 0, 0, 1]), "joint")
            self.orgs[i].operating_status = OperatingStatus.OPERATING
        # A joint branch needs three full members in all, though none of its organizations has.
        for i in members:
            if sum(self.orgs[j].full_members for j in members) >= 3:
                break
            org = self.orgs[i]
            if org.full_members < 2 and org.employees >= 2:
                org.full_members = 2
                org.probationary_members = min(org.probationary_members, org.employees - 2)
        if sum(self.orgs[j].full_members for j in members) < 3:
            raise ValueError("joint branch without three full members")
        self.party_org(name, PartyOrganizationKind.JOINT_BRANCH, FormationMethod.JOINT, members, category, (2014, 2024))

    def dissolved(self, i: int, full: int, reason: str, category: str) -> None:
        self.set_counts(i, full, 0, "dissolved")
        party_org = self.party_org(
            f"{self.orgs[i].name}党支部",
            PartyOrganizationKind.BRANCH,
            FormationMethod.INDEPENDENT,
            [i],
            category,
            (2010, 2015),
        )
        rng = self.rng
        party_org.dissolved_on = dt.date(rng.randint(2017, 2024), rng.randint(1, 12), rng.randint(1, 28))
        party_org.dissolution_reason = reason

    def register(self, i: int) -> None:
        """≥3 full members and no party organization: work for the census to find."""
        self.set_counts(i, self.rng.randint(3, 5), self.rng.choice([0, 0, 1]), "register")
        self.orgs[i].operating_status = OperatingStatus.OPERATING

    def scatter(self, category: str, target: int) -> None:
        """One or two members each in organizations without a party organization, the bigger
        the organization the likelier, until the category's total is reached."""
        rng = self.rng
        indexes = self.indexes(category)
        have = sum(self.orgs[i].members for i in indexes)
        remaining = target - have
        if remaining < 0:
            raise ValueError("fixed member counts exceed the target")
        pool = [
            i
            for i in self.free(indexes)
            if self.orgs[i].operating_status in (OperatingStatus.OPERATING, OperatingStatus.SUSPENDED)
        ]
        while remaining > 0:
            if not pool:
                raise ValueError("no organization left for the remaining members")
            i = rng.choices(pool, weights=[min(self.orgs[j].employees, 60) ** 0.7 for j in pool])[0]
            pool.remove(i)
            org = self.orgs[i]
            count = min(remaining, org.employees, rng.choice([1, 1, 1, 2, 2]))
            probationary = sum(1 for _ in range(count) if rng.random() < 0.1)
            self.set_counts(i, count - probationary, probationary, "scattered")
            remaining -= count

    def trim(self, category: str, target: int, reserve: int) -> None:
        """Keep ``reserve`` members for the organizations without a party organization: take
        them, if needed, from the biggest covered rosters (never below three full members)."""
        indexes = [i for i in self.indexes(category) if self.orgs[i].role == "covered"]
        while sum(o.members for o in self.orgs if o.category == category) > target - reserve:
            biggest = max(indexes, key=lambda i: (self.orgs[i].full_members, -i))
            if self.orgs[biggest].full_members <= 3:
                raise ValueError("cannot trim the covered rosters")
            self.orgs[biggest].full_members -= 1

    def economic(self) -> None:
        rng = self.rng
        econ = self.indexes(Category.ECONOMIC)
        by_tier: dict[str, list[int]] = {}
        for i in econ:
            by_tier.setdefault(self.orgs[i].tier, []).append(i)
        # The biggest employer has a general branch (党总支): close to fifty members.
        first = econ[0]
        self.set_counts(first, rng.randint(40, 45), rng.randint(2, 4), "covered")
        self.orgs[first].operating_status = OperatingStatus.OPERATING
        self.party_org(
            f"{self.orgs[first].name}党总支",
            PartyOrganizationKind.GENERAL_BRANCH,
            FormationMethod.INDEPENDENT,
            [first],
            Category.ECONOMIC,
            (2009, 2012),
        )
        # The speech's "formed and fallen apart" cases, before anything else takes the orgs.
        mines = [i for i in self.free(by_tier["S"] + by_tier["M"]) if self.orgs[i].name.endswith("煤矿")]
        mine = mines[0] if mines else self.free(by_tier["S"])[0]
        self.dissolved(mine, 2, _DISSOLUTION_REASONS[0], Category.ECONOMIC)
        self.orgs[mine].operating_status = OperatingStatus.SUSPENDED
        self.dissolved(rng.choice(self.free(by_tier["S"])), 1, _DISSOLUTION_REASONS[1], Category.ECONOMIC)

        large = self.free(by_tier["L"])
        for i in large[:11]:
            self.independent(i, (6, 20), (0, 2), Category.ECONOMIC)
        for i in rng.sample(self.free(by_tier["M"]), 16):
            self.independent(i, (3, 10), (0, 1), Category.ECONOMIC)
        for i in rng.sample(self.free(by_tier["S"] + by_tier["C"]), 5):
            self.independent(i, (3, 5), (0, 1), Category.ECONOMIC)

        # Four joint branches of neighbouring small organizations of a similar trade.
        joint_specs = [
            ("C", "农民专业合作社联合党支部"),
            ("I", "个体工商户联合党支部"),
            ("S", "非公企业联合党支部"),
            ("C", "养蜂专业合作社联合党支部"),
        ]
        used: set[tuple[str, str]] = set()
        for tier, suffix in joint_specs:
            for attempt in range(100):
                township = self.p.township()
                if (township, suffix) in used:
                    continue
                candidates = [i for i in self.free(by_tier[tier]) if self.orgs[i].township == township]
                if suffix.startswith("养蜂") and attempt < 50:
                    candidates = [i for i in candidates if "养蜂" in self.orgs[i].name]
                if len(candidates) >= 2:
                    break
            else:
                raise ValueError("no township for a joint branch")
            used.add((township, suffix))
            chosen = rng.sample(candidates, min(len(candidates), rng.randint(2, 5)))
            name = f"罗平县{self.p.township_name[township]}{suffix}"
            self.joint(chosen, name, Category.ECONOMIC)

        for i in rng.sample(self.free(by_tier["M"] + by_tier["S"]), 6):
            self.register(i)
        self.trim(Category.ECONOMIC, ECONOMIC_MEMBERS, reserve=80)
        self.scatter(Category.ECONOMIC, ECONOMIC_MEMBERS)

    def social(self) -> None:
        rng = self.rng
        social = self.indexes(Category.SOCIAL)
        bee, sand, school, hospital = social[:4]
        self.independent(bee, (4, 6), (0, 1), Category.SOCIAL)
        self.independent(sand, (3, 5), (0, 1), Category.SOCIAL)
        self.independent(school, (26, 34), (1, 3), Category.SOCIAL)
        self.independent(hospital, (16, 22), (1, 2), Category.SOCIAL)
        law = [i for i in social if self.orgs[i].org_type == OrganizationType.LAW_FIRM]
        self.joint(law[:3], "罗平县律师行业联合党支部", Category.SOCIAL)
        chambers = [i for i in social if self.orgs[i].org_type == OrganizationType.CHAMBER_OF_COMMERCE]
        self.dissolved(chambers[0], 1, _DISSOLUTION_REASONS[2], Category.SOCIAL)
        bigger = [i for i in self.free(social) if self.orgs[i].employees >= 8]
        for i in rng.sample(bigger, 4):
            self.register(i)
        self.trim(Category.SOCIAL, SOCIAL_MEMBERS, reserve=40)
        self.scatter(Category.SOCIAL, SOCIAL_MEMBERS)

    # -- facts that follow from the counts --

    def finish_facts(self) -> None:
        rng = self.rng
        covered = {i for po in self.p.plan.party_organizations if po.dissolved_on is None for i in po.organizations}
        for i, org in enumerate(self.orgs):
            if org.operating_status == OperatingStatus.DEREGISTERED:
                continue
            if i in covered:
                org.owner_attitude = OwnerAttitude.SUPPORTIVE if rng.random() < 0.9 else OwnerAttitude.NEUTRAL
                org.secretary_candidate_available = True
            else:
                org.owner_attitude = rng.choices(
                    [OwnerAttitude.SUPPORTIVE, OwnerAttitude.NEUTRAL, OwnerAttitude.UNSUPPORTIVE, ""],
                    weights=[45, 38, 11, 6],
                )[0]
                if org.role == "register":
                    org.secretary_candidate_available = rng.random() < 0.6
                elif org.members:
                    org.secretary_candidate_available = rng.random() < 0.2
            if org.members:
                org.owner_is_member = rng.random() < 0.25
            elif rng.random() < 0.7:
                org.owner_is_member = False
            wage = (2.4, 4.0) if org.tier == "I" else (3.0, 7.5)
            org.payroll = Decimal(str(round(org.employees * rng.uniform(*wage), 2)))
            org.has_union = rng.random() < (0.75 if org.employees >= 25 else 0.08)
            org.has_youth_league = rng.random() < (0.4 if org.employees >= 50 else 0.03)
            org.has_womens_federation = rng.random() < (0.35 if org.employees >= 50 else 0.03)

    # -- people --

    def id_number(self, birth: dt.date, sex: str) -> str:
        # 罗平县 was 532226 until 1997 and 530324 since; the number carries the code of the
        # birth year, which python-stdnum checks.
        region = "530324" if birth.year >= 1997 else "532226"
        while True:
            sequence = self.rng.randrange(0, 1000)
            if (sequence % 2 == 1) != (sex == "M"):
                sequence = (sequence + 1) % 1000
            body = f"{region}{birth:%Y%m%d}{sequence:03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in self.p.id_numbers:
                self.p.id_numbers.add(number)
                return number

    def person(self, org: PlannedOrganization, status: str) -> tuple[str, str, dt.date, dt.date, dt.date | None]:
        rng = self.rng
        male_share = 0.5 if org.category == Category.SOCIAL else 0.68
        name, sex = self.p.person("M" if rng.random() < male_share else "F")
        if status == MemberStatus.PROBATIONARY:
            birth = dt.date(rng.randint(1984, 2000), rng.randint(1, 12), rng.randint(1, 28))
            admitted = AS_OF - dt.timedelta(days=rng.randint(30, 330))
            return name, sex, birth, admitted, None
        birth = dt.date(rng.randint(1960, 1998), rng.randint(1, 12), rng.randint(1, 28))
        earliest = max(dt.date(birth.year + 19, birth.month, birth.day), dt.date(1982, 1, 1))
        latest = AS_OF - dt.timedelta(days=420)
        admitted = earliest + dt.timedelta(days=rng.randint(0, max(0, (latest - earliest).days)))
        full_on = admitted + dt.timedelta(days=365 + rng.randint(0, 20))
        return name, sex, birth, admitted, full_on

    def members(self) -> None:
        rng = self.rng
        plan = self.p.plan
        relation_of: dict[int, int] = {}
        joint_by_township: dict[str, list[int]] = {}
        for k, po in enumerate(plan.party_organizations):
            if po.dissolved_on is not None:
                continue
            for i in po.organizations:
                relation_of[i] = k
            if po.kind == PartyOrganizationKind.JOINT_BRANCH:
                joint_by_township.setdefault(po.township, []).append(k)
        secretaries: dict[int, tuple[dt.date, int]] = {}
        for i, org in enumerate(self.orgs):
            positions = _POSITIONS.get(org.org_type, _COMPANY_POSITIONS)
            education = _EDUCATION_SOCIAL if org.category == Category.SOCIAL else _EDUCATION_ECONOMIC
            statuses = [MemberStatus.FULL] * org.full_members + [MemberStatus.PROBATIONARY] * org.probationary_members
            for status in statuses:
                name, sex, birth, admitted, full_on = self.person(org, status)
                relation = relation_of.get(i)
                if relation is None and org.township in joint_by_township and rng.random() < 0.35:
                    # Relations of members whose employer cannot form a party organization are
                    # held by the township's joint branch.
                    relation = rng.choice(joint_by_township[org.township])
                if relation is not None:
                    since = max(plan.party_organizations[relation].founded_on, admitted)
                else:
                    since = max(admitted, dt.date(rng.randint(2010, 2025), rng.randint(1, 12), rng.randint(1, 28)))
                since = min(since, AS_OF)
                plan.members.append(
                    PlannedMember(
                        name=name,
                        id_number=self.id_number(birth, sex),
                        status=status,
                        admitted_on=admitted,
                        full_membership_on=full_on,
                        position=rng.choice(positions),
                        education=rng.choices([e for e, _w in education], weights=[w for _e, w in education])[0],
                        phone=self.p.phone(),
                        employer=i,
                        relation=relation,
                        since=since,
                    )
                )
                # The secretary: the longest-standing full member employed where the party
                # organization is (for a joint branch, in any of its organizations).
                if status == MemberStatus.FULL and relation_of.get(i) is not None:
                    k = relation_of[i]
                    m = len(plan.members) - 1
                    if k not in secretaries or admitted < secretaries[k][0]:
                        secretaries[k] = (admitted, m)
        for _admitted, m in secretaries.values():
            plan.members[m] = replace(plan.members[m], is_secretary=True)


def plan_demo(*, seed: int, divisions: Sequence[Division], departments: Sequence[DepartmentEntry]) -> DemoPlan:
    """Draw the whole county from ``seed`` without touching the database."""
    planner = _Planner(seed=seed, divisions=divisions, departments=departments)
    planner.economic()
    planner.social()
    members = _MemberPlanner(planner)
    members.economic()
    members.social()
    members.finish_facts()
    members.members()
    planner.plan.people = [planner.person()[0] for _i in range(8)]
    return planner.plan


# --- Writing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSummary:
    seed: int
    organizations: int
    party_organizations: int
    active_party_organizations: int
    members: int
    users: int
    seconds: float


def demo_present() -> bool:
    """Whether the database holds the demo county: only ``load_demo`` writes demo facts."""
    return OrganizationFacts.objects.filter(source=FactSource.DEMO).exists()


def _create_organizations(
    planned: Sequence[PlannedOrganization],
    units: dict[str, AdministrativeUnit],
    departments: dict[str, Department],
) -> list[Organization]:
    organizations = []
    for p in planned:
        organizations.append(
            Organization(
                uscc=validate_uscc(p.uscc) if p.uscc else None,
                name=p.name,
                name_normalized=normalize_name(p.name),
                name_initials=pinyin_initials(p.name),
                name_pinyin=pinyin_full(p.name),
                category=p.category,
                org_type=p.org_type,
                industry_code=p.industry_code,
                township=units[p.township],
                village=units[p.village] if p.village else None,
                department=departments.get(p.department) if p.department else None,
                above_designated_size=p.above_designated_size,
                address=p.address,
                contact_person=p.contact_person,
                contact_phone=p.contact_phone,
                owner_is_member=p.owner_is_member,
            )
        )
    Organization.objects.bulk_create(organizations, batch_size=500)
    facts = [
        OrganizationFacts(
            organization=organization,
            valid_from=AS_OF,
            source=FactSource.DEMO,
            recorded_by=None,
            # Facts fields the plan does not draw keep their defaults, as in FactsData.
            **{name: getattr(p, name) for name in FACT_FIELDS if hasattr(p, name)},
        )
        for organization, p in zip(organizations, planned, strict=True)
    ]
    OrganizationFacts.objects.bulk_create(facts, batch_size=500)
    # The same record create_organization writes: the organization and its first facts.
    entries = []
    for organization, row in zip(organizations, facts, strict=True):
        facts_snapshot = snapshot(row)
        facts_values = {name: facts_snapshot[name] for name in FACT_FIELDS if name in facts_snapshot}
        entries.append((organization, diff(None, snapshot(organization) | facts_values)))
    log_many(actor=None, action=AuditAction.CREATE, entries=entries)
    return organizations


def _assign_secretaries(assignments: Sequence[tuple[PartyOrganization, Member]]) -> None:
    services.set_secretaries(by=None, assignments=assignments)


def _create_users(
    *,
    people: Sequence[str],
    townships: Sequence[AdministrativeUnit],
    departments: Sequence[Department],
    secretaries: Sequence[tuple[PartyOrganization, Member]],
) -> list[User]:
    """The first account goes through ``create_user`` (password validation, hashing, audit);
    the others reuse its password hash, written in bulk and audited the same way."""
    first = create_user(
        by=None, username="county_admin", password=DEMO_PASSWORD, role=Role.COUNTY_ADMIN, full_name=people[0]
    )
    users: list[User] = []
    titles = {"leader": "县委副书记", "sys_admin": "信息中心", "sec_admin": "保密办", "audit_admin": "县委巡察办"}
    for k, username in enumerate(ADMIN_USERNAMES[1:], start=1):
        users.append(User(username=username, role=_ADMIN_ROLES[username], full_name=f"{titles[username]} {people[k]}"))
    for township in townships:
        users.append(
            User(
                username=township_username(township.code),
                role=Role.TOWNSHIP_CLERK,
                township=township,
                full_name=_("%(unit)s党(工)委组织委员") % {"unit": township.name},
            )
        )
    for department in departments:
        users.append(
            User(
                username=department_username(department.code),
                role=Role.DEPARTMENT_CLERK,
                department=department,
                full_name=_("%(unit)s党建工作人员") % {"unit": department.name},
            )
        )
    for party_org, member in secretaries:
        users.append(
            User(
                username=secretary_username(party_org.pk),
                role=Role.SECRETARY,
                party_organization=party_org,
                full_name=member.name,
            )
        )
    for user in users:
        user.password = first.password
    User.objects.bulk_create(users)
    log_many(actor=None, action=AuditAction.CREATE, entries=[(u, diff(None, snapshot(u))) for u in users])
    return [first, *users]


def load_demo(*, seed: int = DEFAULT_SEED, data_dir: Path = DEMO_DATA_DIR) -> DemoSummary:
    """Write the demo county into an empty database, through the services, in one transaction."""
    started = time.perf_counter()
    if AdministrativeUnit.objects.exists():
        raise ServiceError(_("数据库中已有行政区划,演示数据只能加载到空数据库。"))
    divisions, problems = load_divisions(data_dir / "luoping_divisions.csv")
    department_rows, department_problems = load_departments(data_dir / "departments.csv")
    if problems or department_problems:
        raise ServiceError("\n".join(str(p) for p in [*problems, *department_problems]))
    plan = plan_demo(seed=seed, divisions=divisions, departments=department_rows)

    with transaction.atomic():
        setup_county(by=None, divisions=divisions, departments=department_rows)
        units = units_by_code()
        departments = {d.code: d for d in Department.objects.all()}
        organizations = _create_organizations(plan.organizations, units, departments)

        party_orgs: list[PartyOrganization] = []
        for p in plan.party_organizations:
            party_org = create_party_organization(
                by=None,
                name=p.name,
                kind=p.kind,
                formation_method=p.formation_method,
                township=units[p.township],
                founded_on=p.founded_on,
                organizations=[organizations[i] for i in p.organizations],
            )
            if p.dissolved_on is not None:
                party_org = dissolve_party_organization(
                    by=None, party_organization=party_org, on=p.dissolved_on, reason=p.dissolution_reason
                )
            party_orgs.append(party_org)

        secretaries: list[tuple[PartyOrganization, Member]] = []
        for m in plan.members:
            member = create_member(
                by=None,
                data=MemberData(
                    name=m.name,
                    id_number=m.id_number,
                    status=m.status,
                    admitted_on=m.admitted_on,
                    full_membership_on=m.full_membership_on,
                    position=m.position,
                    education=m.education,
                    phone=m.phone,
                ),
                party_organization=party_orgs[m.relation] if m.relation is not None else None,
                employer=organizations[m.employer],
                as_of=m.since,
            )
            if m.is_secretary and m.relation is not None:
                secretaries.append((party_orgs[m.relation], member))
        secretaries.sort(key=lambda pair: pair[0].pk)
        _assign_secretaries(secretaries)

        townships = sorted((u for u in units.values() if u.level == TOWNSHIP), key=lambda u: u.code)
        users = _create_users(
            people=plan.people,
            townships=townships,
            departments=sorted(departments.values(), key=lambda d: d.code),
            secretaries=secretaries,
        )
        # Two-factor devices for the roles that require it, with secrets a visitor can read off
        # the demo login page (`manage.py demo_totp` prints them).
        from liangxin.security.demo import create_demo_totp_devices

        create_demo_totp_devices()
        # Five-goods ratings of last year (coverage indicators, issue 6).
        from liangxin.coverage.demo import rate_demo_party_organizations

        rate_demo_party_organizations(party_orgs, seed=seed)
        if connection.vendor == "postgresql":
            # A bulk load: the planner gets statistics now, not at autovacuum's next pass (with
            # the ones of the empty tables it nests loops over thousands of rows).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    return DemoSummary(
        seed=seed,
        organizations=len(organizations),
        party_organizations=len(party_orgs),
        active_party_organizations=sum(1 for p in party_orgs if p.dissolved_on is None),
        members=len(plan.members),
        users=len(users),
        seconds=time.perf_counter() - started,
    )


# --- The demo logins --------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    role_label: str
    scope_label: str
    group: str  # "admin", "township", "department", "secretary": how the lists group them


def demo_accounts() -> list[DemoAccount]:
    """The demo logins present in the database, in the order a visitor should try them: the
    county-wide and administrator roles, then one per township, department and party
    organization. Empty unless the demo county is loaded (a real county's accounts are never
    listed, whatever their names)."""
    if not demo_present():
        return []
    users = User.objects.filter(is_active=True).select_related("township", "department", "party_organization")
    by_group: dict[str, list[User]] = {"admin": [], "township": [], "department": [], "secretary": []}
    for user in users:
        if user.username in _ADMIN_ROLES and user.role == _ADMIN_ROLES[user.username]:
            by_group["admin"].append(user)
        elif (
            user.role == Role.TOWNSHIP_CLERK
            and user.township
            and user.username == township_username(user.township.code)
        ):
            by_group["township"].append(user)
        elif (
            user.role == Role.DEPARTMENT_CLERK
            and user.department
            and user.username == department_username(user.department.code)
        ):
            by_group["department"].append(user)
        elif user.role == Role.SECRETARY and user.username == secretary_username(user.party_organization_id or 0):
            by_group["secretary"].append(user)
    by_group["admin"].sort(key=lambda u: ADMIN_USERNAMES.index(u.username))
    by_group["township"].sort(key=lambda u: u.township.code if u.township else "")
    by_group["department"].sort(key=lambda u: u.department.code if u.department else "")
    by_group["secretary"].sort(key=lambda u: u.party_organization_id or 0)
    return [
        DemoAccount(
            username=user.username,
            password=DEMO_PASSWORD,
            role=user.role,
            role_label=str(Role(user.role).label),
            scope_label=str(user.scope_label),
            group=group,
        )
        for group, members in by_group.items()
        for user in members
    ]


def category_totals(plan: DemoPlan) -> dict[str, Counter[str]]:
    """Totals of a plan by category, for checks and the load_demo summary."""
    totals: dict[str, Counter[str]] = {}
    for org in plan.organizations:
        c = totals.setdefault(org.category, Counter())
        c["organizations"] += 1
        c["employees"] += org.employees
        c["members"] += org.members
    return totals
