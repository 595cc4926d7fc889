"""The register in the census template's columns: one row iterator for every export, and the template.

:func:`template_rows` turns organizations of the register into rows of the canonical template
(:data:`~.tabular.columns.COLUMNS`), every value written as a clerk would write it: Chinese labels
for choices, 是/否 for yes/no, names for townships, villages and departments, blank for nothing.
The reader reads such a row back as exactly the register's values, which is what makes an export
re-import as "0 changes" (``tests/test_export_roundtrip.py``). It feeds three things:

- the register's list export (``registry:organization_export``, CSV and XLSX),
- ``python manage.py export_organizations OUT.csv|OUT.xlsx [--unit CODE]``,
- the pre-filled rows of ``python manage.py census_template OUT.xlsx --unit CODE``.

It costs one ``values()`` query for the organizations (streamed) and three per chunk of
:data:`CHUNK` organizations (open facts, open party-organization coverage, open instructor
assignment), never a query per row, so 100,000 organizations export in a few hundred queries.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from pathlib import Path
from typing import Any, Final

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation

from liangxin.core.export import Cell, neutralize, xlsx_bytes
from liangxin.geo.models import AdministrativeUnit, UnitLevel
from liangxin.registry.choices import FactSource
from liangxin.registry.models import (
    Organization,
    OrganizationFacts,
    PartyOrganizationCoverage,
)
from liangxin.talent.models import InstructorAssignment

from .planning import FACT_FIELDS
from .tabular import vocab
from .tabular.columns import COLUMNS, KEYS, LABELS, Column, column_letter

# Below SQLite's default limit of bound variables per statement (the ``pk__in`` of a chunk).
CHUNK: Final = 900
# How yes/no is written. These are data the reader matches (vocab.TRUE_WORDS / FALSE_WORDS), not
# interface text, so they do not go through gettext.
YES: Final = "是"
NO: Final = "否"
DATA_SHEET: Final = "摸底表"
# The remark on a row the register knows only from a registration list (its figures left blank).
NOT_SURVEYED: Final = "来自登记名单,尚未摸排:请填写从业人员数和党员数"
INSTRUCTIONS_SHEET: Final = "填表说明"
CHOICES_SHEET: Final = "选项"
# Excel refuses an inline drop-down list ("a,b,c") longer than this; longer lists go to CHOICES_SHEET.
INLINE_LIST_LIMIT: Final = 255
# Data validations and the text format reach down to this row of the data sheet.
VALIDATION_LAST_ROW: Final = 1_048_576

_ORG_VALUES: Final = (
    "pk",
    "uscc",
    "name",
    "category",
    "org_type",
    "township__name",
    "village__name",
    "department__name",
    "industry_code",
    "above_designated_size",
    "address",
    "contact_person",
    "contact_phone",
    "owner_is_member",
)
_CHOICE_KEYS: Final = {c.key: vocab.VOCABULARIES[c.vocabulary] for c in COLUMNS if c.vocabulary is not None}
_BOOL_KEYS: Final = frozenset(c.key for c in COLUMNS if c.kind == "bool")
_NO_FACTS: Final[Mapping[str, Any]] = {}


def template_header() -> list[str]:
    """The template's header row: the canonical column labels, in order."""
    return list(LABELS)


def _yes_no(value: bool | None) -> str | None:
    if value is None:
        return None
    return YES if value else NO


def _label(key: str, code: str | None) -> str | None:
    """The Chinese label of a stored code; an unknown code as it is (the reader accepts codes too)."""
    if not code:
        return None
    return _CHOICE_KEYS[key].get(code, code)


def _text(value: str | None) -> str | None:
    return value or None


def _row(
    org: Mapping[str, Any], facts: Mapping[str, Any], party_organization: str | None, instructor: str | None
) -> list[Cell]:
    # Known only from a registration list: its figures are placeholders, left blank to be surveyed.
    surveyed = facts.get("source") != FactSource.REGISTRATION
    values: dict[str, Cell] = {
        "uscc": _text(org["uscc"]),
        "name": org["name"],
        "category": _label("category", org["category"]),
        "org_type": _label("org_type", org["org_type"]),
        "township": org["township__name"],
        "village": _text(org["village__name"]),
        "department": _text(org["department__name"]),
        "industry_code": _text(org["industry_code"]),
        "above_designated_size": _yes_no(org["above_designated_size"]),
        "operating_status": _label("operating_status", facts.get("operating_status")),
        "employees": facts.get("employees") if surveyed else None,
        "full_members": facts.get("full_members") if surveyed else None,
        "probationary_members": facts.get("probationary_members") if surveyed else None,
        "owner_is_member": _yes_no(org["owner_is_member"]),
        "owner_attitude": _label("owner_attitude", facts.get("owner_attitude")),
        "secretary_candidate_available": _yes_no(facts.get("secretary_candidate_available")),
        # Covered by a party organization today, exactly as the register's list shows it.
        "has_party_organization": YES if party_organization else NO,
        "party_organization_name": party_organization,
        "payroll": facts.get("payroll"),
        "address": _text(org["address"]),
        "contact_person": _text(org["contact_person"]),
        "contact_phone": _text(org["contact_phone"]),
        # The register keeps no remarks: the column is for the clerk, or tells him what to survey.
        "remarks": None if surveyed else NOT_SURVEYED,
        "has_union": _yes_no(facts.get("has_union")),
        "has_youth_league": _yes_no(facts.get("has_youth_league")),
        "has_womens_federation": _yes_no(facts.get("has_womens_federation")),
        "instructor": instructor,
    }
    return [values[key] for key in KEYS]


def _chunks(records: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    while chunk := list(islice(records, size)):
        yield chunk


def template_rows(organizations: QuerySet[Organization], *, chunk_size: int = CHUNK) -> Iterator[list[Cell]]:
    """One row per organization of ``organizations`` (a scoped, filtered, ordered queryset), in
    the template's column order and in the queryset's order.

    The facts are those of the open interval and the party organization that of the open
    coverage (the first by name when several cover it), because that is the state an import
    compares a file with.
    """
    records = organizations.values(*_ORG_VALUES).iterator(chunk_size=chunk_size)
    for chunk in _chunks(records, chunk_size):
        pks = [record["pk"] for record in chunk]
        facts = {
            fact["organization_id"]: fact
            for fact in OrganizationFacts.objects.filter(organization_id__in=pks, valid_to__isnull=True).values(
                "organization_id", "source", *FACT_FIELDS
            )
        }
        party_organizations: dict[int, str] = {}
        for org_id, name in PartyOrganizationCoverage.objects.filter(
            organization_id__in=pks, valid_to__isnull=True
        ).values_list("organization_id", "party_organization__name"):
            # The first by name, decided here rather than by the database's collation.
            if org_id not in party_organizations or name < party_organizations[org_id]:
                party_organizations[org_id] = name
        instructors = dict(
            InstructorAssignment.objects.filter(organization_id__in=pks, valid_to__isnull=True).values_list(
                "organization_id", "instructor_name"
            )
        )
        for record in chunk:
            pk = record["pk"]
            yield _row(record, facts.get(pk, _NO_FACTS), party_organizations.get(pk), instructors.get(pk))


def organizations_of_unit(unit: AdministrativeUnit | None) -> QuerySet[Organization]:
    """The register of a unit for the command line: a township's organizations, or for the county
    (or None) all of them; merged duplicates left out; ordered by township and name."""
    qs = Organization.objects.filter(merged_into__isnull=True)
    if unit is not None and unit.level == UnitLevel.TOWNSHIP:
        qs = qs.filter(township=unit)
    elif unit is not None and unit.level != UnitLevel.COUNTY:
        raise ValueError(f"not a county or township: {unit.code}")
    return qs.order_by("township__code", "name_normalized", "pk")


# --- Files ---------------------------------------------------------------------------------------


class _Line:
    """A file for ``csv.writer`` that hands each written line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Sequence[Cell]]) -> Iterator[str]:
    """The template as CSV text (header first), cells neutralised as ``liangxin.core.export``
    does; the caller writes it as UTF-8 with BOM so that Excel opens it without garbling."""
    writer = csv.writer(_Line())
    yield writer.writerow(template_header())
    for row in rows:
        yield writer.writerow(["" if (value := neutralize(cell)) is None else str(value) for cell in row])


def write_export(path: Path, organizations: QuerySet[Organization]) -> int:
    """Write ``organizations`` to ``path`` in the template columns (CSV or XLSX by the suffix);
    return the number of organizations written."""
    count = 0

    def counted(rows: Iterator[list[Cell]]) -> Iterator[list[Cell]]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    rows = counted(template_rows(organizations))
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            handle.writelines(csv_lines(rows))
    elif suffix == ".xlsx":
        path.write_bytes(xlsx_bytes(sheet_title=DATA_SHEET, header=template_header(), rows=rows))
    else:
        raise ValueError(_("只能导出为 .csv 或 .xlsx 文件。"))
    return count


# --- The census template (XLSX) ----------------------------------------------------------------

_DESCRIPTIONS: Final = {
    "uscc": "营业执照或登记证书上的18位代码。除个体工商户外必须填写;按代码与登记册中的组织对应。",
    "name": "营业执照或登记证书上的全称。没有统一社会信用代码的,按同一乡镇内的名称与登记册对应。",
    "category": "新经济组织(企业、个体工商户、农民专业合作社等)或新社会组织(社会团体、民办非企业单位等)。",
    "org_type": "组织的登记类型。",
    "township": "乡镇(街道)名称,如“罗雄街道”“板桥镇”。",
    "village": "村(社区)名称,如“九龙社区居民委员会”。名单中没有的,导入时不关联村(社区)并给出提示。",
    "department": "行业主管部门,按县里的部门名单填写;没有主管部门的留空。",
    "industry_code": "《国民经济行业分类》(GB/T 4754)门类字母加大类代码,如制造业 C13、批发业 F51;不清楚可以不填。",
    "above_designated_size": "是否规模以上企业。",
    "operating_status": "截至数据日期的经营状况。已注销的组织请选“注销”,不要删除该行。",
    "employees": "截至数据日期的从业人员数,填整数(单位:人)。",
    "full_members": "在本组织工作的正式党员人数,填整数(单位:人)。",
    "probationary_members": "在本组织工作的预备党员人数,填整数(单位:人)。",
    "owner_is_member": "出资人(负责人)是否为党员。",
    "owner_attitude": "出资人(负责人)对组建党组织的态度。",
    "secretary_candidate_available": "本组织内有无合适的党组织书记人选。",
    "has_party_organization": "是否已由党组织覆盖(单独组建或联合组建)。填“是”的必须填写党组织名称。",
    "party_organization_name": "党组织全称,如“罗平县XX有限公司党支部”。几个组织联合组建的,各行填同一个名称。",
    "payroll": "上年度工资总额,单位:万元,最多两位小数。",
    "address": "经营或办公地址。",
    "contact_person": "联系人姓名。",
    "contact_phone": "联系电话(手机或座机)。",
    "remarks": "需要说明的其他情况(不写入登记册)。",
    "has_union": "是否已建立工会组织(可选列)。",
    "has_youth_league": "是否已建立共青团组织(可选列)。",
    "has_womens_federation": "是否已建立妇联组织(可选列)。",
    "instructor": "派驻的党建工作指导员姓名(可选列)。",
}
# Column widths in characters; a column not named here gets a width from its label.
_WIDTHS: Final = {
    "uscc": 22,
    "name": 36,
    "party_organization_name": 36,
    "address": 32,
    "remarks": 24,
    "contact_phone": 16,
    "township": 14,
    "village": 22,
    "department": 20,
    "org_type": 16,
}
# Columns kept as text in Excel: a code of digits only, or a telephone number with a leading 0,
# would otherwise become a number and lose digits.
_TEXT_FORMAT_KEYS: Final = frozenset({"uscc", "industry_code", "contact_phone"})
_REQUIRED_FILL: Final = PatternFill(fill_type="solid", fgColor="F8CBAD")  # orange: the instructions say so
_HEADER_FILL: Final = PatternFill(fill_type="solid", fgColor="DDEBF7")
_WRAP: Final = Alignment(wrap_text=True, vertical="top")


def _width(column: Column) -> float:
    return _WIDTHS.get(column.key, max(10, len(column.label) * 2 + 2))


def _choice_labels(column: Column) -> list[str]:
    if column.kind == "bool":
        return [YES, NO]
    if column.vocabulary is None:
        return []
    return list(vocab.VOCABULARIES[column.vocabulary].values())


def _styled(ws: WriteOnlyWorksheet, value: Cell, **style: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _required_text(column: Column) -> str:
    if column.key == "uscc":
        return _("必填(个体工商户可不填)")
    return _("必填") if column.required else ""


def _yes_no_words() -> tuple[str, str]:
    def shown(words: frozenset[str]) -> str:
        # Letters as clerks type them (Y, N, TRUE …); the reader ignores case.
        return "、".join(sorted((w.upper() if w.isascii() else w) for w in words))

    return shown(vocab.TRUE_WORDS), shown(vocab.FALSE_WORDS)


def _instructions(ws: WriteOnlyWorksheet, *, as_of: dt.date, unit_name: str | None, prefilled: int | None) -> None:
    for letter, width in zip("ABCD", (24, 22, 70, 60), strict=True):
        ws.column_dimensions[letter].width = width
    bold = Font(bold=True)
    ws.append([_styled(ws, _("两新组织集中摸底表 填表说明"), font=Font(bold=True, size=14))])
    ws.append([])
    yes_words, no_words = _yes_no_words()
    notes = [
        (
            _("数据日期"),
            _("本表数据截至 %(date)s。人数、经营状况等普查数据按这一日期记入登记册。")
            % {"date": f"{as_of.year}年{as_of.month}月{as_of.day}日"},
        ),
        (
            _("怎样填"),
            _(
                "在“%(sheet)s”工作表中每个组织填一行,表头不要改动、不要插入合并单元格或合计行。"
                "带下拉箭头的列请从列表中选择。"
            )
            % {"sheet": DATA_SHEET},
        ),
        (
            _("必填项"),
            _("组织名称、组织类别、所属乡镇必须填写;统一社会信用代码除个体工商户外必须填写(表头为橙色的列)。"),
        ),
        (
            _("空白单元格"),
            _(
                "登记册中已有的组织:空白单元格表示保持登记册中的原值不变,不会把原值清空。"
                "新组织:空白的人数按0计,经营状况按“正常经营”计,其余项目留空。"
                "要把已有的值改为空,请在系统的组织页面上修改。"
            ),
        ),
        (
            _("是/否列"),
            _("填“是”或“否”。也可以写:%(yes)s(表示是);%(no)s(表示否)。") % {"yes": yes_words, "no": no_words},
        ),
        (
            _("数字"),
            _("人数填整数;工资总额以万元为单位,最多两位小数。“不详”“约50”之类不是准确数字,请核实后填写。"),
        ),
        (_("删除行"), _("删除某一行不会从登记册中删除该组织。已注销的组织请把经营状况改为“注销”。")),
    ]
    if prefilled is not None:
        notes.append(
            (
                _("预填数据"),
                _(
                    "本表已预填%(unit)s登记册中现有的 %(count)s 个组织。请逐行核对并改正,"
                    "新增的组织接在后面填写。未改动的行导入时显示为“无变化”。"
                )
                % {"unit": unit_name or "", "count": prefilled},
            )
        )
    for title, text in notes:
        ws.append([_styled(ws, title, font=bold, alignment=_WRAP), _styled(ws, text, alignment=_WRAP)])
    ws.append([])
    ws.append(
        [
            _styled(ws, text, font=bold, fill=_HEADER_FILL)
            for text in (_("列名"), _("是否必填"), _("填写说明"), _("可选值"))
        ]
    )
    for column in COLUMNS:
        choices = "、".join(_choice_labels(column))
        ws.append(
            [
                _styled(ws, column.label, alignment=_WRAP),
                _styled(ws, _required_text(column), alignment=_WRAP),
                _styled(ws, _DESCRIPTIONS[column.key], alignment=_WRAP),
                _styled(ws, choices or None, alignment=_WRAP),
            ]
        )


def _validation(column: Column, letter: str, named: Mapping[str, str]) -> DataValidation:
    labels = _choice_labels(column)
    inline = ",".join(labels)
    formula = named.get(column.key, f'"{inline}"')
    validation = DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showDropDown=False,  # False shows the arrow (the attribute's name is inverted in OOXML)
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle=_("不是可选值"),
        error=_("请从下拉列表中选择:%(choices)s") % {"choices": "、".join(labels)},
    )
    validation.add(f"{letter}2:{letter}{VALIDATION_LAST_ROW}")
    return validation


def template_workbook(
    *,
    as_of: dt.date,
    rows: Iterable[Sequence[Cell]] | None = None,
    unit_name: str | None = None,
) -> bytes:
    """The census template as XLSX: the data sheet (frozen bold header, column widths, drop-downs
    on every choice and yes/no column, the pre-filled ``rows`` if any), the instructions sheet and,
    when a choice list is too long to write inline, a hidden sheet of lists with named ranges.

    Written in openpyxl's write-only mode, so a county's 100,000 rows stream instead of being held
    (each sheet streams to its own file, so the instructions can count the rows written before).
    """
    wb = Workbook(write_only=True)
    data = wb.create_sheet(DATA_SHEET)
    instructions = wb.create_sheet(INSTRUCTIONS_SHEET)

    # Lists too long to be written inline go to the hidden sheet, one column each, with a name.
    long_lists = [
        c for c in COLUMNS if c.kind in ("choice", "bool") and len(",".join(_choice_labels(c))) > INLINE_LIST_LIMIT
    ]
    named: dict[str, str] = {}
    if long_lists:
        choices = wb.create_sheet(CHOICES_SHEET)
        choices.sheet_state = "hidden"
        # Headers that name no template column, so the reader never mistakes the sheet for data.
        choices.append([f"{c.label}可选值" for c in long_lists])
        lists = [_choice_labels(c) for c in long_lists]
        for index in range(max(len(labels) for labels in lists)):
            choices.append([labels[index] if index < len(labels) else None for labels in lists])
        for position, (column, labels) in enumerate(zip(long_lists, lists, strict=True)):
            name = f"list_{column.key}"
            letter = column_letter(position)
            wb.defined_names[name] = DefinedName(
                name, attr_text=f"'{CHOICES_SHEET}'!${letter}$2:${letter}${len(labels) + 1}"
            )
            named[column.key] = name

    data.freeze_panes = "A2"
    for index, column in enumerate(COLUMNS):
        letter = column_letter(index)
        dimension = data.column_dimensions[letter]
        dimension.width = _width(column)
        if column.key in _TEXT_FORMAT_KEYS:
            dimension.number_format = "@"
        if column.kind in ("choice", "bool"):
            data.data_validations.append(_validation(column, letter, named))
    header = []
    for column in COLUMNS:
        header.append(
            _styled(
                data,
                column.label,
                font=Font(bold=True),
                fill=_REQUIRED_FILL if column.required else _HEADER_FILL,
                alignment=Alignment(wrap_text=True, vertical="center", horizontal="center"),
            )
        )
    data.append(header)
    text_columns = [index for index, column in enumerate(COLUMNS) if column.key in _TEXT_FORMAT_KEYS]
    prefilled = None if rows is None else 0
    for row in rows or ():
        cells: list[Any] = [neutralize(value) for value in row]
        for index in text_columns:
            if cells[index] is not None:
                cells[index] = _styled(data, cells[index], number_format="@")
        data.append(cells)
        prefilled = (prefilled or 0) + 1

    _instructions(instructions, as_of=as_of, unit_name=unit_name, prefilled=prefilled)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def unit_template(*, unit: AdministrativeUnit | None, as_of: dt.date) -> bytes:
    """The template for a unit: pre-filled with the organizations in its scope (a township's own,
    the county's all), or empty without a unit."""
    if unit is None:
        return template_workbook(as_of=as_of)
    return template_workbook(as_of=as_of, rows=template_rows(organizations_of_unit(unit)), unit_name=unit.name)
