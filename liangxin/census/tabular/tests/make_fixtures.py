"""Regenerate the committed census fixture files. Not run by the tests.

    .venv/bin/pip install xlwt odfpy        # only for .xls and .ods, once
    .venv/bin/python -m liangxin.census.tabular.tests.make_fixtures

Each fixture imitates one kind of file a township sends; the tests assert the exact records and
problems read from it. After changing a fixture here, regenerate and update the expectations in
the tests by hand — never by copying the reader's output without checking it.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment

from liangxin.census.tabular.columns import LABELS

from .support import (
    FIXTURES,
    ORG_CODE_AUTHORITY,
    U1,
    U2,
    U3,
    U4,
    U6,
    U7,
    U8,
    U9,
    U10,
    U11,
    V1,
    V2,
    V3,
    V4,
    V5,
    V6,
    V7,
    V8,
)

Row = list[Any]

# ------------------------------------------------------------------------------- canonical.xlsx
CANONICAL_ROWS: list[Row] = [
    [
        U1,
        "罗平县蜂业有限公司",
        "新经济组织",
        "有限责任公司",
        "罗雄街道",
        "九龙社区居民委员会",
        "县工商联",
        "C13",
        "是",
        "正常经营",
        120,
        5,
        1,
        "是",
        "支持",
        "是",
        "是",
        "罗平县蜂业有限公司党支部",
        350.5,
        "罗雄街道九龙大道1号",
        "张三",
        "13912345678",
        None,
        "是",
        "是",
        "否",
        "李四",
    ],
    [
        U2,
        "罗平县蜂产业协会",
        "新社会组织",
        "行业协会",
        "板桥镇",
        "东胜社区居民委员会",
        "县民政局",
        "S95",
        "否",
        "正常经营",
        8,
        3,
        0,
        "否",
        "一般",
        "是",
        "否",
        None,
        None,
        "板桥镇东胜路8号",
        "王芳",
        "0874-8212345",
        "2025年成立",
        "否",
        "否",
        "是",
        None,
    ],
    [
        None,
        "板桥镇小王餐馆",
        "新经济组织",
        "个体工商户",
        "板桥镇",
        None,
        None,
        "H62",
        "否",
        "正常经营",
        3,
        0,
        0,
        "否",
        "不支持",
        "否",
        "否",
        None,
        12.8,
        "板桥镇集镇",
        "王小二",
        "13800000001",
        None,
        None,
        None,
        None,
        None,
    ],
    [
        U3,
        "马街镇恒达农机专业合作社",
        "新经济组织",
        "农民专业合作社",
        "马街镇",
        None,
        "县市场监督管理局",
        "A05",
        "否",
        "停产",
        15,
        0,
        1,
        "否",
        "一般",
        "否",
        "否",
        None,
        30,
        "马街镇",
        "李强",
        "13900000002",
        "暂停生产",
        None,
        None,
        None,
        None,
    ],
]


def canonical() -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "摸底表"
    ws.append(list(LABELS))
    for row in CANONICAL_ROWS:
        ws.append(row)
    ws.freeze_panes = "A2"
    wb.save(FIXTURES / "canonical.xlsx")


# ------------------------------------------------------------------------------- wps_style.xlsx
WPS_HEADER = [
    "序号",
    "单位名称",
    "统一社会\n信用代码",
    "类  别",
    "企业类型",
    "乡镇（街道）",
    "村（社区）",
    "主管部门",
    "职工人数\n（人）",
    "党员数（正式）",
    "预备党员",
    "业主是否\n党员",
    "业主态度",
    "有无合适\n支部书记人选",
    "是否建立党组织",
    "党组织名称",
    "工资总额\n（万元）",
    "经营状态",
    "是否规上",
    "联系人",
    "电话",
    "备注",
]
WPS_ROWS: list[Row | None] = [
    [
        1,
        "羅平縣興盛五金經營部",
        "９１５３０３２４ＭＡ６Ｑ８Ｅ４００Ｒ",
        "经济",
        "私企",
        "板桥",
        "东胜社区",
        "工商联",
        "１２人",
        "3",
        "0",
        "√",
        "积极",
        "有",
        "×",
        None,
        "约50",
        "在营",
        "N",
        "赵刚",
        13987654321,
        None,
    ],
    [
        2,
        "板桥镇兴隆商贸有限公司",
        U7,
        "新经济组织",
        "有限公司",
        "板桥镇",
        "玉马村",
        "县工商联",
        "约50",
        "２",
        1,
        "否",
        "支持",
        "无",
        "是",
        "板桥镇兴隆商贸有限公司党支部",
        120.5,
        "正常",
        "Y",
        "钱明",
        "13800001111",
        None,
    ],
    None,
    [
        3,
        "板桥镇爱心养老服务中心",
        U8,
        "社会",
        "民非",
        "板桥镇",
        None,
        "县民政局",
        "30",
        1,
        0,
        "Y",
        "一般",
        "✓",
        "✗",
        None,
        45,
        "存续",
        "否",
        "孙丽",
        "0874-8210000",
        "含\n换行的备注",
    ],
    [
        4,
        "板桥镇小李理发店",
        None,
        "新经济组织",
        "个体户",
        "板桥镇",
        "东胜社区居民委员会",
        None,
        2,
        0,
        0,
        "否",
        "不支持",
        "否",
        "否",
        None,
        3.6,
        "正常经营",
        "否",
        "李四",
        None,
        None,
    ],
]


def wps_style(name: str, totals: Row) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["A1"] = "板桥镇“两新”组织集中摸底情况统计表"
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(WPS_HEADER))
    ws["A2"] = "填报单位(盖章):板桥镇党委"
    ws["S2"] = "单位:人、万元"
    ws.append([])  # row 3 blank
    for col, text in enumerate(WPS_HEADER, start=1):
        cell = ws.cell(row=4, column=col, value=text)
        cell.alignment = Alignment(wrap_text=True)
    row_number = 5
    for row in WPS_ROWS:
        if row is not None:
            for col, value in enumerate(row, start=1):
                ws.cell(row=row_number, column=col, value=value)
        row_number += 1
    for col, value in enumerate(totals, start=1):  # the 合计 row, figures as WPS caches them
        ws.cell(row=row_number, column=col, value=value)
    ws.cell(row=row_number + 2, column=1, value="填表人:王五        审核人:赵六        填报日期:2026年11月26日")
    wb.save(FIXTURES / name)


def wps_totals(employees: int, payroll: float) -> Row:
    row: Row = [None] * len(WPS_HEADER)
    row[0] = "合  计"
    row[8], row[9], row[10], row[16] = employees, 6, 1, payroll
    return row


# ------------------------------------------------------------------------- two_row_header.xlsx
def two_row_header() -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "社会组织"
    ws["A1"] = "罗雄街道新社会组织摸底表"
    ws.merge_cells("A1:J1")
    top = [
        "序号",
        "组织名称",
        "统一社会信用代码",
        "组织类别",
        "组织类型",
        "所属乡镇",
        "从业人员数",
        "党员数",
        None,
        "是否已建党组织",
    ]
    for col, text in enumerate(top, start=1):
        ws.cell(row=2, column=col, value=text)
    ws.cell(row=3, column=8, value="正式")
    ws.cell(row=3, column=9, value="预备")
    for col in (1, 2, 3, 4, 5, 6, 7, 10):
        ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    ws.merge_cells("H2:I2")
    numbers = ["甲", "乙", 1, 2, 3, 4, 5, 6, 7, 8]
    for col, value in enumerate(numbers, start=1):
        ws.cell(row=4, column=col, value=value)
    ws.append([1, "罗平县民办启明学校", U2, "新社会组织", "民办学校", "罗雄街道", 40, 4, 1, "否"])
    ws.append([2, "罗平县律师协会", ORG_CODE_AUTHORITY, "新社会组织", "行业协会", "罗雄街道", 6, 2, 0, "否"])
    wb.save(FIXTURES / "two_row_header.xlsx")


# ------------------------------------------------------------------------------------ legacy.xls
LEGACY_HEADER = [
    "统一社会信用代码",
    "组织名称",
    "组织类别",
    "组织类型",
    "所属乡镇",
    "从业人员数",
    "正式党员数",
    "预备党员数",
    "是否已建党组织",
    "党组织名称",
    "工资总额(万元)",
]
LEGACY_ROWS: list[Row] = [
    [
        U9,
        "鲁布革水电开发有限公司",
        "新经济组织",
        "有限责任公司",
        "鲁布革乡",
        65,
        7,
        0,
        "是",
        "鲁布革水电开发有限公司党支部",
        880.25,
    ],
    [U10, "鲁布革乡布依刺绣专业合作社", "新经济组织", "农民专业合作社", "鲁布革", 18, 1, 1, "否", None, 21.0],
]


def legacy_xls() -> None:
    import xlwt  # installed by hand, only to make this fixture

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("鲁布革乡")
    sheet.write_merge(0, 0, 0, len(LEGACY_HEADER) - 1, "鲁布革布依族苗族乡“两新”组织摸底表")
    for col, text in enumerate(LEGACY_HEADER):
        sheet.write(1, col, text)
    for r, row in enumerate(LEGACY_ROWS, start=2):
        for col, value in enumerate(row):
            if value is not None:
                sheet.write(r, col, value)
    book.save(str(FIXTURES / "legacy.xls"))


# ------------------------------------------------------------------------------------- libre.ods
ODS_HEADER = [
    "组织名称",
    "统一社会信用代码",
    "组织类别",
    "组织类型",
    "所属乡镇",
    "经营状况",
    "从业人员数",
    "正式党员数",
    "有无工会",
    "有无共青团组织",
    "有无妇联组织",
    "党建指导员",
]
ODS_ROWS: list[Row] = [
    ["马街镇福源食品有限公司", V1, "新经济组织", "私营企业", "马街镇", "正常经营", 45, 2, "有", "无", "有", "周敏"],
    ["马街镇顺达物流有限公司", V2, "新经济组织", "有限责任公司", "马街", "歇业", 9, 0, "无", "无", "无", None],
]


def libre_ods() -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    table = Table(name="马街镇")

    def add(values: Row) -> None:
        tr = TableRow()
        for value in values:
            if value is None:
                tr.addElement(TableCell())
            elif isinstance(value, int | float):
                cell = TableCell(valuetype="float", value=value)
                cell.addElement(P(text=str(value)))
                tr.addElement(cell)
            else:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=value))
                tr.addElement(cell)
        table.addElement(tr)

    add(ODS_HEADER)
    for row in ODS_ROWS:
        add(row)
    doc.spreadsheet.addElement(table)
    doc.save(str(FIXTURES / "libre.ods"))


# ----------------------------------------------------------------------------------- text files
TEXT_HEADER = [
    "序号",
    "组织名称",
    "统一社会信用代码",
    "组织类别",
    "组织类型",
    "所属乡镇",
    "所属村(社区)",
    "从业人员数",
    "正式党员数",
    "预备党员数",
    "业主是否党员",
    "是否已建党组织",
    "党组织名称",
    "工资总额(万元)",
    "联系电话",
    "备注",
]
TEXT_ROWS: list[list[str]] = [
    [
        "1",
        "罗平县蜂业有限公司",
        U1,
        "新经济组织",
        "有限责任公司",
        "罗雄街道",
        "九龙社区",
        "120",
        "5",
        "1",
        "是",
        "是",
        "罗平县蜂业有限公司党支部",
        "350.50",
        "13912345678",
        "含,逗号的备注",
    ],
    [
        "2",
        "罗雄街道红星茶楼",
        "",
        "新经济组织",
        "个体工商户",
        "罗雄街道",
        "红星社区",
        "4",
        "0",
        "0",
        "否",
        "否",
        "",
        "2.4",
        "",
        "第一行\n第二行",
    ],
    [
        "3",
        "罗平县餐饮行业协会",
        U2,
        "新社会组织",
        "行业协会",
        "罗雄街道",
        "",
        "12",
        "4",
        "0",
        "否",
        "否",
        "",
        "",
        "",
        "",
    ],
    ["合计", "", "", "", "", "", "", "136", "9", "1", "", "", "", "352.9", "", ""],
]


def _csv_text(delimiter: str) -> str:
    def line(cells: list[str]) -> str:
        out = []
        for cell in cells:
            if any(ch in cell for ch in (delimiter, '"', "\n")):
                cell = '"' + cell.replace('"', '""') + '"'
            out.append(cell)
        return delimiter.join(out)

    title = ["罗雄街道“两新”组织摸底表"] + [""] * (len(TEXT_HEADER) - 1)
    return "\r\n".join(line(r) for r in [title, TEXT_HEADER, *TEXT_ROWS]) + "\r\n"


def text_files() -> None:
    (FIXTURES / "gbk.csv").write_bytes(_csv_text(",").encode("gbk"))
    (FIXTURES / "utf8.csv").write_bytes(_csv_text(",").encode("utf-8"))
    (FIXTURES / "utf8_bom.csv").write_bytes(codecs.BOM_UTF8 + _csv_text(",").encode("utf-8"))
    (FIXTURES / "tabs.txt").write_bytes(_csv_text("\t").encode("utf-8"))
    (FIXTURES / "utf16_tabs.txt").write_bytes(codecs.BOM_UTF16_LE + _csv_text("\t").encode("utf-16-le"))
    (FIXTURES / "semicolon.csv").write_bytes(_csv_text(";").encode("gb18030"))
    (FIXTURES / "chinese_comma.csv").write_bytes(_csv_text("，").encode("utf-8"))


# ---------------------------------------------------------------------------- many_problems.xlsx
def _row(**values: Any) -> Row:
    from liangxin.census.tabular.columns import KEYS

    return [values.get(key) for key in KEYS]


MANY_ROWS: list[Row] = [
    _row(uscc="9153032", name="罗平县甲建材有限公司", category="新经济组织", org_type="私营企业", township="罗雄街道"),
    _row(
        uscc=U1[:-2] + "0X",
        name="罗平县乙商贸有限公司",
        category="新经济组织",
        org_type="私营企业",
        township="罗雄街道",
    ),
    _row(uscc=U3, name="罗平县丙物流有限公司", category="新经济组织", org_type="有限责任公司", township="板桥镇"),
    _row(uscc=U3, name="罗平县丁物流有限公司", category="新经济组织", org_type="有限责任公司", township="板桥镇"),
    _row(uscc=U4, name="罗平县戊科技有限公司", category="新经济组织", org_type="有限责任公司", township="罗雄街道"),
    _row(uscc=U6, category="新经济组织", org_type="私营企业", township="罗雄街道", employees=10),
    _row(name="罗平县己酒店有限公司", org_type="有限责任公司", employees=5),
    _row(
        uscc=U11,
        name="大河镇庚超市有限公司",
        category="新经济组织",
        org_type="私营企业",
        township="大河镇",
        department="工商局",
    ),
    _row(
        uscc=V3,
        name="罗平县辛有限公司",
        category="新经济组织",
        org_type="个休工商户",
        township="罗雄街道",
        above_designated_size="可能",
    ),
    _row(
        uscc=V4,
        name="罗平县壬有限公司",
        category="新经济组织",
        org_type="私营企业",
        township="罗雄街道",
        employees="不详",
        full_members="未统计",
        probationary_members="-",
        payroll="-5",
    ),
    _row(
        uscc=V5,
        name="罗平县癸有限公司",
        category="新经济组织",
        org_type="私营企业",
        township="罗雄街道",
        employees="12.5",
        full_members=-3,
    ),
    _row(
        uscc=V6,
        name="罗平县子有限公司",
        category="新经济组织",
        org_type="私营企业",
        township="罗雄街道",
        has_party_organization="是",
    ),
    _row(uscc=U8, name="罗平县丑有限公司", category="新经济组织", org_type="私营企业", township="罗雄街道"),
    _row(
        uscc=ORG_CODE_AUTHORITY,
        name="罗平县寅有限公司",
        category="新社会组织",
        org_type="私营企业",
        township="罗雄街道",
    ),
    _row(
        uscc=V7,
        name="罗平县卯有限公司",
        category="新经济组织",
        org_type="私营企业",
        township="罗雄街道",
        employees=3,
        full_members=5,
        probationary_members=0,
    ),
    _row(
        uscc=V8,
        name="罗平县辰有限公司",
        category="新经济组织",
        org_type="私营企业",
        township="罗雄街道",
        employees=80,
        full_members=0,
        probationary_members=0,
    ),
    _row(
        uscc=U10, name="罗平县鑫源建材有限责任公司", category="新经济组织", org_type="有限责任公司", township="板桥镇"
    ),
    _row(
        uscc=U9,
        name="罗平县巳有限公司",
        category="新经济组织",
        org_type="私营企业",
        township="罗雄街道",
        village="不存在村",
        contact_person="联" * 51,
        industry_code="Z99",
        payroll=12.345,
    ),
    _row(),
]


def many_problems() -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "摸底表"
    ws.append([*LABELS, "经度", "企业名称"])
    for row in MANY_ROWS:
        ws.append(row)
    ws.cell(row=3, column=len(LABELS) + 2, value="这一列不会导入")
    wb.save(FIXTURES / "many_problems.xlsx")


# ------------------------------------------------------------------------------ multi_sheet.xlsx
def multi_sheet() -> None:
    wb = Workbook()
    notes = wb.active
    notes.title = "填表说明"
    notes["A1"] = "1. 组织名称填写全称。"
    data = wb.create_sheet("摸底表")
    data.append(["组织名称", "统一社会信用代码", "组织类别", "组织类型", "所属乡镇", "从业人员数"])
    data.append(["罗平县蜂业有限公司", U1, "新经济组织", "有限责任公司", "罗雄街道", 120])
    other = wb.create_sheet("二组")
    other.append(["组织名称", "所属乡镇", "组织类别"])
    other.append(["罗平县午有限公司", "罗雄街道", "新经济组织"])
    scratch = wb.create_sheet("草稿")
    scratch["B2"] = "待核实的几家"
    wb.create_sheet("空表")
    hidden = wb.create_sheet("选项列表")
    hidden["A1"] = "新经济组织"
    hidden.sheet_state = "hidden"
    wb.save(FIXTURES / "multi_sheet.xlsx")


def main() -> None:
    Path(FIXTURES).mkdir(exist_ok=True)
    canonical()
    wps_style("wps_style.xlsx", wps_totals(94, 219.1))
    wps_style("wrong_total.xlsx", wps_totals(95, 219.5))
    two_row_header()
    legacy_xls()
    libre_ods()
    text_files()
    many_problems()
    multi_sheet()


if __name__ == "__main__":
    main()
