import io
import random
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from liangxin.accounts.models import User
from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.geo import loaders
from liangxin.geo.models import AdministrativeUnit, Department, UnitLevel
from liangxin.registry.models import Organization

DATA = Path(__file__).parent / "data"
GOOD_DIVISIONS = DATA / "divisions.csv"
GOOD_DEPARTMENTS = DATA / "departments.csv"


def run(*args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("setup_county", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def setup_good(divisions=GOOD_DIVISIONS, departments=GOOD_DEPARTMENTS):
    return run("--divisions", str(divisions), "--departments", str(departments))


def assert_good_county_loaded():
    units = {u.code: u for u in AdministrativeUnit.objects.select_related("parent")}
    assert len(units) == 6
    county = units["530325"]
    assert (county.name, county.level, county.parent, county.path) == ("富源县", UnitLevel.COUNTY, None, "530325")
    township = units["530325101"]
    assert (township.level, township.parent, township.path) == (UnitLevel.TOWNSHIP, county, "530325/530325101")
    village = units["530325001002"]
    assert village.name == "西街社区居民委员会"
    assert village.parent is not None
    assert (village.level, village.parent.code) == (UnitLevel.VILLAGE, "530325001")
    assert village.path == "530325/530325001/530325001002"
    assert dict(Department.objects.values_list("code", "name")) == {
        "GSL": "富源县工商业联合会",
        "MZJ": "富源县民政局",
        "JYTYJ": "富源县教育体育局",
    }


def test_setup_county_loads_divisions_and_departments_with_level_path_and_audit(db):
    out, err = setup_good()

    assert_good_county_loaded()
    assert "行政区划新增 6 个" in out
    assert "行业主管部门新增 3 个" in out
    assert err == ""
    records = AuditRecord.objects.filter(action=AuditAction.CREATE)
    assert sorted(records.filter(object_type="geo.administrativeunit").values_list("object_id", flat=True)) == sorted(
        str(pk) for pk in AdministrativeUnit.objects.values_list("pk", flat=True)
    )
    assert records.filter(object_type="geo.department").count() == 3
    created = records.get(object_type="geo.administrativeunit", object_repr="营上镇")
    assert created.actor is None
    assert created.changes["code"] == [None, "530325101"]
    assert created.changes["path"] == [None, "530325/530325101"]


def test_running_again_with_the_same_files_changes_nothing(db):
    setup_good()
    ids = sorted(AdministrativeUnit.objects.values_list("pk", flat=True))
    audit_count = AuditRecord.objects.count()

    out, _err = setup_good()

    assert "没有任何改动" in out
    assert sorted(AdministrativeUnit.objects.values_list("pk", flat=True)) == ids
    assert AuditRecord.objects.count() == audit_count


def test_a_changed_name_updates_the_unit_and_is_audited(db, tmp_path):
    setup_good()
    renamed = tmp_path / "divisions.csv"
    renamed.write_text(GOOD_DIVISIONS.read_text(encoding="utf-8").replace("营上村民委员会", "营上社区居民委员会"))
    departments = tmp_path / "departments.csv"
    departments.write_text(GOOD_DEPARTMENTS.read_text(encoding="utf-8").replace("富源县民政局", "富源县民政事务局"))

    out, _err = setup_good(renamed, departments)

    assert "更名 1 个" in out
    assert AdministrativeUnit.objects.get(code="530325101201").name == "营上社区居民委员会"
    assert Department.objects.get(code="MZJ").name == "富源县民政事务局"
    assert AdministrativeUnit.objects.count() == 6
    update = AuditRecord.objects.get(action=AuditAction.UPDATE, object_type="geo.administrativeunit")
    assert update.changes == {"name": ["营上村民委员会", "营上社区居民委员会"]}
    assert AuditRecord.objects.filter(action=AuditAction.UPDATE, object_type="geo.department").count() == 1


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_csv_from_excel_or_wps_in_bom_or_gbk_encoding(db, tmp_path, encoding):
    divisions = tmp_path / "区划.csv"
    divisions.write_bytes(GOOD_DIVISIONS.read_text(encoding="utf-8").replace("\n", "\r\n").encode(encoding))
    departments = tmp_path / "部门.csv"
    departments.write_bytes(GOOD_DEPARTMENTS.read_text(encoding="utf-8").encode(encoding))

    setup_good(divisions, departments)

    assert_good_county_loaded()


def _write_xlsx(path, rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def test_xlsx_with_numeric_code_cells(db, tmp_path):
    rows = [line.split(",") for line in GOOD_DIVISIONS.read_text(encoding="utf-8").splitlines()]
    # Codes typed into "general" cells are numbers in the file; a blank line is skipped.
    cells: list[list[object]] = [list(rows[0])]
    cells += [[int(code), name, int(parent) if parent else None] for code, name, parent in rows[1:]]
    cells.insert(3, [None, None, None])
    divisions = tmp_path / "divisions.xlsx"
    _write_xlsx(divisions, cells)
    departments = tmp_path / "departments.xlsx"
    _write_xlsx(departments, [line.split(",") for line in GOOD_DEPARTMENTS.read_text(encoding="utf-8").splitlines()])

    setup_good(divisions, departments)

    assert_good_county_loaded()


def test_bad_files_report_every_problem_with_its_row_and_write_nothing(db):
    err = io.StringIO()
    with pytest.raises(CommandError, match="发现 17 个问题,未写入任何数据"):
        call_command(
            "setup_county",
            divisions=str(DATA / "bad_divisions.csv"),
            departments=str(DATA / "bad_departments.csv"),
            stdout=io.StringIO(),
            stderr=err,
        )
    lines = err.getvalue().splitlines()
    expected = [
        "bad_divisions.csv 第4行:代码“53032500A”只能由数字组成。",
        "bad_divisions.csv 第5行:名称为空。",
        "bad_divisions.csv 第6行:代码 530325001 与第3行重复。",
        "bad_divisions.csv 第7行:一个文件只能有一个县级区划(6位代码),第2行已是县级区划 530325。",
        "bad_divisions.csv 第8行:上级代码 530326 不是本文件的县级区划 530325。",
        "bad_divisions.csv 第9行:上级 530325 是县(市、区);村(社区)的上级应为乡镇(街道)(9位代码)。",
        "bad_divisions.csv 第10行:代码 530399004 的前6位应与上级代码 530325 相同。",
        "bad_divisions.csv 第11行:上级代码 530325009 在文件中不存在。",
        "bad_divisions.csv 第12行:代码“5303250010”为10位;县应为6位,乡镇(街道)应为9位,村(社区)应为12位。",
        "bad_divisions.csv 第13行:缺少上级代码:村(社区)的上级应为乡镇(街道)。",
        "bad_divisions.csv 第15行:上级 530325001 是乡镇(街道);乡镇(街道)的上级应为县(市、区)(6位代码)。",
        "bad_departments.csv 第3行:部门代码为空。",
        "bad_departments.csv 第4行:部门代码“JY TY”只能由字母、数字、下划线和连字符组成,且不超过32个字符。",
        "bad_departments.csv 第5行:部门代码 gsl 与第2行重复。",
        "bad_departments.csv 第6行:部门名称为空。",
        "bad_departments.csv 第7行:部门名称“富源县工商业联合会”与第2行重复。",
    ]
    for line in expected:
        assert line in lines
    assert any(
        line.startswith("bad_divisions.csv 第14行:代码“5.30325E+11”被表格软件显示成了科学计数法") for line in lines
    )
    assert len(lines) == 17
    assert AdministrativeUnit.objects.count() == 0
    assert Department.objects.count() == 0
    assert AuditRecord.objects.count() == 0


def test_a_file_without_the_header_row_says_which_columns_are_missing(db):
    with pytest.raises(CommandError):
        call_command(
            "setup_county", divisions=str(DATA / "no_header.csv"), stdout=io.StringIO(), stderr=(err := io.StringIO())
        )
    assert (
        err.getvalue().strip()
        == "no_header.csv 第1行:缺少“代码”、“名称”、“上级代码”列;第1行应为表头:代码,名称,上级代码。"
    )


def test_unreadable_and_unsupported_files_are_reported(db, tmp_path):
    old_excel = tmp_path / "divisions.xls"
    old_excel.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(CommandError):
        call_command("setup_county", divisions=str(old_excel), stdout=io.StringIO(), stderr=(err := io.StringIO()))
    assert "另存为 .xlsx 或 CSV" in err.getvalue()

    with pytest.raises(CommandError):
        call_command(
            "setup_county", divisions=str(tmp_path / "missing.csv"), stdout=io.StringIO(), stderr=(err := io.StringIO())
        )
    assert "找不到文件" in err.getvalue()


def test_a_database_with_another_county_is_refused(db, tmp_path):
    setup_good()
    other = tmp_path / "luoping.csv"
    other.write_text("代码,名称,上级代码\n530324,罗平县,\n530324001,罗雄街道,530324\n", encoding="utf-8")
    audit_count = AuditRecord.objects.count()

    with pytest.raises(CommandError):
        call_command("setup_county", divisions=str(other), stdout=io.StringIO(), stderr=(err := io.StringIO()))

    assert "数据库中已有县级区划 富源县(530325),不能再导入 罗平县(530324)" in err.getvalue()
    assert not AdministrativeUnit.objects.filter(code__startswith="530324").exists()
    assert AuditRecord.objects.count() == audit_count


def test_a_department_name_taken_by_a_department_not_in_the_file_is_refused(db, tmp_path):
    setup_good()
    departments = tmp_path / "departments.csv"
    departments.write_text("代码,名称\nXMZJ,富源县民政局\n", encoding="utf-8")

    with pytest.raises(CommandError):
        call_command(
            "setup_county",
            divisions=str(GOOD_DIVISIONS),
            departments=str(departments),
            stdout=io.StringIO(),
            stderr=(err := io.StringIO()),
        )

    assert "部门名称“富源县民政局”已被数据库中的另一个部门(代码 MZJ)使用" in err.getvalue()
    assert not Department.objects.filter(code="XMZJ").exists()


def test_load_demo_if_empty_leaves_a_county_set_up_with_setup_county_untouched(db):
    setup_good()
    units = list(AdministrativeUnit.objects.order_by("pk").values_list("pk", "code", "name"))
    audit_count = AuditRecord.objects.count()

    out = io.StringIO()
    call_command("load_demo", "--if-empty", stdout=out)

    assert "未加载演示数据" in out.getvalue()
    assert list(AdministrativeUnit.objects.order_by("pk").values_list("pk", "code", "name")) == units
    assert Organization.objects.count() == 0
    assert User.objects.count() == 0
    assert AuditRecord.objects.count() == audit_count


def test_load_demo_without_if_empty_refuses_a_county_set_up_with_setup_county(db):
    setup_good()

    with pytest.raises(CommandError, match="只能加载到空数据库"):
        call_command("load_demo", stdout=io.StringIO())

    assert Organization.objects.count() == 0
    assert AdministrativeUnit.objects.count() == 6


# --- The pure loaders ---------------------------------------------------------------------------


def test_loader_levels_are_the_model_levels():
    assert (loaders.COUNTY, loaders.TOWNSHIP, loaders.VILLAGE) == (
        UnitLevel.COUNTY,
        UnitLevel.TOWNSHIP,
        UnitLevel.VILLAGE,
    )


def _table(rows):
    return loaders.Table(
        file="t.csv",
        rows=[(n, {"code": c, "name": name, "parent_code": p}) for n, (c, name, p) in enumerate(rows, start=2)],
    )


@st.composite
def county_tables(draw):
    townships = draw(st.lists(st.integers(1, 399), min_size=1, max_size=6, unique=True))
    rows = [("530325", "富源县", "")]
    for t in townships:
        code = f"530325{t:03d}"
        rows.append((code, f"乡镇{t}", "530325"))
        for v in draw(st.lists(st.integers(1, 999), max_size=4, unique=True)):
            rows.append((f"{code}{v:03d}", f"村{t}-{v}", code))
    return rows


@settings(max_examples=40, deadline=None)
@given(rows=county_tables(), seed=st.integers(0, 1000))
def test_any_order_of_a_valid_table_gives_the_same_tree(rows, seed):
    shuffled = rows[:]
    random.Random(seed).shuffle(shuffled)

    divisions, problems = loaders.validate_divisions(_table(shuffled))

    assert problems == []
    by_code = {d.code: d for d in divisions}
    assert len(by_code) == len(rows)
    for code, _name, parent in rows:
        division = by_code[code]
        expected_path = code if not parent else f"{by_code[parent].path}/{code}"
        assert division.path == expected_path
        assert division.level == loaders.LEVEL_OF_LENGTH[len(code)]
    # Parents come before their children, so the writer can create them level by level.
    assert [d.level for d in divisions] == sorted(d.level for d in divisions)


def test_a_table_without_a_county_says_so():
    _divisions, problems = loaders.validate_divisions(_table([("530325001", "中安街道", "530325")]))

    assert [str(p) for p in problems] == [
        "t.csv:文件中没有县级区划(6位代码、上级代码为空的一行)。",
        "t.csv 第2行:上级代码 530325 在文件中不存在。",
    ]
