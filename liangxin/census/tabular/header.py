"""Find the header row of a census sheet and map its columns to the template.

Township files put a merged title ("XX镇“两新”组织集中摸底情况统计表"), a units row
("单位:人、万元") and blank rows above the header, and sometimes a two-row header (a merged
"党员数" over "正式" and "预备"). Each of the first :data:`SCAN_ROWS` rows is scored by how many
template columns its cells name (alias table, columns.py); the best row wins. If the row below
it names further columns under blank or unknown cells, it is a sub-header and the two are read
together ("党员数" + "正式" → 党员数(正式) → 正式党员数).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from .cells import Cell, cell_text
from .columns import BY_KEY, BY_LABEL, COLUMNS, column_letter, header_key, header_text, is_serial_header, match_header
from .problems import Problem, problem
from .reading import Sheet

SCAN_ROWS: Final = 30
MIN_SCORE: Final = 3  # template columns a header row must name (2 if one of them is 组织名称)


@dataclass(frozen=True, slots=True)
class HeaderColumn:
    index: int  # 0-based column index
    letter: str  # Excel column letter
    written: str  # the header as written (spaces and line breaks collapsed)
    key: str | None  # canonical column key, None when not mapped


@dataclass(frozen=True, slots=True)
class Header:
    row: int  # Excel row number of the header (the lower row of a two-row header)
    data_start: int  # index into Sheet.rows of the first row after the header
    columns: tuple[HeaderColumn, ...]  # every non-empty header cell, left to right
    serial_index: int | None  # the 序号 column, if any
    score: int  # how many template columns the header names
    unknown: tuple[HeaderColumn, ...] = ()
    duplicates: tuple[HeaderColumn, ...] = ()
    wrong_units: tuple[tuple[HeaderColumn, str], ...] = ()
    top_row: int | None = None  # Excel row of the upper row of a two-row header

    @property
    def mapping(self) -> dict[int, str]:
        """Column index → canonical key, for the columns that are read."""
        return {c.index: c.key for c in self.columns if c.key is not None and c not in self.duplicates}

    @property
    def written(self) -> dict[str, str]:
        """Canonical key → header as written, for the columns that are read."""
        return {c.key: c.written for c in self.columns if c.key is not None and c not in self.duplicates}

    def problems(self, file: str, sheet: str) -> list[Problem]:
        found: list[Problem] = []
        for column in self.columns:
            if column in self.unknown:
                suggestion = suggest_column(column.written)
                hint = (
                    f"如果它就是模板中的“{suggestion}”,请把列名改为“{suggestion}”,"
                    if suggestion
                    else "如果它对应某个模板列,请改列名,"
                )
                found.append(
                    problem(
                        "unknown_column",
                        f"第{column.letter}列“{column.written}”不是摸底模板中的列,这一列的数据不会导入。{hint}"
                        "或在导入页面上指定它对应的列。",
                        file=file,
                        sheet=sheet,
                        row=self.row,
                        column=column.written,
                        value=column.written,
                    )
                )
            elif column in self.duplicates:
                assert column.key is not None
                first = next(c for c in self.columns if c.key == column.key)
                label = BY_KEY[column.key].label
                found.append(
                    problem(
                        "duplicate_column",
                        f"第{column.letter}列“{column.written}”和第{first.letter}列“{first.written}”都是“{label}”,"
                        f"只会导入第{first.letter}列。请删除多余的一列,或改正列名。",
                        file=file,
                        sheet=sheet,
                        row=self.row,
                        column=column.written,
                        field=label,
                        value=column.written,
                    )
                )
        for column, key in self.wrong_units:
            target = BY_KEY[key]
            found.append(
                problem(
                    "unit_mismatch",
                    f"第{column.letter}列“{column.written}”的单位与模板“{target.label}”不同,这一列没有导入。"
                    f"请把数字换算成模板的单位,并把列名改为“{target.label}”。",
                    file=file,
                    sheet=sheet,
                    row=self.row,
                    column=column.written,
                    field=target.label,
                    value=column.written,
                )
            )
        keys = {c.key for c in self.columns}
        for template_column in COLUMNS:
            if template_column.required and template_column.key != "uscc" and template_column.key not in keys:
                found.append(
                    problem(
                        "required_column_missing",
                        f"表头中没有“{template_column.label}”列,它是必填列。请在表中加上这一列并填写。",
                        file=file,
                        sheet=sheet,
                        row=self.row,
                        field=template_column.label,
                    )
                )
        return found


def suggest_column(written: str) -> str | None:
    """The template column whose name is closest to a header, if any is close."""
    from rapidfuzz import fuzz, process

    best = process.extractOne(
        header_key(written), {c.label: header_key(c.label) for c in COLUMNS}, scorer=fuzz.ratio, score_cutoff=70
    )
    return None if best is None else str(best[2])


def _override_keys(override: Mapping[str, str | None] | None) -> dict[str, str | None] | None:
    if not override:
        return None
    keys: dict[str, str | None] = {}
    for written, key in override.items():
        if key and key not in BY_KEY:
            column = BY_LABEL.get(key)
            if column is None:
                raise ValueError(f"mapping override: {key!r} is not a template column")
            key = column.key
        keys[header_key(written)] = key or None
    return keys


def _row_keys(row: list[Cell], extra: dict[str, str | None] | None) -> set[str]:
    keys: set[str] = set()
    for cell in row:
        if isinstance(cell, str) and cell.strip() and len(cell) < 60:
            key = match_header(cell, extra).key
            if key is not None:
                keys.add(key)
    return keys


def _combined(parent: str, child: str) -> str:
    return f"{parent}({child})" if parent else child


def locate_header(
    sheet: Sheet, override: Mapping[str, str | None] | None = None, scan_rows: int = SCAN_ROWS
) -> Header | None:
    """The header of ``sheet``, or None if none of its first rows looks like one.

    ``override`` maps headers as written to canonical keys (or labels), or to None to ignore a
    column; it wins over the alias table.
    """
    extra = _override_keys(override)
    best_index, best_keys = -1, set[str]()
    for index, row in enumerate(sheet.rows[:scan_rows]):
        keys = _row_keys(row, extra)
        if len(keys) > len(best_keys):
            best_index, best_keys = index, keys
    score = len(best_keys)
    if score < MIN_SCORE and not (score == 2 and "name" in best_keys):
        return None
    top = sheet.rows[best_index]
    below = sheet.rows[best_index + 1] if best_index + 1 < len(sheet.rows) else []
    written = _written_headers(top, below, extra)
    two_rows = written is not None
    if written is None:
        written = {i: header_text(cell) for i, cell in enumerate(top) if cell_text(cell).strip()}

    columns: list[HeaderColumn] = []
    unknown: list[HeaderColumn] = []
    duplicates: list[HeaderColumn] = []
    wrong_units: list[tuple[HeaderColumn, str]] = []
    seen: set[str] = set()
    serial_index: int | None = None
    for index in sorted(written):
        text = written[index]
        found = match_header(text, extra)
        key = found.key if found.unit_ok else None
        column = HeaderColumn(index=index, letter=column_letter(index), written=text, key=key)
        columns.append(column)
        if found.key is not None and not found.unit_ok:
            wrong_units.append((column, found.key))
        elif key is None:
            if extra is not None and header_key(text) in extra:
                continue  # the user chose to ignore this column
            if serial_index is None and is_serial_header(text):
                serial_index = index
            else:
                unknown.append(column)
        elif key in seen:
            duplicates.append(column)
        else:
            seen.add(key)
    return Header(
        row=sheet.excel_row(best_index + 1 if two_rows else best_index),
        data_start=best_index + (2 if two_rows else 1),
        columns=tuple(columns),
        serial_index=serial_index,
        score=len(seen),
        unknown=tuple(unknown),
        duplicates=tuple(duplicates),
        wrong_units=tuple(wrong_units),
        top_row=sheet.excel_row(best_index) if two_rows else None,
    )


def _written_headers(top: list[Cell], below: list[Cell], extra: dict[str, str | None] | None) -> dict[int, str] | None:
    """Headers of a two-row header, or None when ``below`` is not a sub-header of ``top``.

    ``below`` is a sub-header when each of its non-empty cells sits under an empty or unknown cell
    of ``top`` (a merged group title such as "党员数" is written in its first column only) and at
    least one of them names a template column, alone or together with the group title.
    """
    top_text = {i: header_text(cell) for i, cell in enumerate(top) if cell_text(cell).strip()}
    below_text = {i: header_text(cell) for i, cell in enumerate(below) if cell_text(cell).strip()}
    if not below_text:
        return None
    combined: dict[int, str] = dict(top_text)
    named = False
    for index, child in below_text.items():
        parent = top_text.get(index)
        if parent is not None and match_header(parent, extra).key is not None:
            return None
        if parent is None:
            left = [i for i in top_text if i < index]
            parent = top_text[max(left)] if left else ""
            if parent and match_header(parent, extra).key is not None:
                parent = ""
        text = _combined(parent, child)
        if match_header(text, extra).key is not None:
            named = True
        elif match_header(child, extra).key is not None:
            text = child
            named = True
        combined[index] = text
    if not named:
        return None
    # A group title that heads sub-columns is not itself a column.
    for index in list(top_text):
        if index not in below_text and any(combined.get(i, "").startswith(top_text[index] + "(") for i in below_text):
            del combined[index]
    return combined
