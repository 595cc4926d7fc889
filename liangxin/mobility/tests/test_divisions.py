"""The national division table: ID numbers under retired codes, addresses, roll-ups."""

import csv

import pytest

from liangxin.mobility import divisions


@pytest.mark.parametrize(
    ("number", "county"),
    [
        ("530324199001010012", "530324"),  # 罗平县 today
        ("532226198506150013", "530324"),  # 罗平县 under 曲靖地区's code, retired in 1997
        ("530328200001010014", "530303"),  # 沾益县 → 沾益区 (2016)
        ("110103198001010015", "110101"),  # 崇文区 merged into 东城区 (2010)
        ("310103198001010016", "310101"),  # 卢湾区 merged into 黄浦区 (2011)
        ("522401198001010017", "520502"),  # 县级毕节市 → 七星关区 (2011)
        ("999999198001010018", None),
    ],
)
def test_an_id_number_resolves_to_its_current_county(number, county):
    assert divisions.county_of_id_number(number) == county


@pytest.mark.parametrize(
    ("address", "county"),
    [
        ("云南省曲靖市罗平县罗雄街道九龙社区", "530324"),
        ("云南罗平", "530324"),
        ("贵州省兴义市桔山街道", "522301"),
        ("广东省东莞市长安镇", "441900"),  # a prefecture-level city without counties
        ("深圳市宝安区西乡街道", "440306"),
        ("北京市朝阳区", "110105"),
        ("辽宁省朝阳市双塔区", "211302"),
        ("朝阳区建国路", None),  # 北京 and 长春 both have one
        ("不知道哪里", None),
        ("", None),
    ],
)
def test_an_address_resolves_to_a_county_only_when_it_is_unambiguous(address, county):
    assert divisions.county_of_address(address) == county


def test_place_code_prefers_the_address_and_falls_back_on_the_id_number():
    assert divisions.place_code(id_number="532226198506150013", address="贵州省兴义市") == "522301"
    assert divisions.place_code(id_number="532226198506150013", address="某地") == "530324"


def test_roll_up_and_names():
    assert divisions.rolled_up("530324", "prefecture") == "5303"
    assert divisions.rolled_up("530324", "province") == "53"
    assert divisions.name_of("530324") == "云南省曲靖市罗平县"
    assert divisions.name_of("5303") == "云南省曲靖市"
    assert divisions.name_of("53") == "云南省"
    assert divisions.name_of("110101") == "北京市东城区"


def test_every_retired_code_leads_to_a_current_county():
    t = divisions.tables()
    assert len(t.counties) > 2800
    with (divisions.DATA_DIR / "retired_codes.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    for row in rows:
        assert row["old_code"] not in t.counties
        assert divisions.current_code(row["old_code"]) in t.counties
