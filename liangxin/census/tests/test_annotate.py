"""Annotated files and rejected-row lists: every problem on its cell (or listed), nothing else marked."""

from __future__ import annotations

import io
from collections import defaultdict

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment

from liangxin.census import services
from liangxin.census.annotate import (
    COMMENT_AUTHOR,
    ERROR_COLOR,
    PROBLEM_LIST_HEADER,
    PROBLEM_SHEET,
    REJECTED_LIST_HEADER,
    REJECTED_SHEET,
    WARNING_COLOR,
    annotate,
    comment_text,
    rejected_rows,
)
from liangxin.census.tabular import Problem, read_census, read_workbook
from liangxin.census.tabular.api import CensusReadResult
from liangxin.census.tabular.problems import title_of
from liangxin.census.tabular.tests.support import FIXTURES, REFERENCE, U1, read_fixture

from .conftest import fixture_bytes


def _marks(data: bytes) -> dict[tuple[str, str], tuple[str, str]]:
    """(sheet, cell) → (fill colour, comment) of every commented cell of a workbook."""
    wb = load_workbook(io.BytesIO(data))
    found = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None:
                    assert cell.comment.author == COMMENT_AUTHOR
                    found[(ws.title, cell.coordinate)] = (cell.fill.fgColor.rgb[-6:], cell.comment.text)
    return found


def _expected_marks(result: CensusReadResult) -> dict[tuple[str, str], tuple[str, str]]:
    """What the marks must be, worked out independently: the column letter from the header mapping
    the reader reports, the row from the problem."""
    letter_of = {c.written: c.letter for c in result.mapping}
    by_cell: dict[tuple[str, str], list[Problem]] = defaultdict(list)
    for p in result.problems:
        assert p.row is not None and p.column is not None and p.sheet is not None
        by_cell[(p.sheet, f"{letter_of[p.column]}{p.row}")].append(p)
    return {
        cell: (ERROR_COLOR if any(p.is_error for p in found) else WARNING_COLOR, comment_text(found))
        for cell, found in by_cell.items()
    }


@pytest.mark.parametrize("name", ["many_problems.xlsx", "gbk.csv"])
def test_every_problem_cell_is_marked_and_no_other(name):
    result = read_fixture(name)
    assert result.problems and all(p.column for p in result.problems)  # every problem has a cell here
    annotated = annotate((FIXTURES / name).read_bytes(), name, result.problems)
    assert _marks(annotated) == _expected_marks(result)
    assert PROBLEM_SHEET not in load_workbook(io.BytesIO(annotated)).sheetnames


def test_the_marks_of_many_problems_are_where_a_clerk_expects_them():
    marks = _marks(
        annotate((FIXTURES / "many_problems.xlsx").read_bytes(), "m.xlsx", read_fixture("many_problems.xlsx").problems)
    )
    fill, text = marks[("摸底表", "A2")]
    assert fill == ERROR_COLOR and text.startswith("错误·信用代码格式不对:统一社会信用代码应为18位")
    assert marks[("摸底表", "C14")][0] == WARNING_COLOR  # uscc_category_mismatch on 组织类别
    # Three problems on row 8, each on its own cell; two on one cell are one comment, errors first.
    assert {cell for (_sheet, cell) in marks if cell.endswith("8") and len(cell) == 2} == {"A8", "C8", "E8"}
    payroll = [p for p in read_fixture("many_problems.xlsx").problems if p.row == 19 and p.field == "工资总额(万元)"]
    assert marks[("摸底表", "S19")][1] == comment_text(payroll)


def test_comments_put_errors_first_one_line_each():
    warning = Problem("f", "s", 2, "A", None, "x", "warning", "rounded_number", "警告的话")
    error = Problem("f", "s", 2, "A", None, "x", "error", "invalid_number", "错误的话")
    assert comment_text([warning, error]) == (
        "错误·不是有效数字:错误的话〔invalid_number〕\n警告·已四舍五入:警告的话〔rounded_number〕"
    )


def test_an_annotated_workbook_keeps_the_clerks_cells_and_reads_back_with_the_same_problems():
    original = (FIXTURES / "many_problems.xlsx").read_bytes()
    result = read_fixture("many_problems.xlsx")
    annotated = annotate(original, "many_problems.xlsx", result.problems)
    before = [[c.value for c in row] for row in load_workbook(io.BytesIO(original)).active.iter_rows()]
    after = [[c.value for c in row] for row in load_workbook(io.BytesIO(annotated)).active.iter_rows()]
    assert after == before
    again = read_census(annotated, "many_problems.xlsx", REFERENCE)
    assert [(p.row, p.column, p.code) for p in again.problems] == [(p.row, p.column, p.code) for p in result.problems]


def test_a_csv_is_rebuilt_row_for_row_and_reads_back_with_the_same_problems():
    data = (FIXTURES / "gbk.csv").read_bytes()
    result = read_fixture("gbk.csv")
    annotated = annotate(data, "gbk.csv", result.problems)
    ws = load_workbook(io.BytesIO(annotated)).active
    assert ws.title == "gbk" and ws.freeze_panes == f"A{result.header_row + 1}"
    sheet = read_workbook(data, "gbk.csv")[0]
    assert [[c.value or "" for c in row] for row in ws.iter_rows(max_col=sheet.width)] == [
        [*row, *[""] * (sheet.width - len(row))] for row in sheet.rows
    ]
    again = read_census(annotated, "gbk.xlsx", REFERENCE)
    assert [(p.row, p.column, p.code) for p in again.problems] == [(p.row, p.column, p.code) for p in result.problems]
    assert len(again.rows) == len(result.rows)


def test_a_formula_in_a_csv_does_not_become_a_live_formula_and_text_stays_as_written():
    text = f'统一社会信用代码,组织名称,组织类别,所属乡镇,从业人员数\n{U1},=HYPERLINK("http://x"),新经济组织,大河镇,-5\n'
    data = text.encode("utf-8")
    result = read_census(data, "x.csv", REFERENCE)
    annotated = annotate(data, "x.csv", result.problems)
    ws = load_workbook(io.BytesIO(annotated)).active
    # Handed back as the clerk wrote it, as text: Excel shows it and does not run it.
    assert ws["B2"].data_type == "s" and ws["B2"].value == '=HYPERLINK("http://x")'
    assert ws["E2"].value == "-5"  # no apostrophe: it still reads as the negative number it is
    again = read_census(annotated, "x.xlsx", REFERENCE)
    codes = [(p.row, p.column, p.code) for p in result.problems]
    assert codes == [(2, "从业人员数", "negative_number"), (2, "所属乡镇", "unknown_township")]
    assert [(p.row, p.column, p.code) for p in again.problems] == codes


def test_problems_without_a_cell_are_listed_on_their_own_sheet():
    result = read_fixture("multi_sheet.xlsx")
    assert [p.code for p in result.problems] == ["extra_data_sheet", "sheet_ignored"]
    annotated = annotate((FIXTURES / "multi_sheet.xlsx").read_bytes(), "multi_sheet.xlsx", result.problems)
    assert _marks(annotated) == {}
    wb = load_workbook(io.BytesIO(annotated))
    assert wb.sheetnames[-1] == PROBLEM_SHEET
    rows = list(wb[PROBLEM_SHEET].iter_rows(values_only=True))
    assert rows == [
        PROBLEM_LIST_HEADER,
        *[
            (p.file, p.sheet, p.row, p.column, title_of(p.code), "错误" if p.is_error else "警告", p.message, p.code)
            for p in result.problems
        ],
    ]
    assert wb[PROBLEM_SHEET]["F2"].fill.fgColor.rgb[-6:] == ERROR_COLOR
    # The annotated file still reads as before: the list is left out quietly.
    again = read_census(annotated, "multi_sheet.xlsx", REFERENCE)
    assert [p.code for p in again.problems] == ["extra_data_sheet", "sheet_ignored"]


def test_row_level_and_header_problems_find_their_place():
    data = "组织名称,所属乡镇,组织类型\n甲公司,板桥镇,私营企业\n".encode()
    result = read_census(data, "x.csv", REFERENCE)
    # No 组织类别 column (a header-row problem without a column) and no USCC column (a row's
    # required_missing with no cell to put it on); a planner's problem about a whole row.
    assert [(p.row, p.column, p.code) for p in result.problems] == [
        (1, None, "required_column_missing"),
        (2, None, "required_missing"),
    ]
    row_level = Problem("x.csv", "x", 2, None, None, None, "error", "duplicate_row", "第2行与第5行对应同一个组织")
    annotated = annotate(data, "x.csv", [*result.problems, row_level])
    assert _marks(annotated) == {}
    listed = list(load_workbook(io.BytesIO(annotated))[PROBLEM_SHEET].iter_rows(min_row=2, values_only=True))
    assert [(row[2], row[7]) for row in listed] == [
        (1, "required_column_missing"),
        (2, "required_missing"),
        (2, "duplicate_row"),
    ]


def test_an_unreadable_file_gives_only_the_list():
    result = read_census(b"%PDF-1.4", "x.pdf", REFERENCE)
    wb = load_workbook(io.BytesIO(annotate(b"%PDF-1.4", "x.pdf", result.problems)))
    assert wb.sheetnames == [PROBLEM_SHEET]
    listed = list(wb[PROBLEM_SHEET].iter_rows(min_row=2, values_only=True))
    assert [(row[4], row[7]) for row in listed] == [("文件无法读取", "unreadable_file")]


def test_annotating_a_corrected_annotated_file_drops_the_old_marks():
    result = read_fixture("many_problems.xlsx")
    first = annotate((FIXTURES / "many_problems.xlsx").read_bytes(), "m.xlsx", result.problems)
    wb = load_workbook(io.BytesIO(first))
    wb.active["Z30"].comment = Comment("我的备注", "张三")  # the clerk's own note stays
    buffer = io.BytesIO()
    wb.save(buffer)
    remaining = [p for p in result.problems if p.code == "uscc_format"]
    marks = _marks_any_author(annotate(buffer.getvalue(), "m.xlsx", remaining))
    assert set(marks) == {("摸底表", "A2"), ("摸底表", "Z30")}
    assert marks[("摸底表", "Z30")] == "我的备注"
    again = load_workbook(io.BytesIO(annotate(buffer.getvalue(), "m.xlsx", remaining))).active
    assert again["A3"].fill.fill_type is None  # uscc_checksum was corrected: no red left


def _marks_any_author(data: bytes) -> dict[tuple[str, str], str]:
    wb = load_workbook(io.BytesIO(data))
    return {
        (ws.title, cell.coordinate): cell.comment.text
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.comment is not None
    }


def test_a_clerks_own_comment_on_a_problem_cell_is_kept_below_ours():
    wb = Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "组织名称", "组织类别", "所属乡镇"])
    ws.append([U1, "甲公司", "新经济组织", "大河镇"])
    ws["D2"].comment = Comment("乡镇待核实", "张三")
    buffer = io.BytesIO()
    wb.save(buffer)
    result = read_census(buffer.getvalue(), "x.xlsx", REFERENCE)
    text = _marks(annotate(buffer.getvalue(), "x.xlsx", result.problems))[("Sheet", "D2")][1]
    assert text.startswith("错误·乡镇不在名单中:") and text.endswith("——\n乡镇待核实")


# --- The rejected rows ---------------------------------------------------------------------------


def test_the_rejected_rows_list_holds_the_rows_with_errors_under_the_files_header():
    data = (FIXTURES / "many_problems.xlsx").read_bytes()
    result = read_fixture("many_problems.xlsx")
    rejected = sorted({p.row for p in result.problems if p.is_error and p.row and p.row > result.header_row})
    assert rejected == [2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 19]
    wb = load_workbook(io.BytesIO(rejected_rows(data, "many_problems.xlsx", result.problems)))
    assert wb.sheetnames == [REJECTED_SHEET, PROBLEM_SHEET]
    original = load_workbook(io.BytesIO(data)).active
    ws = wb[REJECTED_SHEET]
    assert [c.value for c in ws[1]] == [c.value for c in original[1]]
    for new, old in enumerate(rejected, start=2):
        assert [c.value for c in ws[new]] == [c.value for c in original[old]]
    listed = list(wb[PROBLEM_SHEET].iter_rows(values_only=True))
    assert listed[0] == REJECTED_LIST_HEADER
    expected = [p for p in result.problems if p.row in rejected]
    new_row = {old: new for new, old in enumerate(rejected, start=2)}
    assert listed[1:] == [
        (new_row[p.row], p.row, p.column, title_of(p.code), "错误" if p.is_error else "警告", p.message, p.code)
        for p in expected
    ]
    assert wb[PROBLEM_SHEET]["E2"].fill.fgColor.rgb[-6:] in (ERROR_COLOR, WARNING_COLOR)  # 严重程度
    # Each problem is also on its cell, at the row it has in this file.
    marks = _marks(rejected_rows(data, "many_problems.xlsx", result.problems))
    assert marks[(REJECTED_SHEET, "A2")][1].startswith("错误·信用代码格式不对:")
    assert marks[(REJECTED_SHEET, f"S{new_row[19]}")][0] == WARNING_COLOR  # rounded_number, on a rejected row
    assert len(marks) == len({(p.row, p.column) for p in expected})
    # Corrected, the list is a census file again (its problem list is left out quietly).
    again = read_census(rejected_rows(data, "many_problems.xlsx", result.problems), "退回.xlsx", REFERENCE)
    assert again.sheet_name == REJECTED_SHEET and len(again.rows) == len(rejected)
    assert not [p for p in again.problems if p.code == "sheet_ignored"]


def test_the_rejected_rows_of_an_accept_valid_import(alice, census_county, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = fixture_bytes("many_problems.xlsx")
    outcome = services.import_file(
        by=alice, unit=census_county["county"], data=data, file_name="m.xlsx", mode="accept_valid"
    )
    listed = rejected_rows(data, "m.xlsx", outcome.problems)
    rows = list(load_workbook(io.BytesIO(listed))[REJECTED_SHEET].iter_rows(min_row=2, values_only=True))
    assert len(rows) == outcome.counts()["rejected"]


def test_the_command_writes_the_annotated_file_and_the_rejected_rows(census_county, tmp_path):
    source = tmp_path / "many_problems.xlsx"
    source.write_bytes(fixture_bytes("many_problems.xlsx"))
    out, rejected = tmp_path / "标注.xlsx", tmp_path / "退回.xlsx"
    stdout = io.StringIO()
    call_command("annotate_problems", str(source), str(out), "--rejected", str(rejected), stdout=stdout)
    assert "错误" in stdout.getvalue()
    marks = _marks(out.read_bytes())
    assert (
        marks[("摸底表", "A2")][1].startswith("错误·信用代码格式不对:")
        and "〔uscc_format〕" in marks[("摸底表", "A2")][1]
    )
    assert load_workbook(rejected).sheetnames == [REJECTED_SHEET, PROBLEM_SHEET]
