import datetime as dt

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from stdnum.cn import uscc

from liangxin.registry.identifiers import (
    IdentifierError,
    mask_id_number,
    validate_citizen_id,
    validate_uscc,
)
from liangxin.testing.factories import valid_id_number, valid_uscc


def test_valid_uscc_is_cleaned_of_width_and_spaces():
    code = valid_uscc(42)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    assert validate_uscc(f" {full_width[:6]} {full_width[6:]} ") == code


@pytest.mark.parametrize(
    ("value", "code", "fragment"),
    [
        ("91530324MA6K", "uscc_format", "应为18位,当前为12位"),
        ("91530324MA6KXYZ0OO", "uscc_format", "不允许的字符"),
    ],
)
def test_bad_uscc_gives_chinese_message(value, code, fragment):
    with pytest.raises(IdentifierError) as info:
        validate_uscc(value)
    assert info.value.code == code
    assert fragment in info.value.message


def test_uscc_with_wrong_check_digit():
    good = valid_uscc(7)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(IdentifierError) as info:
        validate_uscc(bad)
    assert info.value.code == "uscc_checksum"
    assert "校验位不正确" in info.value.message


# Digits, the code's alphabet, the five letters it leaves out, a lower-case letter, a space and a dash.
_CODE_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY" + "IOSVZ" + "a -"


@given(
    st.text(_CODE_CHARACTERS, min_size=16, max_size=19)
    | st.integers(0, 10**8).map(lambda n: valid_uscc(n))
    | st.tuples(st.integers(0, 10**8), st.integers(0, 17), st.sampled_from(_CODE_CHARACTERS)).map(
        lambda t: valid_uscc(t[0])[: t[1]] + t[2] + valid_uscc(t[0])[t[1] + 1 :]
    )
)
@example("91530324MA6KXYZ0OO")
def test_a_code_is_valid_exactly_when_python_stdnum_says_so(value):
    """The shortcut for a well-formed code computes python-stdnum's check character; every code
    is accepted, cleaned, exactly as ``stdnum.cn.uscc.validate`` would."""
    cleaned = value.replace(" ", "").replace("-", "").upper()
    try:
        expected = uscc.validate(cleaned)
    except ValueError:
        expected = None
    try:
        found = validate_uscc(value)
    except IdentifierError:
        found = None
    assert found == expected


def test_citizen_id_gives_sex_and_birth_date():
    number = valid_id_number(13, birth=dt.date(1990, 1, 2))  # sequence 013: odd → male
    citizen = validate_citizen_id(number.lower())
    assert citizen.birth_date == dt.date(1990, 1, 2)
    assert citizen.sex == "M"
    assert citizen.masked == "*" * 16 + number[-2:]


def test_bad_citizen_id_checksum():
    good = valid_id_number(5)
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    with pytest.raises(IdentifierError) as info:
        validate_citizen_id(bad)
    assert info.value.code == "id_number_checksum"
    assert "校验码不正确" in info.value.message


def test_citizen_id_with_impossible_date():
    body = "53032419901332001"
    from stdnum.cn import ric

    with pytest.raises(IdentifierError) as info:
        validate_citizen_id(body + ric.calc_check_digit(body + "0"))
    assert info.value.code == "id_number_component"


def test_mask_keeps_the_last_two_characters_only():
    """Not the area code, nor the birth date, nor the last four: see docs/personal-data.md."""
    assert mask_id_number("530324199001011234") == "****************34"
    assert mask_id_number("53032419900101123X") == "****************3X"
