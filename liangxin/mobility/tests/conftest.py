"""Township B's people for the mobility tests: 李四 (member_b, relation in branch B) and police
files built from valid ID numbers."""

from __future__ import annotations

import datetime as dt

import pytest

from liangxin.testing.factories import MemberFactory, valid_id_number

HEADER = "姓名,公民身份号码,性别,户籍地址,现住址,来县日期,务工单位,联系电话\n"


def police_csv(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


@pytest.fixture
def newcomer_number():
    """Someone from 兴义 (贵州) not in the register."""
    return valid_id_number(301, birth=dt.date(1990, 5, 4), region="522301")


@pytest.fixture
def registered_elsewhere(branch_b, org_in_b):
    """钱七, a member from 兴义 in the register with no relation here (his ID number is known)."""
    number = valid_id_number(302, birth=dt.date(1986, 2, 3), region="522321")  # 兴义县 until 1987
    member = MemberFactory(name="钱七", id_number=number, birth_date=dt.date(1986, 2, 3))
    return member, number


@pytest.fixture
def lookalike(db):
    """孙八 born 1 March 1980 in 兴义: a candidate for a record with his name and birth date."""
    number = valid_id_number(303, birth=dt.date(1980, 3, 1), region="522321")
    return MemberFactory(name="孙八", id_number=number, birth_date=dt.date(1980, 3, 1)), number
