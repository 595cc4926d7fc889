"""Problems found while reading a census file: one record per problem, never only the first.

Every problem has a stable ``code`` from :data:`PROBLEM_CODES`; the severity belongs to the code,
so two problems of one kind can never disagree about whether they block an import. The published
table (``PROBLEM_CODES.md`` beside this module) is generated from the registry by
``python -c "from liangxin.census.tabular import problems; problems.write_markdown()"``; a test fails
when it is stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal

Severity = Literal["error", "warning"]
ERROR: Final = "error"
WARNING: Final = "warning"

# code → (severity, what it means and what to do, in Chinese). Codes are stable identifiers: add new
# ones, never rename or reuse one.
PROBLEM_CODES: Final[MappingProxyType[str, tuple[Severity, str]]] = MappingProxyType(
    {
        # The file and its layout
        "unreadable_file": (
            "error",
            "文件无法读取(格式不支持、已加密、已损坏或是空文件)。请另存为 .xlsx 或 .csv 后重新上传。",
        ),
        "no_header": (
            "error",
            "前几行中找不到表头(组织名称、所属乡镇等列名)。请使用摸底模板,或在页面上指定各列的含义。",
        ),
        "required_column_missing": ("error", "缺少必填列(组织名称、组织类别、所属乡镇)。请在表头中加上该列。"),
        "duplicate_column": ("error", "两列对应同一个模板列,后一列的数据不会导入。请删除或改名其中一列。"),
        "unit_mismatch": (
            "error",
            "列名中的单位与模板不同(如工资总额写成“元”而模板为“万元”)。请换算后把单位改成模板的单位。",
        ),
        "extra_data_sheet": (
            "error",
            "另一个工作表也有摸底数据,一次只导入一个工作表。请合并到同一个工作表,或分开导入。",
        ),
        "no_data_rows": ("error", "文件只有表头,没有数据行。请填写数据后重新上传。"),
        "unknown_column": ("warning", "不认识的列,其中的数据不会导入。如果它对应某个模板列,请改列名或在页面上指定。"),
        "sheet_ignored": ("warning", "该工作表没有导入(不是摸底数据)。"),
        # Cells
        "required_missing": ("error", "必填项为空(组织名称、组织类别、所属乡镇,个体工商户以外的统一社会信用代码)。"),
        "uscc_format": ("error", "统一社会信用代码位数或字符不对(应为18位,不含I、O、Z、S、V)。"),
        "uscc_checksum": ("error", "统一社会信用代码校验位不对,可能录错了字符。"),
        "invalid_choice": ("error", "填写的值不是该列的可选值;提示中给出最接近的选项。"),
        "invalid_number": ("error", "不是有效的数字(如“不详”“未统计”“-”,或人数带小数)。请填写核实后的数字。"),
        "negative_number": ("error", "数字不能为负数。"),
        "invalid_date": ("error", "不是有效的日期。请写成 2026-11-26 或 2026年11月26日。"),
        "invalid_industry_code": ("error", "行业代码不符合《国民经济行业分类》(GB/T 4754),应为门类字母加数字,如 C13。"),
        "text_too_long": ("error", "内容超过该列允许的长度。"),
        "approximate_number": ("warning", "数字写成了约数(如“约50”),已按50导入。请核实准确数字。"),
        "rounded_number": ("warning", "小数位数超过两位,已四舍五入到两位。"),
        # Rows and references
        "duplicate_uscc": ("error", "同一统一社会信用代码在本文件中出现了两次(在后出现的行上报告)。"),
        "duplicate_uscc_other_unit": ("error", "该统一社会信用代码已由其他单位在本次摸底中报送。请与该单位核实归属。"),
        "unknown_township": ("error", "所属乡镇不在本县乡镇名单中。"),
        "unknown_department": ("error", "行业主管部门不在部门名单中;提示中给出最接近的名称。"),
        "out_of_scope": ("error", "该组织的乡镇或主管部门不在本单位负责的范围内。"),
        "party_org_name_missing": ("error", "已建党组织但没有填写党组织名称。"),
        "unknown_village": ("warning", "所属村(社区)不在该乡镇的村(社区)名单中(名单可能不全),已按未指定村导入。"),
        "uscc_missing_individual": ("warning", "个体工商户没有填写统一社会信用代码。有营业执照的请补填。"),
        "uscc_category_mismatch": (
            "warning",
            "统一社会信用代码的登记管理部门与组织类别不符(9开头为市场监管登记,属新经济组织;5开头为民政登记,属新社会组织)。",
        ),
        "category_type_mismatch": ("warning", "组织类型与组织类别不符(如私营企业填成了新社会组织)。"),
        "members_exceed_employees": ("warning", "党员数(正式+预备)多于从业人员数。"),
        "large_org_no_member": ("warning", "从业人员50人及以上但党员数为0。请核实是否确无党员。"),
        "total_mismatch": ("warning", "合计行的数字与上面各行之和不一致。"),
        "near_duplicate_name": ("warning", "同一乡镇已登记了名称非常相近、但统一社会信用代码不同的组织,可能重复。"),
        # Matching against the register (census.planning, which has the database's state)
        "uscc_other_township": (
            "error",
            "该统一社会信用代码在登记册中属于其他乡镇的组织。请核实归属,如确需迁入请由县级管理员办理。",
        ),
        "duplicate_row": (
            "error",
            "本文件中有两行对应同一个组织(同一乡镇、同名,或对应登记册中同一组织;一行有代码、一行没有也算)。请合并为一行。",
        ),
        "name_uscc_conflict": (
            "error",
            "与登记册中(或本文件前面)同一乡镇的组织同名,但统一社会信用代码不同。同名不会改动已登记的代码:"
            "是同一组织请核对代码;确是另一个组织,请在本页勾选它“作为新组织登记”(命令行 --new-organization)。",
        ),
        "facts_before_current": (
            "error",
            "登记册中该组织已有更晚日期的普查数据,不能用更早日期的数据覆盖。请核对数据日期。",
        ),
        "org_type_missing": (
            "warning",
            "新组织未填写组织类型,已按类别暂记(新经济组织为私营企业,新社会组织为社会团体),请核实后补填。",
        ),
        "coverage_not_in_file": (
            "warning",
            "文件填写“未建党组织”,但登记册中该组织由党组织覆盖。登记册保持不变,如党组织已撤销请单独办理。",
        ),
    }
)


# code → (a short Chinese title, what the clerk can do about it). The title is what the pages, the
# filters and the annotated workbook lead with (the code stays beside it, small); the advice is the
# 建议 of a problem whose message does not already propose a value.
PROBLEM_GUIDE: Final[MappingProxyType[str, tuple[str, str]]] = MappingProxyType(
    {
        "unreadable_file": ("文件无法读取", "用 Excel 或 WPS 打开后另存为 .xlsx(或 .csv),再上传。"),
        "no_header": ("找不到表头", "下载摸底模板,把数据粘贴到模板中再上传。"),
        "required_column_missing": ("缺少必填列", "在表头中加上组织名称、组织类别、所属乡镇列。"),
        "duplicate_column": ("两列重复", "删除重复的一列,或把它改成对应的模板列名。"),
        "unit_mismatch": ("列的单位不对", "按模板的单位换算数字,并把列名改成模板的列名。"),
        "extra_data_sheet": ("多个工作表有数据", "把数据合并到一个工作表,或分成几个文件导入。"),
        "no_data_rows": ("没有数据行", "在表头下面填写各组织的数据后再上传。"),
        "unknown_column": ("不认识的列", "列名改成模板中的列名;不需要的列可以不管。"),
        "sheet_ignored": ("工作表未导入", "如果该表也有摸底数据,请移到摸底数据所在的工作表。"),
        "required_missing": ("必填项为空", "补填这一格;不知道的请向该组织核实。"),
        "uscc_format": ("信用代码格式不对", "对照营业执照或登记证书,重新录入18位代码。"),
        "uscc_checksum": ("信用代码校验不通过", "对照营业执照逐位核对,常见的是 0 和 O、1 和 I 录混。"),
        "invalid_choice": ("不是可选值", "从该列的可选值中选一个填写。"),
        "invalid_number": ("不是有效数字", "填写核实后的整数;确实没有填 0。"),
        "negative_number": ("数字为负", "填写 0 或正数。"),
        "invalid_date": ("日期无法识别", "写成 2026-11-26 这样的日期。"),
        "invalid_industry_code": ("行业代码不对", "填门类字母加两位大类代码,如制造业填 C13;不清楚可以空着。"),
        "text_too_long": ("内容过长", "删减到该列允许的长度以内,多余内容写在备注里。"),
        "approximate_number": ("约数已按整数导入", "向该组织核实准确数字后,在登记册中修改。"),
        "rounded_number": ("已四舍五入", "核对该数字;无误可不处理。"),
        "duplicate_uscc": ("代码在本文件重复", "同一组织只保留一行;不同组织请核对各自的代码。"),
        "duplicate_uscc_other_unit": ("代码已由其他单位报送", "与报送该代码的单位核实组织归属,由归属单位报送。"),
        "unknown_township": ("乡镇不在名单中", "改为本县乡镇名单中的名称。"),
        "unknown_department": ("部门不在名单中", "改为部门名单中的名称。"),
        "out_of_scope": ("不在本单位范围内", "删除这一行,由负责该乡镇或部门的单位导入。"),
        "party_org_name_missing": ("缺少党组织名称", "填写党组织全称,或把“是否已建党组织”改为“否”。"),
        "unknown_village": ("村(社区)不在名单中", "核对村(社区)名称;名单缺漏的请联系县级管理员补充。"),
        "uscc_missing_individual": (
            "个体户未填信用代码",
            "有营业执照的补填执照上的18位代码;确实没有执照的可以不处理。",
        ),
        "uscc_category_mismatch": ("信用代码与类别不符", "核对组织类别:9 开头的填新经济组织,5 开头的填新社会组织。"),
        "category_type_mismatch": ("类型与类别不符", "按组织类别改选组织类型(如私营企业属新经济组织)。"),
        "members_exceed_employees": ("党员多于从业人员", "核对从业人员数和党员数,以实际在岗人数为准。"),
        "large_org_no_member": ("大型组织无党员", "向该组织核实是否确无党员;有的请补填人数。"),
        "total_mismatch": ("合计行不一致", "删除合计行,或改正合计数字。"),
        "near_duplicate_name": ("疑似重复组织", "核对是否同一组织;是的请用登记册中的名称和代码。"),
        "uscc_other_township": ("代码属于其他乡镇", "核实组织归属;确需迁入请联系县级管理员。"),
        "duplicate_row": ("同一组织出现两行", "把这两行合并为一行。"),
        "name_uscc_conflict": ("同名但代码不同", "同一组织请核对代码;另一个组织请在本页勾选它“作为新组织登记”。"),
        "facts_before_current": ("数据日期早于登记册", "核对数据日期;登记册已有更新的数据时无需再导入。"),
        "org_type_missing": ("新组织未填类型", "补填组织类型。"),
        "coverage_not_in_file": ("登记册中已有党组织覆盖", "核实党组织是否仍在;如已撤销,请在党组织页面办理。"),
    }
)


def title_of(code: str) -> str:
    """The short Chinese title of a problem code; the code itself for one without (never fails)."""
    entry = PROBLEM_GUIDE.get(code)
    return entry[0] if entry else code


def advice_of(code: str) -> str:
    entry = PROBLEM_GUIDE.get(code)
    return entry[1] if entry else ""


class UnknownProblemCode(KeyError):
    pass


def severity_of(code: str) -> Severity:
    try:
        return PROBLEM_CODES[code][0]
    except KeyError as exc:
        raise UnknownProblemCode(code) from exc


@dataclass(frozen=True, slots=True, init=False)
class Problem:
    """One problem, located as the clerk sees it: file, sheet, Excel row number, column as written.

    ``field`` is the canonical template column name (e.g. ``统一社会信用代码``) or None when the
    problem is not about one column.
    """

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    field: str | None
    value: str | None
    severity: Severity
    code: str
    message: str

    def __init__(
        self,
        file: str,
        sheet: str | None,
        row: int | None,
        column: str | None,
        field: str | None,
        value: str | None,
        severity: Severity,
        code: str,
        message: str,
    ) -> None:
        # What the frozen dataclass's own __init__ does (object.__setattr__ per field), through the
        # slots' descriptors: half the cost, and a large file can have a problem on every row.
        _set_file(self, file)
        _set_sheet(self, sheet)
        _set_row(self, row)
        _set_column(self, column)
        _set_field(self, field)
        _set_value(self, value)
        _set_severity(self, severity)
        _set_code(self, code)
        _set_message(self, message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "field": self.field,
            "value": self.value,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


_SLOTS: Final = vars(Problem)  # the slots' member descriptors
_set_file = _SLOTS["file"].__set__
_set_sheet = _SLOTS["sheet"].__set__
_set_row = _SLOTS["row"].__set__
_set_column = _SLOTS["column"].__set__
_set_field = _SLOTS["field"].__set__
_set_value = _SLOTS["value"].__set__
_set_severity = _SLOTS["severity"].__set__
_set_code = _SLOTS["code"].__set__
_set_message = _SLOTS["message"].__set__


def problem(
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
    """A :class:`Problem` whose severity is the one registered for ``code``."""
    return Problem(file, sheet, row, column, field, value, severity_of(code), code, message)


class ValueProblem(Exception):
    """Raised by a converter in :mod:`.normalize` for a cell it cannot read as asked.

    For a warning (e.g. ``approximate_number``) the cell was still read: ``value`` holds the
    usable value. For an error ``value`` is None.
    """

    def __init__(self, code: str, message: str, value: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.severity: Severity = severity_of(code)
        self.value = value

    def __repr__(self) -> str:
        return f"ValueProblem({self.code!r}, {self.message!r}, value={self.value!r})"


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """File- and sheet-level problems first, then by row; stable, so a row keeps its own order."""
    return sorted(problems, key=lambda p: -1 if p.row is None else p.row)


def problem_codes_markdown() -> str:
    lines = [
        "# 摸底表导入问题代码 (census import problem codes)",
        "",
        "Generated from `PROBLEM_CODES` in `problems.py` — do not edit by hand; run",
        '`python -c "from liangxin.census.tabular import problems; problems.write_markdown()"`.',
        "Codes are stable identifiers. An `error` keeps the row (or the file) from being imported;",
        "a `warning` is shown but does not block.",
        "",
        "| code | severity | 说明 |",
        "|---|---|---|",
    ]
    for severity in (ERROR, WARNING):
        for code, (sev, description) in PROBLEM_CODES.items():
            if sev == severity:
                lines.append(f"| `{code}` | {sev} | {description} |")
    return "\n".join(lines) + "\n"


def write_markdown() -> None:
    (Path(__file__).resolve().parent / "PROBLEM_CODES.md").write_text(problem_codes_markdown(), encoding="utf-8")
