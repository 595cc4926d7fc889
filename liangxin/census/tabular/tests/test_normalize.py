import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from liangxin.census.tabular.columns import BY_KEY
from liangxin.census.tabular.normalize import (
    ChoiceConverter,
    converter_for,
    plain_number,
    text_converter,
    to_bool,
    to_date,
    to_decimal,
    to_industry_code,
    to_int,
    to_name,
    to_text,
    to_uscc,
)
from liangxin.census.tabular.problems import ValueProblem
from liangxin.census.tabular.vocab import CATEGORY, OPERATING_STATUS, ORGANIZATION_TYPE, OWNER_ATTITUDE

from .support import U1


def problem_of(convert, cell):
    with pytest.raises(ValueProblem) as info:
        convert(cell)
    return info.value


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("12", 12),
        ("１２", 12),
        ("12人", 12),
        ("12 人", 12),
        ("12名", 12),
        ("12.0", 12),
        ("1,200", 1200),
        ("0", 0),
        (" 7 ", 7),
        (12.0, 12),
        (12, 12),
        ("", None),
        (None, None),
        ("   ", None),
    ],
)
def test_counts(cell, expected):
    assert to_int(cell) == expected


@pytest.mark.parametrize(
    ("cell", "value"), [("约50", 50), ("约50人", 50), ("50余人", 50), ("50人左右", 50), ("近50", 50)]
)
def test_approximate_counts_are_read_with_a_warning(cell, value):
    issue = problem_of(to_int, cell)
    assert (issue.code, issue.severity, issue.value) == ("approximate_number", "warning", value)
    assert f"已按{value}导入" in issue.message


@pytest.mark.parametrize(
    "cell", ["不详", "未统计", "-", "—", "12.5", 12.5, "无", "若干", "#N/A", True, dt.date(2026, 1, 1)]
)
def test_unreadable_counts_are_invalid_numbers(cell):
    issue = problem_of(to_int, cell)
    assert (issue.code, issue.severity, issue.value) == ("invalid_number", "error", None)


@pytest.mark.parametrize("cell", ["-3", -3.0, "－３", "\u22123"])
def test_negative_counts(cell):
    assert problem_of(to_int, cell).code == "negative_number"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("123.45", Decimal("123.45")),
        ("1,234.5", Decimal("1234.50")),
        ("１２.５", Decimal("12.50")),
        ("12万元", Decimal("12.00")),
        ("12万", Decimal("12.00")),
        (".5", Decimal("0.50")),
        (350.5, Decimal("350.50")),
        (0.1 + 0.2, Decimal("0.30")),
        (7, Decimal("7.00")),
        ("", None),
    ],
)
def test_amounts(cell, expected):
    assert to_decimal(cell) == expected


def test_amount_problems():
    assert problem_of(to_decimal, "-5").code == "negative_number"
    assert problem_of(to_decimal, -0.5).code == "negative_number"
    assert problem_of(to_decimal, "不详").code == "invalid_number"
    yuan = problem_of(to_decimal, "5000元")
    assert yuan.code == "invalid_number" and "万元" in yuan.message
    approximate = problem_of(to_decimal, "约100")
    assert (approximate.code, approximate.value) == ("approximate_number", Decimal("100.00"))
    assert "已按100导入" in approximate.message
    rounded = problem_of(to_decimal, 12.345)
    assert (rounded.code, rounded.severity, rounded.value) == ("rounded_number", "warning", Decimal("12.35"))
    assert problem_of(to_decimal, "1" * 14).code == "invalid_number"


@pytest.mark.parametrize(
    "cell", ["是", "有", "√", "✓", "✔", "Y", "y", "yes", "YES", "1", 1, 1.0, "TRUE", True, "对", "已建", "是 "]
)
def test_yes(cell):
    assert to_bool(cell) is True


@pytest.mark.parametrize("cell", ["否", "无", "×", "✗", "N", "no", "0", 0, "FALSE", False, "错", "没有", "未建"])
def test_no(cell):
    assert to_bool(cell) is False


def test_unknown_yes_no():
    issue = problem_of(to_bool, "可能")
    assert issue.code == "invalid_choice"
    assert "“是”或“否”" in issue.message
    assert to_bool("") is None


@pytest.mark.parametrize(
    ("key", "cell", "code"),
    [
        ("category", "新经济组织", "economic"),
        ("category", "经济", "economic"),
        ("category", "社会", "social"),
        ("category", " 新社会组织 ", "social"),
        ("category", "新經濟組織", "economic"),
        ("category", "economic", "economic"),
        ("org_type", "个体户", "individual_business"),
        ("org_type", "私企", "private_enterprise"),
        ("org_type", "民非", "private_non_enterprise"),
        ("operating_status", "正常", "operating"),
        ("operating_status", "在营", "operating"),
        ("operating_status", "存续", "operating"),
        ("operating_status", "正常经营", "operating"),
        ("operating_status", "停业", "suspended"),
        ("owner_attitude", "支持", "supportive"),
        ("owner_attitude", "积极", "supportive"),
        ("owner_attitude", "一般", "neutral"),
        ("owner_attitude", "反对", "unsupportive"),
    ],
)
def test_choices(key, cell, code):
    assert converter_for(BY_KEY[key])(cell) == code


def test_every_label_reads_as_its_code():
    for key, table in (
        ("category", CATEGORY),
        ("org_type", ORGANIZATION_TYPE),
        ("operating_status", OPERATING_STATUS),
        ("owner_attitude", OWNER_ATTITUDE),
    ):
        convert = converter_for(BY_KEY[key])
        for code, label in table.items():
            assert convert(label) == code
            assert convert(code) == code


def test_a_wrong_choice_suggests_the_closest_label():
    convert = ChoiceConverter(ORGANIZATION_TYPE, "组织类型")
    issue = problem_of(convert, "个休工商户")
    assert issue.code == "invalid_choice"
    assert "是否应为“个体工商户”" in issue.message
    assert "可选值:个体工商户、私营企业" in issue.message


def test_text():
    assert to_text("  罗雄街道\n九龙大道 1号\r\n ") == "罗雄街道 九龙大道 1号"
    assert to_text("ＡＢＣ　１２") == "ABC 12"
    assert to_text(13912345678.0) == "13912345678"
    assert to_text(dt.datetime(2026, 11, 26)) == "2026-11-26"
    assert to_text("   ") is None


def test_the_apostrophe_an_export_puts_before_a_formula_like_text_is_removed():
    # liangxin.core.export writes "'=HYPERLINK(…)" for "=HYPERLINK(…)"; reading it back gives the original.
    assert to_text('\'=HYPERLINK("http://x","点我")') == '=HYPERLINK("http://x","点我")'
    assert to_text("'+86 138 0000 0000") == "+86 138 0000 0000"
    assert to_text("'-") == "-"
    assert to_text("'@某人") == "@某人"
    assert to_name("'=罗平县公司") == "=罗平县公司"
    assert text_converter(50)("'=1+1") == "=1+1"
    # Only one apostrophe, and only the neutralising one.
    assert to_text("''=1") == "''=1"
    assert to_text("'罗平'") == "'罗平'"
    assert to_text("'") == "'"


def test_names_are_kept_as_written_only_their_spaces_tidied():
    """Registered names use full-width brackets: a name is stored as written; only the matching
    key (core.text.normalize_name) folds width and traditional characters."""
    assert to_name("羅平縣鑫源建材有限公司") == "羅平縣鑫源建材有限公司"
    assert to_name("罗平县 鑫源 建材\n有限公司") == "罗平县鑫源建材有限公司"
    assert to_name("ABC Tech（罗平）有限公司") == "ABC Tech（罗平）有限公司"
    assert to_name("  罗平县（九龙）砖沙协会　") == "罗平县（九龙）砖沙协会"


def test_text_too_long():
    convert = converter_for(BY_KEY["contact_person"])
    assert convert("联" * 50) == "联" * 50
    assert problem_of(convert, "联" * 51).code == "text_too_long"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2026-11-26", dt.date(2026, 11, 26)),
        ("2026/11/26", dt.date(2026, 11, 26)),
        ("2026年11月26日", dt.date(2026, 11, 26)),
        ("2026.11.26", dt.date(2026, 11, 26)),
        ("２０２６年１１月２６日", dt.date(2026, 11, 26)),
        ("20261126", dt.date(2026, 11, 26)),
        (46352, dt.date(2026, 11, 26)),
        (46352.5, dt.date(2026, 11, 26)),
        ("46352", dt.date(2026, 11, 26)),
        (dt.datetime(2026, 11, 26, 9, 30), dt.date(2026, 11, 26)),
        (dt.date(2026, 11, 26), dt.date(2026, 11, 26)),
        ("", None),
    ],
)
def test_dates(cell, expected):
    assert to_date(cell) == expected


@pytest.mark.parametrize("cell", ["2026-13-01", "明年", True, -1])
def test_bad_dates(cell):
    assert problem_of(to_date, cell).code == "invalid_date"


def test_uscc():
    assert to_uscc(U1) == U1
    assert to_uscc(U1.lower()) == U1
    assert to_uscc(" 9153 0324-MA6K 3BQ1 03 ") == U1
    assert to_uscc("９１５３０３２４ＭＡ６Ｋ３ＢＱ１０３") == U1
    assert to_uscc("") is None
    assert problem_of(to_uscc, "9153032").code == "uscc_format"
    assert problem_of(to_uscc, U1[:-1] + "X").code == "uscc_checksum"
    assert problem_of(to_uscc, "91530324MA6K3BQ1O3").code == "uscc_format"  # the letter O
    lost = problem_of(to_uscc, 9.15303241234567e17)
    assert lost.code == "uscc_format" and "文本" in lost.message


_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@given(st.text(alphabet=_ALPHABET + "IOZSVabcxy", min_size=18, max_size=18), st.integers(0, 30))
def test_to_uscc_accepts_exactly_what_stdnum_accepts(number, last):
    number = number[:17] + _ALPHABET[last]  # a check character that is right about one time in 31
    if stdnum_uscc.is_valid(number.upper()):
        assert to_uscc(number) == number.upper()
    else:
        with pytest.raises(ValueProblem):
            to_uscc(number)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("C", "C"),
        ("c13", "C13"),
        ("C1311", "C1311"),
        ("1311", "C1311"),
        ("13", "C13"),
        (13.0, "C13"),
        (5, "A05"),
        ("制造业", "C"),
        ("S95", "S95"),
        ("", None),
    ],
)
def test_industry_codes(cell, expected):
    assert to_industry_code(cell) == expected


@pytest.mark.parametrize("cell", ["Z99", "A13", "99", "C1", "工业"])
def test_bad_industry_codes(cell):
    assert problem_of(to_industry_code, cell).code == "invalid_industry_code"


@given(st.text(alphabet="0123456789", min_size=8, max_size=8), st.text(alphabet=_ALPHABET, min_size=9, max_size=9))
def test_a_generated_valid_uscc_is_read_as_written(head, tail):
    number = head + tail
    number += stdnum_uscc.calc_check_digit(number)
    assert to_uscc(number) == number
    assert to_uscc(number.lower()) == number


def test_plain_number():
    assert plain_number(Decimal("50.00")) == "50"
    assert plain_number(Decimal("219.10")) == "219.1"
    assert plain_number(12) == "12"
