"""open_census: the streamed chunks are read_census's result, whatever the chunk size."""

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from liangxin.census.tabular import CensusStream, open_census, parse, read_census, reading
from liangxin.census.tabular.header import SCAN_ROWS
from liangxin.census.tabular.problems import sort_problems

from .support import FIXTURES, REFERENCE, U1, U2, U3, U4, V9

FIXTURE_NAMES = sorted(path.name for path in FIXTURES.iterdir())


def collected(stream: CensusStream):
    """Everything a stream gives, in read_census's shape; also checks the chunk sizes."""
    rows, problems = [], list(stream.file_problems)
    for chunk in stream.chunks():
        assert 0 < len(chunk.rows) <= stream.chunk_rows
        assert {p.row for p in chunk.problems} <= {r.excel_row for r in chunk.rows}
        rows.extend(chunk.rows)
        problems.extend(chunk.problems)
    problems.extend(stream.final_problems())
    return (stream.sheet_name, stream.header_row, stream.mapping, rows, sort_problems(problems), stream.skipped)


def as_read(data: bytes, name: str, reference=REFERENCE):
    result = read_census(data, name, reference)
    return (result.sheet_name, result.header_row, result.mapping, result.rows, result.problems, result.skipped)


@pytest.mark.parametrize("chunk_rows", [1, 7, 1000])
@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_every_fixture_streams_to_the_same_result(name, chunk_rows):
    data = (FIXTURES / name).read_bytes()
    assert collected(open_census(data, name, REFERENCE, chunk_rows=chunk_rows)) == as_read(data, name)


def test_reading_again_gives_the_same_chunks():
    data = (FIXTURES / "many_problems.xlsx").read_bytes()
    first = open_census(data, "a.xlsx", REFERENCE, chunk_rows=4)
    chunks = list(first.chunks())
    assert [len(c.rows) for c in chunks] == [4, 4, 4, 4, 2]
    assert list(open_census(data, "a.xlsx", REFERENCE, chunk_rows=4).chunks()) == chunks
    assert list(first.chunks()) == chunks  # the same stream, read again from the start


def test_final_problems_come_after_the_chunks():
    text = f"组织名称,统一社会信用代码,组织类别,所属乡镇,从业人员数\n甲公司,{U1},经济,罗雄,10\n合计,,,,11\n"
    stream = open_census(text.encode(), "a.csv", REFERENCE)
    with pytest.raises(RuntimeError):
        stream.final_problems()
    assert stream.skipped == []
    assert [len(c.rows) for c in stream.chunks()] == [1]
    assert stream.skipped == [(3, "合计")]
    assert [(p.row, p.code) for p in stream.final_problems()] == [(3, "total_mismatch")]


def test_a_duplicate_uscc_chunks_apart_names_the_earlier_row():
    lines = ["组织名称,统一社会信用代码,组织类别,所属乡镇"] + [
        f"公司{i},{U1 if i in (0, 5) else ''},经济,罗雄" for i in range(6)
    ]
    stream = open_census("\n".join(lines).encode(), "a.csv", REFERENCE, chunk_rows=2)
    chunks = list(stream.chunks())
    duplicate = [p for p in chunks[2].problems if p.code == "duplicate_uscc"]
    assert [(p.row, p.message.split("。")[0]) for p in duplicate] == [(7, "统一社会信用代码与第2行重复")]
    assert chunks[2].rows[1].has_errors


def test_subtotals_and_totals_add_up_across_chunks():
    text = "\n".join(
        [
            "序号,组织名称,统一社会信用代码,组织类别,所属乡镇,从业人员数,工资总额(万元)",
            f"1,甲公司,{U1},经济,罗雄,10,1.10",
            f"2,乙公司,{U3},经济,罗雄,20,2.20",
            "小计,,,,,30,3.30",
            f"3,丙公司,{U2},社会,罗雄,5,",
            "4,丁公司,,经济,罗雄, ,",
            "小计,,,,,6,0",
            "合计,,,,,35,3.3",
            "总计,,,,,36,3.31",
        ]
    )
    expected = [(7, "从业人员数"), (9, "从业人员数"), (9, "工资总额(万元)")]
    for chunk_rows in (1, 2, 3, 100):
        stream = open_census(text.encode(), "a.csv", REFERENCE, chunk_rows=chunk_rows)
        list(stream.chunks())
        assert [(p.row, p.column) for p in stream.final_problems()] == expected
        assert stream.skipped == [(4, "小计"), (7, "小计"), (8, "合计"), (9, "总计")]
    assert [p.message.split("。")[0] for p in stream.final_problems()][1:] == [
        "总计行的“从业人员数”为36,但上面各行相加为35",
        "总计行的“工资总额(万元)”为3.31,但上面各行相加为3.3",
    ]


def test_a_file_broken_far_down_is_unreadable_as_a_whole():
    good = [f"公司{i},{U1 if i == 0 else ''},经济,罗雄" for i in range(50)]
    text = "\n".join(["组织名称,统一社会信用代码,组织类别,所属乡镇", *good, '坏公司,"' + "x" * 200_000])
    stream = open_census(text.encode(), "a.csv", REFERENCE, chunk_rows=10)
    assert sum(len(c.rows) for c in stream.chunks()) == 50
    final = stream.final_problems()
    assert [(p.code, p.row) for p in final] == [("unreadable_file", None)]
    assert "CSV文件格式有误" in final[0].message
    result = read_census(text.encode(), "a.csv", REFERENCE)
    assert (result.sheet_name, result.rows, [p.code for p in result.problems]) == (None, [], ["unreadable_file"])


def test_files_that_cannot_be_read_have_only_file_problems():
    for data, code in [(b"%PDF-1.4", "unreadable_file"), ("甲,乙,丙\n1,2,3\n".encode(), "no_header")]:
        stream = open_census(data, "x.csv", REFERENCE)
        assert [p.code for p in stream.file_problems] == [code]
        assert (list(stream.chunks()), stream.final_problems(), stream.skipped) == ([], [], [])


# ----------------------------------------------------------------------------- messy tables
HEADER = [
    "序号",
    "组织名称",
    "统一社会信用代码",
    "组织类别",
    "组织类型",
    "所属乡镇",
    "所属村(社区)",
    "从业人员数",
    "正式党员数",
    "工资总额(万元)",
    "是否已建党组织",
    "党组织名称",
]
CELLS = {
    "序号": ["1", "", "小计", "合计"],
    "组织名称": [
        "甲公司",
        "乙公司",
        "罗平县鑫源建材有限责任公司",
        "",
        " ",
        "合计",
        "填表人:张三",
        "组织名称",
        "丙協會",
    ],
    "统一社会信用代码": [U1, U2, U3, U4, V9, "", "123", U1.lower()],
    "组织类别": ["新经济组织", "经济", "社会", "", "不知道"],
    "组织类型": ["私营企业", "个体工商户", "社会团体", "", "公司"],
    "所属乡镇": ["罗雄", "板桥镇", "大河镇", ""],
    "所属村(社区)": ["九龙", "某村", ""],
    "从业人员数": ["10", "约50", "不详", "", "-3", "80", "0"],
    "正式党员数": ["0", "1", "", "不详"],
    "工资总额(万元)": ["12.5", "100", "", "1.234", "5000元"],
    "是否已建党组织": ["是", "否", "", "maybe"],
    "党组织名称": ["甲公司党支部", "", " "],
}
rows = st.lists(
    st.one_of(
        st.just([""] * len(HEADER)),
        st.just(HEADER),
        st.tuples(*(st.sampled_from(CELLS[h]) for h in HEADER)).map(list),
        st.tuples(*(st.sampled_from(CELLS[h]) for h in HEADER)).map(list),
    ),
    max_size=30,
)


def csv_table(body: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["板桥镇“两新”组织摸底表"])
    writer.writerow(HEADER)
    writer.writerows(body)
    return out.getvalue().encode("gb18030")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows, st.integers(1, 8), st.integers(1, 4), st.integers(1, 6))
def test_any_table_streams_to_the_same_result_whatever_the_chunks(body, chunk_rows, sample, limit):
    data = csv_table(body)
    expected = as_read(data, "t.csv")
    assert collected(open_census(data, "t.csv", REFERENCE, chunk_rows=chunk_rows)) == expected
    # A column table given up for direct conversion, or emptied when full, changes nothing either.
    saved = parse._MEMO_SAMPLE, parse.MEMO_LIMIT
    setattr(parse, "_MEMO_SAMPLE", sample)  # noqa: B010  # a Final, changed for this test only
    setattr(parse, "MEMO_LIMIT", limit)  # noqa: B010
    try:
        assert collected(open_census(data, "t.csv", REFERENCE, chunk_rows=chunk_rows)) == expected
    finally:
        setattr(parse, "_MEMO_SAMPLE", saved[0])  # noqa: B010
        setattr(parse, "MEMO_LIMIT", saved[1])  # noqa: B010


# ------------------------------------------------------------------------------ sources
def test_the_head_is_enough_to_find_the_header():
    assert reading.HEAD_ROWS == SCAN_ROWS + 1  # the row below the last scanned one may be a sub-header


@pytest.mark.parametrize("name", [n for n in FIXTURE_NAMES if n.endswith((".xlsx", ".xls", ".ods"))])
def test_workbook_rows_stream_as_calamine_reads_them_whole(name):
    data = (FIXTURES / name).read_bytes()
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    sources = reading.open_workbook(data, name)
    assert [s.name for s in sources] == [m.name for m in workbook.sheets_metadata]
    for source in sources:
        whole = workbook.get_sheet_by_name(source.name).to_python(skip_empty_area=False)
        assert list(source.rows()) == whole
        assert source.head == whole[: reading.HEAD_ROWS]


def test_a_sheet_that_starts_down_and_right_keeps_excel_positions():
    wb = Workbook()
    wb.active["C4"] = "组织名称"
    wb.active["E7"] = 5
    buffer = io.BytesIO()
    wb.save(buffer)
    (source,) = reading.open_workbook(buffer.getvalue(), "a.xlsx")
    assert list(source.rows()) == [[""] * 5] * 3 + [["", "", "组织名称", "", ""], [""] * 5, [""] * 5, [""] * 4 + [5.0]]


@pytest.mark.parametrize("name", [n for n in FIXTURE_NAMES if n.endswith((".csv", ".txt"))])
def test_text_rows_stream_as_the_whole_text_splits(name, monkeypatch):
    data = (FIXTURES / name).read_bytes()
    text, encoding = reading.decode_text(data)
    monkeypatch.setattr(reading, "_DECODE_BLOCK", 5)  # blocks that cut characters in two
    monkeypatch.setattr(reading, "_TEXT_CHUNK", 7)
    (source,) = reading.open_workbook(data, name)
    assert source.encoding == encoding
    whole = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=source.delimiter))
    assert list(source.rows()) == whole


def test_one_byte_that_is_not_utf8_far_down_makes_the_whole_file_gb18030(monkeypatch):
    monkeypatch.setattr(reading, "_DECODE_BLOCK", 64)
    data = b"name,township,category\n" + b"A,B,C\n" * 100 + "乙公司,板桥,经济\n".encode("gbk")
    assert reading.detect_encoding(data) == reading.decode_text(data)[1] == "gb18030"
    (source,) = reading.open_workbook(data, "a.csv")
    assert list(source.rows()) == list(csv.reader(io.StringIO(data.decode("gb18030"), newline="")))


def test_reading_leaves_the_garbage_collector_on(monkeypatch):
    """The reader does not switch the collector off around each chunk: measured on a 100,000-row
    import, that pause cost CPU time rather than saving it (the import freezes its long-lived
    objects instead, ``core.collector``)."""
    import gc

    from liangxin.census.tabular import validate

    seen = []
    original = validate.Validator.validate

    def spy(self, rows):
        seen.append(gc.isenabled())
        return original(self, rows)

    monkeypatch.setattr(validate.Validator, "validate", spy)
    name = FIXTURE_NAMES[0]
    list(open_census((FIXTURES / name).read_bytes(), name, REFERENCE, chunk_rows=1).chunks())
    assert seen and all(seen)
