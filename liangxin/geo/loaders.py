"""Reading and checking the tables a county is set up from: administrative divisions
(代码, 名称, 上级代码) and supervisory departments (代码, 名称).

Pure Python, no Django: the tables come from township and county staff as CSV (UTF-8, UTF-8
with BOM, or GBK from Excel/WPS) or XLSX, and every problem is collected with the file name and
the row number as Excel shows it (the header is row 1), so one run lists everything to fix.
Messages are plain Chinese, like those of ``registry.identifiers``.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# The values of ``geo.models.UnitLevel``; repeated here so that this module needs no Django.
COUNTY = 1
TOWNSHIP = 2
VILLAGE = 3
LEVEL_OF_LENGTH = {6: COUNTY, 9: TOWNSHIP, 12: VILLAGE}
LEVEL_LABEL = {COUNTY: "县(市、区)", TOWNSHIP: "乡镇(街道)", VILLAGE: "村(社区)"}
CODE_LENGTH_OF_LEVEL = {level: length for length, level in LEVEL_OF_LENGTH.items()}

NAME_MAX_LENGTH = 100
DEPARTMENT_CODE_MAX_LENGTH = 32
# Department codes become part of login names (``dept_<code>``), so they stay within the
# characters Django accepts in a username.
_DEPARTMENT_CODE = re.compile(r"^[A-Za-z0-9_-]+$")
# What Excel writes into a CSV when a long number column was left in "general" format.
_SCIENTIFIC = re.compile(r"^[0-9](\.[0-9]+)?[eE]\+?[0-9]+$")

DIVISION_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("代码", "区划代码", "统计用区划代码"),
    "name": ("名称", "区划名称"),
    "parent_code": ("上级代码", "上级区划代码"),
}
DEPARTMENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("代码", "部门代码"),
    "name": ("名称", "部门名称"),
}


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None  # None: the file as a whole
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return f"{self.file}:{self.message}"
        return f"{self.file} 第{self.row}行:{self.message}"


@dataclass(frozen=True)
class Division:
    row: int
    code: str
    name: str
    level: int
    parent_code: str | None
    path: str


@dataclass(frozen=True)
class DepartmentEntry:
    row: int
    code: str
    name: str


@dataclass(frozen=True)
class Table:
    file: str
    rows: list[tuple[int, dict[str, str]]]  # (row number as in Excel, field → text)


# --- Reading ---------------------------------------------------------------------------------


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        # A code typed into a numeric XLSX cell comes back as 530324001.0.
        return str(int(value))
    text = unicodedata.normalize("NFKC", str(value)).replace("\ufeff", "")
    return " ".join(text.split())


def _decode(data: bytes) -> str | None:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _csv_rows(path: Path, problems: list[Problem]) -> Iterator[list[object]]:
    text = _decode(path.read_bytes())
    if text is None:
        problems.append(Problem(path.name, None, "无法识别文件编码,请另存为 UTF-8 或 GBK 编码的 CSV 文件。"))
        return
    yield from csv.reader(io.StringIO(text, newline=""))


def _xlsx_rows(path: Path, problems: list[Problem]) -> Iterator[list[object]]:
    from openpyxl import load_workbook  # imported here: only XLSX input needs it

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors for a damaged or mislabelled file
        problems.append(Problem(path.name, None, "无法打开 Excel 文件,请确认是 .xlsx 格式且未损坏。"))
        return
    try:
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield list(values)
    finally:
        workbook.close()


def _raw_rows(path: Path, problems: list[Problem]) -> Iterator[list[object]]:
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        yield from _xlsx_rows(path, problems)
    elif suffix in {".csv", ".txt"}:
        yield from _csv_rows(path, problems)
    elif suffix in {".xls", ".et"}:
        problems.append(Problem(path.name, None, "不支持旧版 .xls/.et 格式,请在 Excel 或 WPS 中另存为 .xlsx 或 CSV。"))
    else:
        problems.append(Problem(path.name, None, "只能读取 .csv 或 .xlsx 文件。"))


def read_table(path: Path, columns: Mapping[str, tuple[str, ...]]) -> tuple[Table, list[Problem]]:
    """The rows of the first sheet (or the CSV) keyed by field, blank rows left out.

    ``columns`` maps each field to the header texts accepted for it, the first one being the
    name shown in messages. Row 1 must be the header.
    """
    problems: list[Problem] = []
    table = Table(file=path.name, rows=[])
    if not path.is_file():
        problems.append(Problem(path.name, None, f"找不到文件 {path}。"))
        return table, problems
    rows = _raw_rows(path, problems)
    header = next(rows, None)
    if problems:
        return table, problems
    if header is None:
        problems.append(Problem(path.name, None, "文件是空的。"))
        return table, problems
    heads = [_cell_text(v).replace(" ", "") for v in header]
    positions: dict[str, int] = {}
    missing = []
    for field, names in columns.items():
        found = next((i for i, head in enumerate(heads) if head in names), None)
        if found is None:
            missing.append(f"“{names[0]}”")
        else:
            positions[field] = found
    if missing:
        expected = ",".join(n[0] for n in columns.values())
        problems.append(Problem(path.name, 1, f"缺少{'、'.join(missing)}列;第1行应为表头:{expected}。"))
        return table, problems
    for number, values in enumerate(rows, start=2):
        texts = {field: _cell_text(values[i]) if i < len(values) else "" for field, i in positions.items()}
        if any(texts.values()):
            table.rows.append((number, texts))
    return table, problems


# --- Administrative divisions ----------------------------------------------------------------


def _code_problem(code: str) -> str | None:
    if not code:
        return "代码为空。"
    if _SCIENTIFIC.match(code):
        return f"代码“{code}”被表格软件显示成了科学计数法,位数已丢失;请把代码列设为“文本”格式、重新填入代码后再导出。"
    if not code.isascii() or not code.isdigit():
        return f"代码“{code}”只能由数字组成。"
    if len(code) not in LEVEL_OF_LENGTH:
        return f"代码“{code}”为{len(code)}位;县应为6位,乡镇(街道)应为9位,村(社区)应为12位。"
    return None


def _name_problem(name: str) -> str | None:
    if not name:
        return "名称为空。"
    if len(name) > NAME_MAX_LENGTH:
        return f"名称超过{NAME_MAX_LENGTH}个字。"
    return None


def validate_divisions(table: Table) -> tuple[list[Division], list[Problem]]:
    """Check every row: code form and level, name, duplicates, a single county, each parent
    present, one level up and a prefix of the code. Returns the divisions (with level and
    path) only when there is no problem at all."""
    problems: list[Problem] = []

    def report(row: int | None, message: str) -> None:
        problems.append(Problem(table.file, row, message))

    first_row_of: dict[str, int] = {}
    good: list[tuple[int, str, str, str]] = []  # rows whose own code is well formed and unique
    county_code: str | None = None
    county_row = 0
    for row, cells in table.rows:
        code, name, parent_code = cells["code"], cells["name"], cells["parent_code"]
        code_problem = _code_problem(code)
        if code_problem:
            report(row, code_problem)
        name_problem = _name_problem(name)
        if name_problem:
            report(row, name_problem)
        if code_problem:
            continue
        if code in first_row_of:
            report(row, f"代码 {code} 与第{first_row_of[code]}行重复。")
            continue
        first_row_of[code] = row
        if LEVEL_OF_LENGTH[len(code)] == COUNTY:
            if county_code is not None:
                report(row, f"一个文件只能有一个县级区划(6位代码),第{county_row}行已是县级区划 {county_code}。")
                continue
            county_code, county_row = code, row
        good.append((row, code, name, parent_code))

    if county_code is None:
        report(None, "文件中没有县级区划(6位代码、上级代码为空的一行)。")

    divisions: list[Division] = []
    parent_of: dict[str, str | None] = {}
    for row, code, name, parent_code in good:
        level = LEVEL_OF_LENGTH[len(code)]
        if level == COUNTY:
            if parent_code:
                report(row, f"县级区划不应填写上级代码(现为“{parent_code}”)。")
                continue
            parent_of[code] = None
            divisions.append(Division(row, code, name, level, None, code))
            continue
        wanted = level - 1
        if not parent_code:
            report(row, f"缺少上级代码:{LEVEL_LABEL[level]}的上级应为{LEVEL_LABEL[wanted]}。")
            continue
        if parent_code not in first_row_of:
            report(row, f"上级代码 {parent_code} 在文件中不存在。")
            continue
        parent_level = LEVEL_OF_LENGTH[len(parent_code)]
        if parent_level != wanted:
            report(
                row,
                f"上级 {parent_code} 是{LEVEL_LABEL[parent_level]};{LEVEL_LABEL[level]}的上级应为"
                f"{LEVEL_LABEL[wanted]}({CODE_LENGTH_OF_LEVEL[wanted]}位代码)。",
            )
            continue
        if parent_level == COUNTY and parent_code != county_code:
            report(row, f"上级代码 {parent_code} 不是本文件的县级区划 {county_code}。")
            continue
        if not code.startswith(parent_code):
            report(row, f"代码 {code} 的前{len(parent_code)}位应与上级代码 {parent_code} 相同。")
            continue
        parent_of[code] = parent_code
        divisions.append(Division(row, code, name, level, parent_code, ""))

    if problems:
        # Report in the order of the file, whatever pass found the problem.
        problems.sort(key=lambda p: p.row or 0)
        return [], problems
    paths: dict[str, str] = {}
    result = []
    for division in sorted(divisions, key=lambda d: (d.level, d.code)):
        parent = parent_of[division.code]
        paths[division.code] = f"{paths[parent]}/{division.code}" if parent else division.code
        result.append(
            Division(division.row, division.code, division.name, division.level, parent, paths[division.code])
        )
    return result, problems


def load_divisions(path: Path) -> tuple[list[Division], list[Problem]]:
    table, problems = read_table(path, DIVISION_COLUMNS)
    if problems:
        return [], problems
    return validate_divisions(table)


# --- Supervisory departments -----------------------------------------------------------------


def validate_departments(table: Table) -> tuple[list[DepartmentEntry], list[Problem]]:
    problems: list[Problem] = []
    entries: list[DepartmentEntry] = []
    row_of_code: dict[str, int] = {}
    row_of_name: dict[str, int] = {}
    for row, cells in table.rows:
        code, name = cells["code"], cells["name"]
        ok = True
        if not code:
            problems.append(Problem(table.file, row, "部门代码为空。"))
            ok = False
        elif len(code) > DEPARTMENT_CODE_MAX_LENGTH or not _DEPARTMENT_CODE.match(code):
            problems.append(
                Problem(
                    table.file,
                    row,
                    f"部门代码“{code}”只能由字母、数字、下划线和连字符组成,"
                    f"且不超过{DEPARTMENT_CODE_MAX_LENGTH}个字符。",
                )
            )
            ok = False
        elif code.upper() in row_of_code:
            problems.append(Problem(table.file, row, f"部门代码 {code} 与第{row_of_code[code.upper()]}行重复。"))
            ok = False
        else:
            row_of_code[code.upper()] = row
        if not name:
            problems.append(Problem(table.file, row, "部门名称为空。"))
            ok = False
        elif len(name) > NAME_MAX_LENGTH:
            problems.append(Problem(table.file, row, f"部门名称超过{NAME_MAX_LENGTH}个字。"))
            ok = False
        elif name in row_of_name:
            problems.append(Problem(table.file, row, f"部门名称“{name}”与第{row_of_name[name]}行重复。"))
            ok = False
        else:
            row_of_name[name] = row
        if ok:
            entries.append(DepartmentEntry(row, code, name))
    if problems:
        return [], problems
    return entries, problems


def load_departments(path: Path) -> tuple[list[DepartmentEntry], list[Problem]]:
    table, problems = read_table(path, DEPARTMENT_COLUMNS)
    if problems:
        return [], problems
    return validate_departments(table)


def format_problems(problems: Sequence[Problem]) -> list[str]:
    return [str(p) for p in problems]
