"""The census reader's entry point: bytes in, typed rows and every problem out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .header import Header, HeaderColumn, locate_header
from .parse import CensusRow, parse_sheet
from .problems import Problem, problem, sort_problems
from .reading import ReadError, Sheet, read_workbook
from .validate import Reference, validate_rows

# Sheets named like this are instructions or drop-down lists; leaving them out needs no warning.
_QUIET_SHEET_WORDS = ("说明", "填表", "须知", "选项", "字典", "代码表")


@dataclass(frozen=True)
class CensusReadResult:
    sheet_name: str | None  # the sheet read, None when nothing could be read
    header_row: int | None  # Excel row number of the header
    mapping: tuple[HeaderColumn, ...]  # every header cell and the template column it became
    rows: list[CensusRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (Excel row, why it is not a record)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def valid_rows(self) -> list[CensusRow]:
        """Rows without an error of their own (file-level errors aside)."""
        return [row for row in self.rows if not row.has_errors]


def read_census(
    data: bytes,
    filename: str,
    reference: Reference,
    mapping_override: Mapping[str, str | None] | None = None,
) -> CensusReadResult:
    """Read, normalise and validate a census file.

    The sheet whose header names the most template columns is read; another sheet that also has
    census data is an error (``extra_data_sheet``), any other non-empty sheet a warning
    (``sheet_ignored``). ``mapping_override`` maps headers as written to template keys or labels
    (None: ignore the column) and wins over the alias table.
    """
    try:
        sheets = read_workbook(data, filename)
    except ReadError as exc:
        return CensusReadResult(None, None, (), problems=[problem("unreadable_file", exc.message, file=filename)])
    if all(sheet.is_empty() for sheet in sheets):
        return CensusReadResult(
            None,
            None,
            (),
            problems=[problem("unreadable_file", "文件中没有任何数据。请确认上传的是填好的摸底表。", file=filename)],
        )
    found: list[tuple[Sheet, Header | None]] = [(sheet, locate_header(sheet, mapping_override)) for sheet in sheets]
    candidates: list[tuple[Sheet, Header]] = [(s, h) for s, h in found if h is not None]
    chosen = max(candidates, key=lambda pair: pair[1].score, default=None)
    if chosen is None:
        sheet = next((s for s, _h in found if not s.is_empty()), sheets[0])
        return CensusReadResult(
            sheet.name,
            None,
            (),
            problems=[
                problem(
                    "no_header",
                    f"工作表“{sheet.name}”前{30}行中找不到表头(应有“组织名称”“组织类别”“所属乡镇”等列名)。"
                    "请使用摸底模板,或在导入页面上指定各列对应的模板列。",
                    file=filename,
                    sheet=sheet.name,
                )
            ],
        )
    sheet, header = chosen
    problems: list[Problem] = []
    for other, other_header in found:
        if other is sheet:
            continue
        if other_header is not None and "name" in other_header.written:
            problems.append(
                problem(
                    "extra_data_sheet",
                    f"工作表“{other.name}”也有摸底数据,但本次只导入了工作表“{sheet.name}”。"
                    "请把数据合并到一个工作表,或把该工作表另存为单独的文件再导入。",
                    file=filename,
                    sheet=other.name,
                )
            )
        elif other.visible and not other.is_empty() and not any(w in other.name for w in _QUIET_SHEET_WORDS):
            problems.append(
                problem(
                    "sheet_ignored",
                    f"工作表“{other.name}”不是摸底数据,没有导入。如果其中有需要导入的组织,请按模板整理后导入。",
                    file=filename,
                    sheet=other.name,
                )
            )
    parsed = parse_sheet(sheet, header, filename)
    problems.extend(parsed.problems)
    problems.extend(validate_rows(parsed.rows, reference))
    return CensusReadResult(
        sheet_name=sheet.name,
        header_row=header.row,
        mapping=header.columns,
        rows=parsed.rows,
        problems=sort_problems(problems),
        skipped=parsed.skipped,
    )
