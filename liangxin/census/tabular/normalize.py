"""Pure converters from a spreadsheet cell to a typed value.

Each converter takes a :data:`~.cells.Cell` and returns the value, ``None`` for an empty cell, or
raises :class:`~.problems.ValueProblem`. A warning-level ValueProblem (``approximate_number``,
``rounded_number``) carries the value that was read in ``.value``: the caller records the warning
and keeps the value. Nothing here knows about rows, files or Django.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import Any, Final

from rapidfuzz import fuzz, process

from liangxin.core import chinese, industry
from liangxin.core.text import clean_name, clean_text
from liangxin.registry.identifiers import validate_uscc

from . import vocab
from .cells import Cell, cell_text
from .columns import DATA_DIR, Column
from .problems import ValueProblem

Converter = Callable[[Cell], Any]

MAX_COUNT: Final = 10_000_000
MAX_AMOUNT: Final = Decimal("999999999999.99")  # 14 digits, 2 decimals: the register's field
CENT: Final = Decimal("0.01")
EXCEL_ERRORS: Final = frozenset(
    {"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"}
)
EXCEL_EPOCH: Final = dt.date(1899, 12, 30)

_APPROX_BEFORE = "约|大约|近|大概|估计|约计"
_APPROX_AFTER = "左右|余|多|以上|上下"
_COUNT = re.compile(
    rf"(?P<approx>{_APPROX_BEFORE})?(?P<sign>[-+]?)(?P<int>\d+(?:,\d{{3}})*)(?P<frac>\.\d*)?"
    rf"(?:人|名|个|家|户|位)?(?P<approx2>{_APPROX_AFTER})?(?:人|名|个|家|户|位)?"
)
_AMOUNT = re.compile(
    rf"(?P<approx>{_APPROX_BEFORE})?(?P<sign>[-+]?)(?P<int>\d+(?:,\d{{3}})*|(?=\.\d))(?P<frac>\.\d*)?"
    rf"(?P<unit>万元|万|元)?(?P<approx2>{_APPROX_AFTER})?(?P<unit2>万元|万|元)?"
)
_PLAIN_AMOUNT = re.compile(r"[0-9]{1,12}(?:\.[0-9]{0,2})?")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")
_DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_CODE_JUNK = str.maketrans("", "", " -\t\u3000\n\r._/")


def _nfkc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def _compact(text: str) -> str:
    """NFKC without any whitespace, for numbers and yes/no words."""
    text = _nfkc(text)
    if " " in text or "\n" in text or "\t" in text or "\r" in text:
        text = "".join(text.split())
    return text.replace("\u2212", "-")


def _shown(cell: Cell) -> str:
    return " ".join(cell_text(cell).split())


# ----------------------------------------------------------------------------------------- text
# Free text and names are cleaned by the register's own functions (liangxin.core.text), so a value
# read from a spreadsheet and the same value typed in a form are stored alike, and an export
# re-imports as "no change". Names are kept as written (full-width brackets stay); only the matching
# key (core.text.normalize_name) folds them.
def to_text(cell: Cell) -> str | None:
    """:func:`liangxin.core.text.clean_text` of the cell; None for nothing."""
    if isinstance(cell, str):
        return clean_text(cell) or None
    if cell is None:
        return None
    return clean_text(cell_text(cell)) or None


def to_name(cell: Cell) -> str | None:
    """:func:`liangxin.core.text.clean_name` of the cell (as written); None for nothing."""
    if isinstance(cell, str):
        return clean_name(cell) or None
    if cell is None:
        return None
    return clean_name(cell_text(cell)) or None


def _too_long(value: str, max_length: int) -> ValueProblem:
    return ValueProblem("text_too_long", f"内容有{len(value)}个字,超过了该列允许的{max_length}个字。请精简后重新填写。")


def text_converter(max_length: int | None, *, name: bool = False) -> Converter:
    """:func:`to_text` (or :func:`to_name`) refusing values longer than ``max_length``."""
    base = to_name if name else to_text
    if max_length is None:
        return base

    def limited(cell: Cell) -> str | None:
        value = base(cell)
        if value is not None and len(value) > max_length:
            raise _too_long(value, max_length)
        return value

    return limited


def with_max_length(convert: Converter, max_length: int) -> Converter:
    def limited(cell: Cell) -> Any:
        value = convert(cell)
        if isinstance(value, str) and len(value) > max_length:
            raise _too_long(value, max_length)
        return value

    return limited


# -------------------------------------------------------------------------------------- numbers
def _excel_error(text: str) -> ValueProblem | None:
    if text.upper() in EXCEL_ERRORS:
        return ValueProblem("invalid_number", f"单元格是公式错误“{text}”。请修正公式,或直接填写数字。")
    return None


def _not_a_number(shown: str, what: str) -> ValueProblem:
    return ValueProblem("invalid_number", f"“{shown}”不是有效的{what}。请核实后填写具体数字,没有请填0。")


def _negative(shown: str) -> ValueProblem:
    return ValueProblem("negative_number", f"“{shown}”是负数,人数和金额不能为负。请核实后填写。")


def plain_number(value: int | Decimal) -> str:
    """``Decimal("50.00")`` → ``"50"``, ``Decimal("219.10")`` → ``"219.1"``, for messages."""
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def _approximate(shown: str, value: int | Decimal) -> ValueProblem:
    return ValueProblem(
        "approximate_number",
        f"“{shown}”是约数,已按{plain_number(value)}导入。请核实准确数字后改为具体数字。",
        value=value,
    )


def to_int(cell: Cell) -> int | None:
    """A head count: ``12``, ``"１２"``, ``"12人"``, ``12.0``, ``"1,200"``; ``"约50"`` with a warning."""
    if cell.__class__ is str and cell.isdigit() and cell.isascii() and len(cell) < 9:
        return int(cell)
    if cell is None or cell == "":
        return None
    if isinstance(cell, bool) or not isinstance(cell, str | int | float):
        raise _not_a_number(_shown(cell), "人数")
    if isinstance(cell, int | float):
        if isinstance(cell, float) and not cell.is_integer():
            raise ValueProblem("invalid_number", f"“{_shown(cell)}”带小数,人数应为整数。请核实后填写。")
        number = int(cell)
        if number < 0:
            raise _negative(_shown(cell))
        if number > MAX_COUNT:
            raise ValueProblem("invalid_number", f"“{_shown(cell)}”过大,不像是人数。请核实。")
        return number
    if cell.isdigit() and cell.isascii():
        return int(cell) if len(cell) < 9 else to_int(float(cell))
    text = _compact(cell)
    if not text:
        return None
    found = _COUNT.fullmatch(text)
    if found is None:
        raise _excel_error(text) or _not_a_number(_shown(cell), "人数")
    if found["frac"] and found["frac"].strip(".0"):
        raise ValueProblem("invalid_number", f"“{_shown(cell)}”带小数,人数应为整数。请核实后填写。")
    number = int(found["int"].replace(",", ""))
    if found["sign"] == "-" and number:
        raise _negative(_shown(cell))
    if number > MAX_COUNT:
        raise ValueProblem("invalid_number", f"“{_shown(cell)}”过大,不像是人数。请核实。")
    if found["approx"] or found["approx2"]:
        raise _approximate(_shown(cell), number)
    return number


def _rounded(amount: Decimal, shown: str) -> Decimal:
    rounded = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if abs(rounded - amount) > Decimal("1e-9"):
        raise ValueProblem(
            "rounded_number",
            f"“{shown}”超过两位小数,已四舍五入为{rounded}(万元)。如需更精确,请核实单位是否为万元。",
            value=rounded,
        )
    return rounded


def to_decimal(cell: Cell) -> Decimal | None:
    """An amount in 万元: ``123.45``, ``"1,234.5"``, ``"12万元"``; ``"约100"`` with a warning.

    ``"5000元"`` is refused: the template column is in 万元 and a figure in yuan would be 10,000
    times too large.
    """
    if cell.__class__ is str and _PLAIN_AMOUNT.fullmatch(cell):
        # the common case, before the general checks; "123.45" is already to the cent
        return Decimal(cell) if cell[-3:-2] == "." else Decimal(cell).quantize(CENT)
    if cell is None or cell == "":
        return None
    if isinstance(cell, bool) or not isinstance(cell, str | int | float):
        raise _not_a_number(_shown(cell), "金额")
    if isinstance(cell, int | float):
        try:
            amount = Decimal(repr(cell)) if isinstance(cell, float) else Decimal(cell)
        except InvalidOperation as exc:  # inf, nan
            raise _not_a_number(_shown(cell), "金额") from exc
        if amount < 0:
            raise _negative(_shown(cell))
        if amount > MAX_AMOUNT:
            raise ValueProblem("invalid_number", f"“{_shown(cell)}”过大。工资总额的单位是万元,请核实。")
        return _rounded(amount, _shown(cell))
    if _PLAIN_AMOUNT.fullmatch(cell):
        return Decimal(cell).quantize(CENT)
    text = _compact(cell)
    if not text:
        return None
    found = _AMOUNT.fullmatch(text)
    if found is None:
        raise _excel_error(text) or _not_a_number(_shown(cell), "金额")
    if "元" in ((found["unit"] or "") + (found["unit2"] or "")).replace("万元", ""):
        raise ValueProblem(
            "invalid_number", f"“{_shown(cell)}”的单位是元,本列单位是万元。请换算为万元(除以10000)后填写。"
        )
    amount = Decimal((found["int"] or "0").replace(",", "") + (found["frac"] or "").rstrip("."))
    if found["sign"] == "-" and amount:
        raise _negative(_shown(cell))
    if amount > MAX_AMOUNT:
        raise ValueProblem("invalid_number", f"“{_shown(cell)}”过大。工资总额的单位是万元,请核实。")
    value = _rounded(amount, _shown(cell))
    if found["approx"] or found["approx2"]:
        raise _approximate(_shown(cell), value)
    return value


# ---------------------------------------------------------------------------------------- yes/no
def to_bool(cell: Cell) -> bool | None:
    """是/否, 有/无, √/×, ✓/✗, Y/N, yes/no, 1/0, TRUE/FALSE, 对/错 and a few more (vocab.py)."""
    if cell is None or cell == "":
        return None
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, int | float) and cell in (0, 1):
        return bool(cell)
    text = _compact(cell_text(cell)).lower()
    if not text:
        return None
    if text in vocab.TRUE_WORDS:
        return True
    if text in vocab.FALSE_WORDS:
        return False
    raise ValueProblem("invalid_choice", f"“{_shown(cell)}”无法识别,本列应填“是”或“否”(也可写 有/无、√/×)。")


# --------------------------------------------------------------------------------------- choices
def choice_key(text: str) -> str:
    return chinese.to_simplified(_compact(text)).lower()


@cache
def _choice_aliases() -> dict[str, dict[str, str]]:
    """Column label → written form → label, from ``choice_aliases.csv``."""
    table: dict[str, dict[str, str]] = {}
    with (DATA_DIR / "choice_aliases.csv").open(encoding="utf-8", newline="") as handle:
        lines = (line for line in handle if line.strip() and not line.lstrip().startswith("#"))
        reader = csv.reader(lines)
        next(reader)
        for column, written, label in reader:
            table.setdefault(column.strip(), {})[written.strip()] = label.strip()
    return table


class ChoiceConverter:
    """Reads one code list: labels, English codes and the written variants of choice_aliases.csv."""

    def __init__(self, vocabulary: Mapping[str, str], column_label: str) -> None:
        self.column_label = column_label
        self.labels = tuple(vocabulary.values())
        self.lookup: dict[str, str] = {}
        label_to_code = {label: code for code, label in vocabulary.items()}
        for code, label in vocabulary.items():
            self.lookup[choice_key(code)] = code
            self.lookup[choice_key(label)] = code
        for written, label in _choice_aliases().get(column_label, {}).items():
            if label not in label_to_code:
                raise ValueError(f"choice_aliases.csv: {label!r} is not a label of {column_label}")
            self.lookup.setdefault(choice_key(written), label_to_code[label])
        self._keys = list(self.lookup)
        self._label_of = {key: vocabulary[code] for key, code in self.lookup.items()}

    def __call__(self, cell: Cell) -> str | None:
        if cell is None or cell == "":
            return None
        key = choice_key(cell_text(cell))
        if not key:
            return None
        code = self.lookup.get(key)
        if code is not None:
            return code
        raise ValueProblem("invalid_choice", self._message(_shown(cell), key))

    def suggest(self, key: str) -> str | None:
        best = process.extractOne(key, self._keys, scorer=fuzz.WRatio, score_cutoff=60)
        return None if best is None else self._label_of[best[0]]

    def _message(self, shown: str, key: str) -> str:
        suggestion = self.suggest(key)
        hint = f"是否应为“{suggestion}”?" if suggestion else ""
        return f"“{shown}”不是“{self.column_label}”的可选值。{hint}可选值:{'、'.join(self.labels)}。"


# ------------------------------------------------------------------------------------------ dates
def to_date(cell: Cell) -> dt.date | None:
    """Excel dates and serial numbers, ``2026-11-26``, ``2026/11/26``, ``2026年11月26日``, ``2026.11.26``."""
    if cell is None or cell == "":
        return None
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if isinstance(cell, bool) or not isinstance(cell, str | int | float):
        raise ValueProblem("invalid_date", f"“{_shown(cell)}”不是日期。请写成 2026-11-26 或 2026年11月26日。")
    serial: float | None = cell if isinstance(cell, int | float) else None
    if isinstance(cell, str):
        text = _nfkc(cell).strip()
        if not text:
            return None
        found = _DATE.fullmatch(text) or _DATE_COMPACT.fullmatch(text)
        if found is not None:
            try:
                return dt.date(int(found[1]), int(found[2]), int(found[3]))
            except ValueError:
                pass
        elif text.replace(".", "", 1).isdigit():
            serial = float(text)
    if serial is not None and 1 <= serial < 2958466:
        return EXCEL_EPOCH + dt.timedelta(days=int(serial))
    raise ValueProblem("invalid_date", f"“{_shown(cell)}”不是有效日期。请写成 2026-11-26 或 2026年11月26日。")


# ------------------------------------------------------------------------------------------ codes
def to_code(cell: Cell) -> str | None:
    """An identifier: NFKC, upper case, without spaces, dashes or dots; numbers without ``.0``."""
    if cell is None or cell == "":
        return None
    text = _nfkc(cell_text(cell)).translate(_CODE_JUNK).upper()
    return text or None


def to_uscc(cell: Cell) -> str | None:
    """A valid unified social credit code, or ``uscc_format`` / ``uscc_checksum`` (python-stdnum's
    check, through ``registry.identifiers.validate_uscc`` as every form uses it)."""
    if cell is None or cell == "":
        return None
    if isinstance(cell, float | int) and not isinstance(cell, bool) and abs(cell) >= 1e15:
        raise ValueProblem(
            "uscc_format",
            f"统一社会信用代码被Excel存成了数字(显示为“{_shown(cell)}”),末尾几位已经丢失。"
            "请把该列设为“文本”格式,再对照证照重新录入。",
        )
    text = cell.upper() if cell.__class__ is str and cell.isascii() and cell.isalnum() else to_code(cell)
    if not text:
        return None
    try:
        return validate_uscc(text)
    except ValueError as exc:  # IdentifierError: code and message for the clerk
        raise ValueProblem(getattr(exc, "code", "uscc_format"), str(exc)) from exc


@cache
def _industry_section_names() -> dict[str, str]:
    return {choice_key(name): letter for letter, (_a, _b, name) in vocab.INDUSTRY_SECTIONS.items()}


def to_industry_code(cell: Cell) -> str | None:
    """GB/T 4754 code: ``C``, ``C13``, ``C1311``; ``1311`` gains its section letter; ``制造业`` → ``C``."""
    if cell is None or cell == "":
        return None
    if isinstance(cell, float | int) and not isinstance(cell, bool) and float(cell).is_integer():
        digits = str(int(cell))
        text = "0" + digits if len(digits) == 1 else digits  # Excel dropped the 0 of "05"
    else:
        text = to_code(cell) or ""
    if not text:
        return None
    by_name = _industry_section_names().get(choice_key(cell_text(cell)))
    if by_name is not None:
        return by_name
    try:
        return industry.parse(text)
    except ValueError:
        pass
    raise ValueProblem(
        "invalid_industry_code",
        f"行业代码“{_shown(cell)}”不符合《国民经济行业分类》。请填门类字母加代码,如制造业填 C13,"
        "批发业填 F51;不清楚可以不填。",
    )


# ------------------------------------------------------------------------------------------ table
def converter_for(column: Column) -> Converter:
    """The converter of a template column (see the kinds in columns.py)."""
    convert: Converter
    if column.kind in ("text", "name"):
        return text_converter(column.max_length, name=column.kind == "name")
    if column.kind == "int":
        convert = to_int
    elif column.kind == "decimal":
        convert = to_decimal
    elif column.kind == "bool":
        convert = to_bool
    elif column.kind == "choice":
        if column.vocabulary is None:
            raise ValueError(f"choice column {column.key} has no vocabulary")
        convert = ChoiceConverter(vocab.VOCABULARIES[column.vocabulary], column.label)
    elif column.key == "uscc":
        return to_uscc
    elif column.key == "industry_code":
        return to_industry_code
    else:
        convert = to_code
    return convert
