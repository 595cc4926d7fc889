"""The funding rules: party dues by brackets, the budget allocation, the returned share of dues, the
range of activity funds. Pure Python: no Django, so every boundary is tested without a database.

Every figure comes from a :class:`FundingRules` (versioned data, ``policy.models.FundingPolicyVersion``),
never from here; what the figures mean, and where they come from, is written in ``docs/funding.md``.

Money is :class:`~decimal.Decimal` in yuan, never float. The rounding rule, the one place it is
applied (:func:`yuan`): **to the fen (0.01 yuan), half up** (四舍五入到分), and only once, on the
figure that is paid or shown:

- a member's monthly dues: base × rate of the base's bracket, rounded (3,000.50 × 1 % = 30.005 →
  30.01);
- a self-employed member's base: last quarter's net income ÷ 3, rounded, and the bracket is that of
  the rounded base;
- the returned share of a year's dues: Σ (each month's dues paid × the share in force that month),
  exact, then rounded once — never rounded payment by payment, so repeated returns of one year add
  up to the rounding of the whole;
- an allocation: amount per member × members (exact: both have at most two decimals).

Comparisons are made on exact figures: a base is in a bracket when it is at most its upper bound
(3,000.00 → 0.5 %, 3,000.01 → 1 %); booked activity funds are within the range when
payroll × minimum ≤ booked ≤ payroll × maximum, both ends included, with no rounding.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
TEN_THOUSAND = Decimal(10_000)  # the census gives payroll in 万元
LARGEST_AMOUNT = Decimal("9999999999.99")  # what a money column holds (12 digits, 2 decimals)

# Dues categories (党员类别 for dues). Stable codes; labels below.
SALARIED = "salaried"
RETIRED = "retired"
SELF_EMPLOYED = "self_employed"
FARMER = "farmer"
STUDENT = "student"
UNEMPLOYED = "unemployed"
LOW_INCOME = "low_income"

CATEGORY_LABELS: dict[str, str] = {
    SALARIED: "在职党员(按税后月工资收入)",
    RETIRED: "离退休党员(按税后月离退休费)",
    SELF_EMPLOYED: "个体经营等灵活就业党员(按上一季度月平均纯收入)",
    FARMER: "农民党员",
    STUDENT: "学生党员",
    UNEMPLOYED: "下岗失业党员",
    LOW_INCOME: "依靠最低生活保障金维持生活的党员",
}
CATEGORIES = tuple(CATEGORY_LABELS)
# Categories that pay by a base and the brackets, and the scheme of brackets each uses: the
# self-employed pay at the salaried rates on their average net income.
BRACKET_SCHEME: dict[str, str] = {SALARIED: SALARIED, SELF_EMPLOYED: SALARIED, RETIRED: RETIRED}
SCHEMES = (SALARIED, RETIRED)
SCHEME_LABELS = {SALARIED: "在职党员比例", RETIRED: "离退休党员比例"}
# Categories that pay a fixed monthly amount set locally.
FIXED_CATEGORIES = (FARMER, STUDENT, UNEMPLOYED, LOW_INCOME)

# Activity funds against the range.
BELOW = "below"
WITHIN = "within"
ABOVE = "above"
NO_PAYROLL = "no_payroll"
RANGE_LABELS = {BELOW: "低于下限", WITHIN: "在范围内", ABOVE: "高于上限", NO_PAYROLL: "无工资总额数据"}


class FundingRulesError(ValueError):
    """Figures that cannot be a funding policy, or an input the rules refuse; ``message`` is
    Chinese, for the person who typed it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def yuan(value: Decimal) -> Decimal:
    """The project's one rounding of money: to the fen, half up."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Bracket:
    """Bases up to ``upper`` (inclusive; None: no upper bound) pay ``rate`` of the base."""

    upper: Decimal | None
    rate: Decimal


@dataclass(frozen=True)
class FundingRules:
    name: str
    effective_from: dt.date
    per_member_amount: Decimal  # yuan per member per year
    retained_share: Decimal  # share of the dues paid that is returned (0–1)
    activity_fund_min_share: Decimal  # of total payroll
    activity_fund_max_share: Decimal
    brackets: Mapping[str, tuple[Bracket, ...]]  # scheme → brackets, ascending
    fixed_amounts: Mapping[str, Decimal] = field(default_factory=dict)  # category → yuan per month

    def __post_init__(self) -> None:
        problems = rules_problems(self)
        if problems:
            raise FundingRulesError(";".join(problems))


def _is_money(value: Decimal) -> bool:
    return value.is_finite() and value == value.quantize(FEN)


def rules_problems(rules: FundingRules) -> list[str]:
    """Everything wrong with a set of figures (empty when they can be a policy). The database
    checks the single figures as well (``policy.models``); the brackets' order is checked here."""
    problems = []
    if not (Decimal(0) < rules.per_member_amount <= Decimal(10_000)) or not _is_money(rules.per_member_amount):
        problems.append("每名党员每年的经费标准须大于0、不超过10000元、最多两位小数")
    if not Decimal(0) < rules.retained_share <= Decimal(1):
        problems.append("党费留存比例须大于0、不超过1")
    low, high = rules.activity_fund_min_share, rules.activity_fund_max_share
    if not (Decimal(0) < low <= high <= Decimal(1)):
        problems.append("党建活动经费占工资总额的比例须满足 0 < 下限 ≤ 上限 ≤ 1")
    for scheme in SCHEMES:
        brackets = rules.brackets.get(scheme, ())
        label = SCHEME_LABELS[scheme]
        if not brackets:
            problems.append(f"缺少{label}")
            continue
        if brackets[-1].upper is not None or any(b.upper is None for b in brackets[:-1]):
            problems.append(f"{label}:只有最后一档没有上限")
        uppers = [b.upper for b in brackets if b.upper is not None]
        if any(u <= 0 or not _is_money(u) for u in uppers) or uppers != sorted(set(uppers)):
            problems.append(f"{label}:各档上限须为正数、最多两位小数、逐档递增")
        if any(not Decimal(0) < b.rate <= Decimal("0.1") for b in brackets):
            problems.append(f"{label}:比例须大于0、不超过10%")
    for category in FIXED_CATEGORIES:
        amount = rules.fixed_amounts.get(category)
        if amount is None:
            problems.append(f"缺少{CATEGORY_LABELS[category]}每月交纳的党费数额")
        elif not (Decimal(0) < amount <= Decimal(1_000)) or not _is_money(amount):
            problems.append(f"{CATEGORY_LABELS[category]}每月党费须大于0、不超过1000元、最多两位小数")
    unknown = set(rules.fixed_amounts) - set(FIXED_CATEGORIES)
    if unknown:
        problems.append("固定数额只适用于农民、学生、下岗失业和低收入党员")
    return problems


# --- Dues --------------------------------------------------------------------------------------


def rate_for(brackets: Iterable[Bracket], base: Decimal) -> Decimal:
    """The rate of the first bracket whose upper bound the base does not exceed."""
    for bracket in brackets:
        if bracket.upper is None or base <= bracket.upper:
            return bracket.rate
    raise FundingRulesError("比例表没有覆盖该基数")  # unreachable for valid rules: the last has no bound


def check_base(base: Decimal) -> Decimal:
    """A dues base as the brackets take it: a positive amount in yuan with at most two decimals."""
    if not base.is_finite() or base <= 0:
        raise FundingRulesError(
            "党费计算基数必须大于0。没有收入的党员请按下岗失业或低收入党员登记,交纳固定数额的党费。"
        )
    if base != base.quantize(FEN):
        raise FundingRulesError("党费计算基数最多两位小数(元、角、分)。")
    if base > LARGEST_AMOUNT:
        raise FundingRulesError("党费计算基数过大,请检查是否多输了位数。")
    return base


def monthly_dues(rules: FundingRules, *, category: str, base: Decimal | None) -> Decimal:
    """One month's dues of a member of ``category`` with ``base`` (None for a fixed category)."""
    if category in FIXED_CATEGORIES:
        return rules.fixed_amounts[category]
    scheme = BRACKET_SCHEME.get(category)
    if scheme is None:
        raise FundingRulesError(f"无法识别的党员类别:{category}")
    if base is None:
        raise FundingRulesError("该类别的党员须填写党费计算基数。")
    base = check_base(base)
    return yuan(base * rate_for(rules.brackets[scheme], base))


def quarter_average(quarter_income: Decimal) -> Decimal:
    """A self-employed member's base: last quarter's net income ÷ 3, rounded to the fen."""
    if not quarter_income.is_finite() or quarter_income <= 0:
        raise FundingRulesError(
            "上一季度纯收入必须大于0。没有收入的党员请按下岗失业或低收入党员登记,交纳固定数额的党费。"
        )
    if quarter_income != quarter_income.quantize(FEN) or quarter_income > LARGEST_AMOUNT:
        raise FundingRulesError("上一季度纯收入最多两位小数,且不能超过 9999999999.99 元。")
    return yuan(quarter_income / 3)


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def returned_share(paid: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
    """The share of dues returned: Σ paid × share over (paid, share in force) pairs — one per
    month, since the share may change during a year — exact, then rounded once."""
    return yuan(sum((amount * share for amount, share in paid), Decimal(0)))


# --- Allocation ----------------------------------------------------------------------------------


def allocation_amount(rules: FundingRules, members: int) -> Decimal:
    """The year's budget for a party organization holding ``members`` relations on the date."""
    if members < 0:
        raise FundingRulesError("党员人数不能为负数。")
    return yuan(rules.per_member_amount * members)


# --- Activity funds -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityFundCheck:
    status: str  # BELOW / WITHIN / ABOVE / NO_PAYROLL
    payroll: Decimal | None  # yuan
    low: Decimal | None  # the range in yuan, exact
    high: Decimal | None
    share: Decimal | None  # booked ÷ payroll, exact (None without payroll)


def check_activity_fund(rules: FundingRules, *, booked: Decimal, payroll_wan: Decimal | None) -> ActivityFundCheck:
    """Booked activity funds against minimum–maximum × total payroll (given in 万元, as the census
    asks for it). Without a positive payroll the range cannot be checked."""
    if not booked.is_finite() or booked < 0:
        raise FundingRulesError("列支金额不能为负数。")
    if payroll_wan is None or payroll_wan <= 0:
        return ActivityFundCheck(NO_PAYROLL, None, None, None, None)
    payroll = payroll_wan * TEN_THOUSAND
    low = payroll * rules.activity_fund_min_share
    high = payroll * rules.activity_fund_max_share
    status = BELOW if booked < low else ABOVE if booked > high else WITHIN
    return ActivityFundCheck(status, payroll, low, high, booked / payroll)


def percent(share: Decimal) -> str:
    """A share as a percentage with two decimals, rounded half up (0.0125 → "1.25%")."""
    return f"{(share * 100).quantize(FEN, rounding=ROUND_HALF_UP)}%"


class Timeline:
    """The versions of the rules over time: the one in force on a day is the latest whose
    ``effective_from`` is not after it (None before the first)."""

    def __init__(self, versions: Iterable[FundingRules]) -> None:
        self.versions = sorted(versions, key=lambda rules: rules.effective_from)

    def on(self, day: dt.date) -> FundingRules | None:
        found = None
        for rules in self.versions:
            if rules.effective_from > day:
                break
            found = rules
        return found
