"""The census template: sheets, header, drop-downs, instructions, pre-filled rows; and the reader reads it."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from liangxin.census import services, template
from liangxin.census.tabular import read_census
from liangxin.census.tabular.columns import COLUMNS, LABELS, column_letter
from liangxin.census.tabular.tests.support import REFERENCE
from liangxin.census.tabular.vocab import ORGANIZATION_TYPE

from .conftest import fixture_bytes

AS_OF = dt.date(2026, 11, 30)
CHOICE_OR_BOOL = [c for c in COLUMNS if c.kind in ("choice", "bool")]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _validations(ws) -> dict[str, str]:
    """Column letter → list formula of every data validation on the data sheet."""
    found = {}
    for validation in ws.data_validations.dataValidation:
        assert validation.type == "list"
        for cell_range in validation.sqref.ranges:
            assert (cell_range.min_row, cell_range.max_row) == (2, template.VALIDATION_LAST_ROW)
            assert cell_range.min_col == cell_range.max_col
            found[column_letter(cell_range.min_col - 1)] = validation.formula1
    return found


def _imported(alice, census_county) -> None:
    services.import_file(
        by=alice, unit=census_county["county"], data=fixture_bytes("canonical.xlsx"), file_name="c.xlsx", as_of=AS_OF
    )


def test_the_empty_template_has_its_sheets_header_and_drop_downs():
    data = template.template_workbook(as_of=AS_OF)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == [template.DATA_SHEET, template.INSTRUCTIONS_SHEET]
    ws = wb[template.DATA_SHEET]
    assert [c.value for c in ws[1]] == list(LABELS)
    assert ws.max_row == 1
    assert ws.freeze_panes == "A2"
    assert all(c.font.b for c in ws[1])
    assert ws.column_dimensions["B"].width == 36  # 组织名称 is wide
    assert ws.column_dimensions["A"].number_format == "@"  # a USCC of digits stays text
    expected = {
        column_letter(COLUMNS.index(c)): '"{}"'.format(",".join(template._choice_labels(c))) for c in CHOICE_OR_BOOL
    }
    assert _validations(ws) == expected
    assert expected[column_letter(COLUMNS.index(next(c for c in COLUMNS if c.key == "org_type")))] == (
        '"' + ",".join(ORGANIZATION_TYPE.values()) + '"'
    )
    assert expected["I"] == '"是,否"'  # 是否规模以上


def test_the_reader_reads_the_empty_template_as_no_rows_and_no_problems():
    result = read_census(template.template_workbook(as_of=AS_OF), "模板.xlsx", REFERENCE)
    assert result.sheet_name == template.DATA_SHEET and result.header_row == 1
    assert result.rows == []
    assert result.problems == []
    assert {c.key for c in result.mapping} == {c.key for c in COLUMNS}


def test_the_instructions_explain_every_column_and_the_rules():
    wb = load_workbook(io.BytesIO(template.template_workbook(as_of=AS_OF)))
    text = "\n".join(
        str(value) for row in wb[template.INSTRUCTIONS_SHEET].iter_rows(values_only=True) for value in row if value
    )
    assert "2026年11月30日" in text
    for column in COLUMNS:
        assert column.label in text
    assert "空白单元格表示保持登记册中的原值不变" in text
    assert "组织名称、组织类别、所属乡镇必须填写" in text
    for word in ("是", "有", "√", "Y", "否", "无", "×", "N"):
        assert word in text
    assert "正常经营、停产、歇业、注销" in text
    assert "预填" not in text  # nothing is pre-filled
    rows = list(wb[template.INSTRUCTIONS_SHEET].iter_rows(values_only=True))
    table = {row[0]: row for row in rows if row[0] in LABELS}
    assert table["统一社会信用代码"][1] == "必填(个体工商户可不填)"
    assert table["组织名称"][1] == "必填" and table["地址"][1] is None
    assert table["组织类别"][3] == "新经济组织、新社会组织"


def test_a_list_too_long_to_write_inline_goes_to_a_hidden_sheet_with_a_name(monkeypatch):
    monkeypatch.setattr(template, "INLINE_LIST_LIMIT", 20)  # only 组织类型 (and nothing else) is longer
    wb = load_workbook(io.BytesIO(template.template_workbook(as_of=AS_OF)))
    assert wb.sheetnames == [template.DATA_SHEET, template.INSTRUCTIONS_SHEET, template.CHOICES_SHEET]
    choices = wb[template.CHOICES_SHEET]
    assert choices.sheet_state == "hidden"
    assert [c.value for c in choices["A"]] == ["组织类型可选值", *ORGANIZATION_TYPE.values()]
    assert wb.defined_names["list_org_type"].attr_text == f"'选项'!$A$2:$A${len(ORGANIZATION_TYPE) + 1}"
    validations = _validations(wb[template.DATA_SHEET])
    assert validations["D"] == "list_org_type"
    assert validations["C"] == '"新经济组织,新社会组织"'
    # The list sheet is not mistaken for data.
    data = template.template_workbook(as_of=AS_OF)
    assert read_census(data, "模板.xlsx", REFERENCE).problems == []


def test_a_township_template_is_pre_filled_with_its_organizations_only(alice, census_county, media):
    _imported(alice, census_county)
    wb = load_workbook(io.BytesIO(template.unit_template(unit=census_county["banqiao"], as_of=AS_OF)))
    rows = list(wb[template.DATA_SHEET].iter_rows(min_row=2, values_only=True))
    assert sorted(row[1] for row in rows) == ["板桥镇小王餐馆", "罗平县蜂产业协会"]
    assert {row[4] for row in rows} == {"板桥镇"}
    instructions = "\n".join(
        str(v) for r in wb[template.INSTRUCTIONS_SHEET].iter_rows(values_only=True) for v in r if v
    )
    assert "本表已预填板桥镇登记册中现有的 2 个组织" in instructions
    assert len(_validations(wb[template.DATA_SHEET])) == len(CHOICE_OR_BOOL)


def test_the_county_template_holds_every_organization(alice, census_county, media):
    _imported(alice, census_county)
    wb = load_workbook(io.BytesIO(template.unit_template(unit=census_county["county"], as_of=AS_OF)))
    rows = list(wb[template.DATA_SHEET].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 4
    assert [row[1] for row in rows] == [
        row[1] for row in template.template_rows(template.organizations_of_unit(census_county["county"]))
    ]


@pytest.mark.parametrize("unit", ["county", "luoxiong", "banqiao"])
def test_a_pre_filled_template_reimports_as_no_change(alice, census_county, media, unit):
    _imported(alice, census_county)
    data = template.unit_template(unit=census_county[unit], as_of=AS_OF)
    outcome = services.import_file(
        by=alice, unit=census_county[unit], data=data, file_name="模板.xlsx", as_of=AS_OF, dry_run=True
    )
    expected = {"county": 4, "luoxiong": 1, "banqiao": 2}[unit]
    assert outcome.counts() == {"new": 0, "changed": 0, "unchanged": expected, "rejected": 0}
    assert outcome.error_count == 0


def test_the_command_writes_a_template_for_a_unit(alice, census_county, media, tmp_path):
    _imported(alice, census_county)
    out = tmp_path / "罗雄.xlsx"
    stdout = io.StringIO()
    call_command("census_template", str(out), "--unit", "530324001", "--as-of", "2026-12-01", stdout=stdout)
    assert "罗雄街道" in stdout.getvalue()
    wb = load_workbook(out)
    assert [row[1] for row in wb[template.DATA_SHEET].iter_rows(min_row=2, values_only=True)] == ["罗平县蜂业有限公司"]
    assert "2026年12月1日" in str(wb[template.INSTRUCTIONS_SHEET]["B3"].value)
    empty = tmp_path / "空白.xlsx"
    call_command("census_template", str(empty), stdout=io.StringIO())
    assert load_workbook(empty)[template.DATA_SHEET].max_row == 1


def test_the_command_refuses_a_wrong_file_unit_or_date(census_county, tmp_path):
    with pytest.raises(CommandError):
        call_command("census_template", str(tmp_path / "t.csv"))
    with pytest.raises(CommandError):
        call_command("census_template", str(tmp_path / "t.xlsx"), "--unit", "999999")
    with pytest.raises(CommandError):
        call_command("census_template", str(tmp_path / "t.xlsx"), "--as-of", "30/11/2026")
