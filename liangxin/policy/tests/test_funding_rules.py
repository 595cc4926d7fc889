"""The pure funding rules at every boundary: brackets, retirees, fixed categories, the self-employed,
the rounding rule, the returned share, the allocation and the activity-fund range."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liangxin.policy import funding_rules as fr

D = Decimal

RULES = fr.FundingRules(
    name="测试",
    effective_from=dt.date(2009, 11, 1),
    per_member_amount=D("50.00"),
    retained_share=D("0.5"),
    activity_fund_min_share=D("0.005"),
    activity_fund_max_share=D("0.02"),
    brackets={
        fr.SALARIED: (
            fr.Bracket(D("3000.00"), D("0.005")),
            fr.Bracket(D("5000.00"), D("0.01")),
            fr.Bracket(D("10000.00"), D("0.015")),
            fr.Bracket(None, D("0.02")),
        ),
        fr.RETIRED: (fr.Bracket(D("5000.00"), D("0.005")), fr.Bracket(None, D("0.01"))),
    },
    fixed_amounts={fr.FARMER: D("0.50"), fr.STUDENT: D("0.20"), fr.UNEMPLOYED: D("0.20"), fr.LOW_INCOME: D("0.20")},
)


@pytest.mark.parametrize(
    ("base", "dues"),
    [
        ("0.01", "0.00"),  # 0.00005 rounds down: a base this small pays nothing that month
        ("100.00", "0.50"),
        ("2999.99", "15.00"),  # 14.99995 → 15.00 (half up)
        ("3000.00", "15.00"),  # the upper bound belongs to its bracket: 0.5 %
        ("3000.01", "30.00"),  # one fen more: the whole base at 1 %
        ("3000.50", "30.01"),  # 30.005 → 30.01: half up, not to even (30.00)
        ("4999.99", "50.00"),
        ("5000.00", "50.00"),
        ("5000.01", "75.00"),  # 1.5 %: 75.00015
        ("10000.00", "150.00"),
        ("10000.01", "200.00"),  # 2 %: 200.0002
        ("25000.00", "500.00"),
    ],
)
def test_salaried_brackets_at_every_boundary(base, dues):
    assert fr.monthly_dues(RULES, category=fr.SALARIED, base=D(base)) == D(dues)


@pytest.mark.parametrize(
    ("base", "dues"),
    [("3000.00", "15.00"), ("5000.00", "25.00"), ("5000.01", "50.00"), ("12000.00", "120.00")],
)
def test_retirees_pay_half_a_percent_up_to_5000_then_one(base, dues):
    assert fr.monthly_dues(RULES, category=fr.RETIRED, base=D(base)) == D(dues)


@pytest.mark.parametrize(
    ("category", "dues"),
    [(fr.FARMER, "0.50"), (fr.STUDENT, "0.20"), (fr.UNEMPLOYED, "0.20"), (fr.LOW_INCOME, "0.20")],
)
def test_fixed_categories_pay_the_local_amount_whatever_the_base(category, dues):
    assert fr.monthly_dues(RULES, category=category, base=None) == D(dues)
    assert fr.monthly_dues(RULES, category=category, base=D("8000")) == D(dues)


def test_self_employed_pay_salaried_rates_on_last_quarters_average():
    # 9,000.00 in the quarter → 3,000.00 a month → 0.5 %
    assert fr.quarter_average(D("9000.00")) == D("3000.00")
    assert fr.monthly_dues(RULES, category=fr.SELF_EMPLOYED, base=fr.quarter_average(D("9000.00"))) == D("15.00")
    # 9,000.03 → 3,000.01 → 1 %: the bracket is the rounded average's
    assert fr.monthly_dues(RULES, category=fr.SELF_EMPLOYED, base=fr.quarter_average(D("9000.03"))) == D("30.00")
    # 9,000.01 / 3 = 3,000.00333… → 3,000.00 (rounded before the bracket is chosen)
    assert fr.quarter_average(D("9000.01")) == D("3000.00")
    # 9,000.02 / 3 = 3,000.00666… → 3,000.01
    assert fr.quarter_average(D("9000.02")) == D("3000.01")
    # 30,000.00 → 10,000.00 a month → 1.5 %
    assert fr.monthly_dues(RULES, category=fr.SELF_EMPLOYED, base=fr.quarter_average(D("30000.00"))) == D("150.00")


@pytest.mark.parametrize("base", ["0", "-1", "0.001", "12345678901.00", "NaN", "Infinity"])
def test_bad_bases_are_refused_with_a_message(base):
    with pytest.raises(fr.FundingRulesError) as refused:
        fr.monthly_dues(RULES, category=fr.SALARIED, base=D(base))
    assert "基数" in refused.value.message


def test_a_bracket_category_needs_a_base_and_a_quarter_needs_income():
    with pytest.raises(fr.FundingRulesError, match="须填写党费计算基数"):
        fr.monthly_dues(RULES, category=fr.RETIRED, base=None)
    with pytest.raises(fr.FundingRulesError, match="纯收入必须大于0"):
        fr.quarter_average(D("-300"))
    with pytest.raises(fr.FundingRulesError, match="无法识别"):
        fr.monthly_dues(RULES, category="astronaut", base=D("3000"))


def test_the_rounding_rule_is_half_up_to_the_fen():
    assert fr.yuan(D("0.005")) == D("0.01")
    assert fr.yuan(D("0.015")) == D("0.02")
    assert fr.yuan(D("0.025")) == D("0.03")  # banker's rounding would give 0.02
    assert fr.yuan(D("0.0049999")) == D("0.00")
    assert fr.yuan(D("-0.005")) == D("-0.01")


def test_the_returned_share_is_rounded_once_on_the_whole():
    # Three payments of 0.25 at half: 0.125 each would round to 0.13 one by one (0.39 in all);
    # the whole 0.375 rounds to 0.38.
    assert fr.returned_share([(D("0.25"), D("0.5"))] * 3) == D("0.38")
    # The share in force each month: half of January's, all of February's.
    assert fr.returned_share([(D("30.00"), D("0.5")), (D("30.00"), D("1"))]) == D("45.00")
    assert fr.returned_share([]) == D("0.00")


def test_allocation_is_the_amount_per_member_times_members():
    assert fr.allocation_amount(RULES, 0) == D("0.00")
    assert fr.allocation_amount(RULES, 668) == D("33400.00")
    with pytest.raises(fr.FundingRulesError):
        fr.allocation_amount(RULES, -1)


@pytest.mark.parametrize(
    ("booked", "status"),
    [
        ("0", fr.BELOW),
        ("4999.99", fr.BELOW),
        ("5000.00", fr.WITHIN),  # exactly 0.5 % of 1,000,000
        ("12500.00", fr.WITHIN),
        ("20000.00", fr.WITHIN),  # exactly 2 %
        ("20000.01", fr.ABOVE),
    ],
)
def test_activity_funds_against_half_to_two_percent_of_payroll(booked, status):
    check = fr.check_activity_fund(RULES, booked=D(booked), payroll_wan=D("100.00"))  # 100 万元
    assert check.status == status
    assert (check.payroll, check.low, check.high) == (D("1000000"), D("5000"), D("20000"))


def test_activity_funds_without_payroll_cannot_be_checked_and_negative_is_refused():
    assert fr.check_activity_fund(RULES, booked=D("100"), payroll_wan=None).status == fr.NO_PAYROLL
    assert fr.check_activity_fund(RULES, booked=D("100"), payroll_wan=D("0")).status == fr.NO_PAYROLL
    with pytest.raises(fr.FundingRulesError, match="负数"):
        fr.check_activity_fund(RULES, booked=D("-1"), payroll_wan=D("1"))
    assert fr.percent(D("0.0125")) == "1.25%"
    assert fr.percent(D("0.000125")) == "0.01%"  # half up


def _replace(**changes):
    values = {name: getattr(RULES, name) for name in RULES.__dataclass_fields__} | changes
    return fr.FundingRules(**values)


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"per_member_amount": D("0")}, "经费标准"),
        ({"per_member_amount": D("50.001")}, "经费标准"),
        ({"retained_share": D("1.5")}, "留存比例"),
        ({"activity_fund_min_share": D("0.03")}, "下限 ≤ 上限"),
        ({"brackets": {fr.SALARIED: RULES.brackets[fr.SALARIED]}}, "缺少离退休党员比例"),
        (
            {"brackets": {**RULES.brackets, fr.RETIRED: (fr.Bracket(D("5000"), D("0.005")),)}},
            "只有最后一档没有上限",
        ),
        (
            {
                "brackets": {
                    **RULES.brackets,
                    fr.RETIRED: (
                        fr.Bracket(D("5000"), D("0.005")),
                        fr.Bracket(D("3000"), D("0.01")),
                        fr.Bracket(None, D("0.02")),
                    ),
                }
            },
            "逐档递增",
        ),
        ({"brackets": {**RULES.brackets, fr.RETIRED: (fr.Bracket(None, D("0.5")),)}}, "不超过10%"),
        ({"fixed_amounts": {fr.FARMER: D("0.5")}}, "学生党员"),
        ({"fixed_amounts": {**RULES.fixed_amounts, fr.SALARIED: D("1")}}, "固定数额只适用于"),
    ],
)
def test_broken_figures_cannot_be_a_policy(changes, says):
    with pytest.raises(fr.FundingRulesError) as refused:
        _replace(**changes)
    assert says in refused.value.message


def test_the_timeline_picks_the_version_in_force():
    later = _replace(name="2027", effective_from=dt.date(2027, 1, 1), per_member_amount=D("60"))
    timeline = fr.Timeline([later, RULES])
    assert timeline.on(dt.date(2009, 10, 31)) is None
    assert timeline.on(dt.date(2009, 11, 1)) is RULES
    assert timeline.on(dt.date(2026, 12, 31)) is RULES
    assert timeline.on(dt.date(2027, 1, 1)) is later


@given(st.decimals(min_value=D("0.01"), max_value=D("1000000"), places=2))
def test_dues_never_fall_when_the_base_rises_within_a_bracket_and_are_at_most_two_percent(base):
    dues = fr.monthly_dues(RULES, category=fr.SALARIED, base=base)
    assert dues == dues.quantize(fr.FEN)
    assert dues <= fr.yuan(base * D("0.02"))
    assert dues >= fr.yuan(base * D("0.005"))
    # A fen more never pays less, except when it crosses into a dearer bracket (then more).
    assert fr.monthly_dues(RULES, category=fr.SALARIED, base=base + D("0.01")) >= dues
