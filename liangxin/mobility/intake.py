"""Reading the public-security migrant records that mark party members: bytes in, rows and every
problem out. Pure Python, no Django.

The census's spreadsheet reader does the reading (``census.tabular.reading``: XLSX, XLS, ODS, CSV in
any Chinese encoding), its cell converters the cleaning (``census.tabular.normalize``) and its
``Problem`` the reporting (file, sheet, row as Excel shows it, column as written, a stable code);
this module adds the police file's columns, their aliases and problem codes (``PROBLEM_CODES``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

from liangxin.census.tabular.cells import Cell, cell_text, is_blank
from liangxin.census.tabular.columns import column_letter, header_key, header_text, is_serial_header
from liangxin.census.tabular.normalize import text_converter, to_date
from liangxin.census.tabular.problems import Problem, Severity, ValueProblem, sort_problems
from liangxin.census.tabular.reading import ReadError, Sheet, read_workbook
from liangxin.core.text import normalize_name
from liangxin.registry.identifiers import IdentifierError, validate_citizen_id

from . import divisions

SCAN_ROWS: Final = 30


@dataclass(frozen=True, slots=True)
class MigrantColumn:
    key: str
    label: str
    aliases: tuple[str, ...]
    required: bool = False
    max_length: int = 200


COLUMNS: Final[tuple[MigrantColumn, ...]] = (
    MigrantColumn("name", "姓名", ("名字", "党员姓名", "人员姓名"), required=True, max_length=50),
    MigrantColumn(
        "id_number",
        "公民身份号码",
        ("身份证号", "身份证号码", "身份证", "公民身份证号", "公民身份证号码", "证件号码", "身份号码"),
        required=True,
        max_length=30,
    ),
    MigrantColumn("sex", "性别", (), max_length=4),
    MigrantColumn("household_address", "户籍地址", ("户籍地", "户籍所在地", "户口所在地", "户籍地详址", "户籍住址")),
    MigrantColumn(
        "current_address", "现住址", ("现居住地址", "居住地址", "暂住地址", "现居住地", "现住地址", "居住地详址")
    ),
    MigrantColumn("arrived_on", "来县日期", ("来本县日期", "来县时间", "到达日期", "流入日期", "入县日期", "来罗日期")),
    MigrantColumn("employer", "务工单位", ("工作单位", "就业单位", "服务处所", "务工单位名称", "单位")),
    MigrantColumn("phone", "联系电话", ("电话", "手机", "手机号码", "联系方式", "电话号码"), max_length=32),
)
BY_KEY: Final = MappingProxyType({c.key: c for c in COLUMNS})
_ALIASES: Final = MappingProxyType({header_key(alias): c.key for c in COLUMNS for alias in (c.label, *c.aliases)})

# code → (severity, meaning). Stable identifiers: add new ones, never rename or reuse one.
PROBLEM_CODES: Final[MappingProxyType[str, tuple[Severity, str]]] = MappingProxyType(
    {
        "unreadable_file": (
            "error",
            "文件无法读取(格式不支持、已加密、已损坏或是空文件)。请另存为 .xlsx 或 .csv 后重新上传。",
        ),
        "no_header": ("error", "前30行中找不到表头(姓名、公民身份号码等列名)。"),
        "required_column_missing": ("error", "缺少必填列(姓名、公民身份号码)。"),
        "duplicate_column": ("error", "两列对应同一列,后一列的数据不会导入。"),
        "unknown_column": ("warning", "不认识的列,其中的数据不会导入。"),
        "sheet_ignored": ("warning", "该工作表没有导入(不是流动人口数据)。"),
        "required_missing": ("error", "必填项为空(姓名、公民身份号码)。"),
        "id_number_format": ("error", "公民身份号码位数或字符不对(应为18位,最后一位可为X)。"),
        "id_number_checksum": ("error", "公民身份号码校验码不对(GB 11643),可能有数字录错。"),
        "id_number_component": ("error", "公民身份号码中的出生日期或地区代码无效。"),
        "id_number_as_number": (
            "error",
            "公民身份号码以数字形式保存,后几位可能已被表格软件改成0。请把该列设为文本后重新填写。",
        ),
        "duplicate_id_number": ("error", "同一公民身份号码在本文件中出现了两次(在后出现的行上报告)。"),
        "invalid_date": ("error", "不是有效的日期。请写成 2026-11-26 或 2026年11月26日。"),
        "future_date": ("error", "来县日期晚于今天。"),
        "text_too_long": ("error", "内容超过该列允许的长度。"),
        "unknown_township": (
            "error",
            "从现住址看不出在本县哪个乡镇(街道)。请在现住址中写明乡镇,或按乡镇分别导入(--unit)。",
        ),
        "township_differs": ("warning", "现住址写的是本县另一个乡镇(街道),已按导入单位登记。"),
        "sex_mismatch": ("warning", "性别与公民身份号码不符,已按身份号码登记。"),
        "origin_unknown": ("warning", "户籍地址和身份号码都看不出来自哪个县,流向统计中记为“不详”。"),
    }
)


def make_problem(
    code: str,
    message: str,
    *,
    file: str,
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = None,
    field: str | None = None,
    value: str | None = None,
) -> Problem:
    return Problem(file, sheet, row, column, field, value, PROBLEM_CODES[code][0], code, message)


@dataclass(frozen=True)
class Reference:
    """The county's townships, for placing a record by its current address."""

    today: dt.date
    # name as written, and its stem without 镇/乡/街道 → township code
    townships: Mapping[str, str] = field(default_factory=dict)
    # village or community name (and stem) → township code
    villages: Mapping[str, str] = field(default_factory=dict)
    unit_township: str | None = None  # importing for one township: every record is its


@dataclass
class MigrantRow:
    row: int
    name: str
    id_number: str
    sex: str  # "M" / "F" from the ID number
    birth_date: dt.date
    household_address: str = ""
    current_address: str = ""
    arrived_on: dt.date | None = None
    employer: str = ""
    phone: str = ""
    origin_code: str = ""  # current county code, "" when unknown
    township: str = ""  # township code
    has_errors: bool = False

    @property
    def name_key(self) -> str:
        return normalize_name(self.name)


@dataclass
class ReadResult:
    sheet_name: str | None
    header_row: int | None
    mapping: dict[str, str]  # column key → header as written
    rows: list[MigrantRow]
    problems: list[Problem]
    rows_total: int = 0  # data rows read, rejected ones included

    @property
    def error_count(self) -> int:
        return sum(1 for p in self.problems if p.is_error)

    @property
    def warning_count(self) -> int:
        return sum(1 for p in self.problems if not p.is_error)

    @property
    def file_errors(self) -> bool:
        """An error of the file or its header: nothing of it can be imported."""
        return any(p.is_error and (p.row is None or p.row == self.header_row) for p in self.problems)

    def rejected_rows(self) -> set[int]:
        return {p.row for p in self.problems if p.is_error and p.row is not None and p.row != self.header_row}


_TOWNSHIP_SUFFIXES: Final = ("街道办事处", "街道", "镇", "乡", "民族乡")
_VILLAGE_SUFFIXES: Final = ("居民委员会", "村民委员会", "村委会", "居委会", "社区", "村")


def _stem(name: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def township_names(units: list[tuple[str, str, str | None]]) -> tuple[dict[str, str], dict[str, str]]:
    """(township names → code, village names → township code) from (code, name, township code) of
    townships (township code None) and villages; each name also without its 镇/街道/村委会."""
    townships: dict[str, str] = {}
    villages: dict[str, str] = {}
    for code, name, parent in units:
        if parent is None:
            townships[name] = code
            townships.setdefault(_stem(name, _TOWNSHIP_SUFFIXES), code)
        else:
            villages[name] = parent
            stem = _stem(name, _VILLAGE_SUFFIXES)
            villages.setdefault(stem, parent)
            if stem != name and not stem.endswith(("村", "社区")):
                villages.setdefault(stem + "村", parent)
    return townships, villages


def township_of(address: str, reference: Reference) -> str | None:
    """The township of the county an address names: the longest township name in it, else the
    longest village name (a village names its township); None when none or two disagree."""
    text = "".join(address.split())
    for names in (reference.townships, reference.villages):
        hits = [(len(name), code) for name, code in names.items() if len(name) >= 2 and name in text]
        if hits:
            longest = max(length for length, _code in hits)
            codes = {code for length, code in hits if length == longest}
            if len(codes) == 1:
                return codes.pop()
    return None


def _locate(sheet: Sheet) -> tuple[int, dict[int, str], list[tuple[int, str]], list[tuple[int, str]]] | None:
    """(header row index, column index → key, unknown columns, duplicate columns) of the best row."""
    best: tuple[int, int] | None = None
    for index, row in enumerate(sheet.rows[:SCAN_ROWS]):
        keys = {_ALIASES.get(header_key(cell_text(c))) for c in row if not is_blank(c)} - {None}
        score = len(keys)
        if score >= 2 and ("name" in keys or "id_number" in keys) and (best is None or score > best[1]):
            best = (index, score)
    if best is None:
        return None
    index = best[0]
    mapping: dict[int, str] = {}
    unknown: list[tuple[int, str]] = []
    duplicates: list[tuple[int, str]] = []
    for col, cell in enumerate(sheet.rows[index]):
        if is_blank(cell):
            continue
        written = header_text(cell_text(cell))
        key = _ALIASES.get(header_key(written))
        if key is None:
            if not is_serial_header(written):
                unknown.append((col, written))
        elif key in mapping.values():
            duplicates.append((col, written))
        else:
            mapping[col] = key
    return index, mapping, unknown, duplicates


_CONVERT: Final[dict[str, Callable[[Cell], Any]]] = {
    key: text_converter(column.max_length) for key, column in BY_KEY.items() if key not in ("arrived_on",)
}
_CONVERT["arrived_on"] = to_date


def read_migrants(data: bytes, filename: str, reference: Reference) -> ReadResult:
    """Every row of the police file, validated; every problem, never only the first."""
    try:
        sheets = read_workbook(data, filename)
    except ReadError as exc:
        return ReadResult(None, None, {}, [], [make_problem("unreadable_file", exc.message, file=filename)])
    located = [(sheet, _locate(sheet)) for sheet in sheets]
    found = [(sheet, loc) for sheet, loc in located if loc is not None]
    if not found:
        if all(sheet.is_empty() for sheet in sheets):
            message = "文件中没有任何数据。"
            return ReadResult(None, None, {}, [], [make_problem("unreadable_file", message, file=filename)])
        message = "前30行中找不到表头:应有“姓名”“公民身份号码”等列名。"
        return ReadResult(None, None, {}, [], [make_problem("no_header", message, file=filename)])
    sheet, loc = max(found, key=lambda pair: len(pair[1][1]))
    index, mapping, unknown, duplicates = loc
    header_row = Sheet.excel_row(index)
    problems: list[Problem] = []
    for other, _loc in located:
        if other is not sheet and not other.is_empty() and other.visible:
            problems.append(
                make_problem("sheet_ignored", f"工作表“{other.name}”没有导入。", file=filename, sheet=other.name)
            )
    for col, written in unknown:
        problems.append(
            make_problem(
                "unknown_column",
                f"第{column_letter(col)}列“{written}”不是流动人口登记表的列,这一列的数据不会导入。",
                file=filename,
                sheet=sheet.name,
                row=header_row,
                column=written,
                value=written,
            )
        )
    for col, written in duplicates:
        problems.append(
            make_problem(
                "duplicate_column",
                f"第{column_letter(col)}列“{written}”与前面的列重复,不会导入。",
                file=filename,
                sheet=sheet.name,
                row=header_row,
                column=written,
                value=written,
            )
        )
    written_of = {key: header_text(cell_text(sheet.rows[index][col])) for col, key in mapping.items()}
    for column in COLUMNS:
        if column.required and column.key not in written_of:
            problems.append(
                make_problem(
                    "required_column_missing",
                    f"表头中没有“{column.label}”列,它是必填列。",
                    file=filename,
                    sheet=sheet.name,
                    row=header_row,
                    field=column.label,
                )
            )
    if any(p.is_error for p in problems):
        return ReadResult(sheet.name, header_row, written_of, [], sort_problems(problems))
    reader = _RowReader(filename, sheet.name, mapping, written_of, reference)
    rows: list[MigrantRow] = []
    total = 0
    for offset, cells in enumerate(sheet.rows[index + 1 :], start=index + 1):
        if all(is_blank(c) for c in cells):
            continue
        total += 1
        row = reader.read(Sheet.excel_row(offset), cells)
        if row is not None:
            rows.append(row)
    problems.extend(reader.problems)
    return ReadResult(sheet.name, header_row, written_of, rows, sort_problems(problems), rows_total=total)


class _RowReader:
    def __init__(
        self,
        filename: str,
        sheet: str,
        mapping: dict[int, str],
        written_of: dict[str, str],
        reference: Reference,
    ) -> None:
        self.filename = filename
        self.sheet = sheet
        self.mapping = mapping
        self.written_of = written_of
        self.reference = reference
        self.problems: list[Problem] = []
        self.seen: dict[str, int] = {}

    def _problem(self, code: str, message: str, row: int, key: str | None = None, value: str | None = None) -> None:
        self.problems.append(
            make_problem(
                code,
                message,
                file=self.filename,
                sheet=self.sheet,
                row=row,
                column=self.written_of.get(key) if key else None,
                field=BY_KEY[key].label if key else None,
                value=value,
            )
        )

    def read(self, row: int, cells: list[Cell]) -> MigrantRow | None:
        values: dict[str, Any] = {}
        errors = 0
        raw: dict[str, Cell] = {}
        for col, key in self.mapping.items():
            cell = cells[col] if col < len(cells) else None
            raw[key] = cell
            try:
                values[key] = _CONVERT[key](cell)
            except ValueProblem as exc:
                self._problem(exc.code, exc.message, row, key, cell_text(cell))
                errors += 1
        for column in COLUMNS:
            if column.required and not values.get(column.key):
                self._problem("required_missing", f"“{column.label}”为空。", row, column.key)
                errors += 1
        citizen = None
        id_cell = raw.get("id_number")
        if isinstance(id_cell, float | int) and not isinstance(id_cell, bool):
            self._problem(
                "id_number_as_number",
                f"公民身份号码“{cell_text(id_cell)}”以数字形式保存,后几位可能已丢失。请把该列设为文本后重新填写。",
                row,
                "id_number",
                cell_text(id_cell),
            )
            errors += 1
        elif values.get("id_number"):
            try:
                citizen = validate_citizen_id(values["id_number"])
            except IdentifierError as exc:
                self._problem(exc.code, exc.message, row, "id_number", values["id_number"])
                errors += 1
        if citizen is not None:
            first = self.seen.setdefault(citizen.number, row)
            if first != row:
                self._problem(
                    "duplicate_id_number",
                    f"该公民身份号码在第{first}行已出现。",
                    row,
                    "id_number",
                    citizen.masked,
                )
                errors += 1
            sex = values.get("sex") or ""
            expected = "男" if citizen.sex == "M" else "女"
            if sex and sex not in (expected, citizen.sex, expected + "性"):
                self._problem("sex_mismatch", f"性别填“{sex}”,身份号码为{expected}性。", row, "sex", sex)
        arrived = values.get("arrived_on")
        if arrived is not None and arrived > self.reference.today:
            self._problem(
                "future_date", f"来县日期 {arrived} 晚于今天。", row, "arrived_on", cell_text(raw["arrived_on"])
            )
            errors += 1
        current = values.get("current_address") or ""
        named = township_of(current, self.reference) if current else None
        township = self.reference.unit_township or named
        if township is None:
            self._problem(
                "unknown_township", f"现住址“{current}”看不出所在乡镇(街道)。", row, "current_address", current
            )
            errors += 1
        elif named is not None and named != township:
            self._problem(
                "township_differs", f"现住址“{current}”写的是另一个乡镇(街道)。", row, "current_address", current
            )
        if errors or citizen is None or township is None:
            return None
        household = values.get("household_address") or ""
        origin = divisions.place_code(id_number=citizen.number, address=household) or ""
        if not origin:
            self._problem("origin_unknown", "看不出来自哪个县。", row, "household_address", household)
        return MigrantRow(
            row=row,
            name=values["name"],
            id_number=citizen.number,
            sex=citizen.sex,
            birth_date=citizen.birth_date,
            household_address=household,
            current_address=current,
            arrived_on=arrived,
            employer=values.get("employer") or "",
            phone=values.get("phone") or "",
            origin_code=origin,
            township=township,
        )
