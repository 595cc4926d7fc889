import pytest

from liangxin.core import industry


def test_the_standard_has_20_sections_and_97_divisions_each_in_its_section():
    entries = industry.entries()
    sections = [e for e in entries if e.is_section]
    divisions = [e for e in entries if not e.is_section]
    assert [s.code for s in sections] == list("ABCDEFGHIJKLMNOPQRST")
    assert [int(d.code[1:]) for d in divisions] == list(range(1, 98))
    assert all(industry.section_for_division(int(d.code[1:])) == d.section for d in divisions)
    assert industry.sections()["C"] == (13, 43, "制造业")


@pytest.mark.parametrize(
    ("written", "stored"),
    [("C", "C"), ("c13", "C13"), ("1311", "C1311"), ("05", "A05"), (" F51 ", "F51"), ("K7010", "K7010")],
)
def test_parse_adds_the_section_letter_and_keeps_finer_codes(written, stored):
    assert industry.parse(written) == stored


@pytest.mark.parametrize("written", ["F13", "98", "U", "C1", "", "制造"])
def test_parse_refuses_codes_outside_the_standard(written):
    with pytest.raises(ValueError):
        industry.parse(written)


def test_describe_names_the_division_of_a_finer_code():
    assert industry.describe("C1311") == "农副食品加工业"
    assert industry.describe("P") == "教育"
    assert industry.describe("Z99") == ""
