"""``manage.py recommend``: a census table in, one JSON object per row out, the database untouched."""

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

FIXTURES = Path(__file__).parent / "fixtures"
FACTS = FIXTURES / "facts.csv"
POLICY = FIXTURES / "policy_2009.json"


def expected():
    return [json.loads(line) for line in (FIXTURES / "facts.expected.jsonl").read_text(encoding="utf-8").splitlines()]


def run(*args):
    out = io.StringIO()
    call_command("recommend", *args, stdout=out)
    return out.getvalue()


def json_lines(text):
    return [json.loads(line) for line in text.splitlines()]


def test_json_lines_with_the_policy_in_force(db, django_assert_num_queries):
    with django_assert_num_queries(1):  # the policy in force, nothing else
        out = run("--facts", str(FACTS), "--json", "--policy-date", "2026-01-01")
    assert json_lines(out) == expected()


def test_offline_with_a_policy_file_touches_no_database():
    # No db fixture: pytest-django fails any query.
    assert json_lines(run("--facts", str(FACTS), "--json", "--policy-file", str(POLICY))) == expected()


def test_the_expected_output_says_what_the_speech_says():
    by_name = {row["name"]: row for row in expected()}
    assert by_name["罗平县蜂产业协会"]["code"] == "form_branch"
    assert by_name["罗平县万兴隆实业有限公司"]["code"] == "form_general_branch"
    assert by_name["罗平县扎塘煤矿有限公司"]["code"] == "form_committee"
    joint = by_name["罗平县九龙蜂蜜加工厂"]
    assert joint["code"] == "joint"
    # 2 + 1 full members reach three; 腊者食品 (probationary members only) is no joint partner.
    assert [p["name"] for p in joint["partners"]] == ["罗平县九龙菜籽油坊"]
    assert by_name["罗平县腊者食品有限公司"]["code"] == "village_enterprise"
    assert [a["code"] for a in joint["alternatives"]] == ["village_enterprise", "via_association", "transfer_relations"]
    assert by_name["罗平县星火建材有限公司"]["code"] == "instructor_first"
    blocked = by_name["罗平县鑫源商贸有限公司"]
    assert (blocked["code"], [b["code"] for b in blocked["blockers"]]) == (
        "form_branch",
        ["owner_unsupportive", "no_secretary_candidate"],
    )
    assert by_name["罗平县老厂砖瓦厂"]["code"] == "not_applicable"
    assert by_name["罗平县张记五金店"]["row"] == 11 and by_name["罗平县张记五金店"]["uscc"] == ""
    covered = by_name["罗平县九龙砖沙协会"]
    assert (covered["code"], [f["code"] for f in covered["flags"]]) == ("covered", ["wrong_kind"])


def test_gbk_csv_and_xlsx_give_the_same_answer(tmp_path):
    text = FACTS.read_text(encoding="utf-8")
    gbk = tmp_path / "摸底表.csv"
    gbk.write_bytes(text.encode("gbk"))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in csv.reader(io.StringIO(text)):
        # Head counts as numbers, as Excel stores them; codes stay text.
        sheet.append([int(cell) if 9 <= i <= 11 and cell.isdigit() else cell for i, cell in enumerate(row)])
    xlsx = tmp_path / "摸底表.xlsx"
    workbook.save(xlsx)
    for path in (gbk, xlsx):
        assert json_lines(run("--facts", str(path), "--json", "--policy-file", str(POLICY))) == expected()


def test_readable_text_without_json():
    lines = run("--facts", str(FACTS), "--policy-file", str(POLICY)).splitlines()
    assert lines[0] == "第2行 罗平县蜂产业协会:独立组建党支部 (党员6名,其中正式党员5名)"
    assert lines[7].startswith(
        "第9行 罗平县鑫源商贸有限公司:独立组建党支部 (党员5名,其中正式党员5名) 须解决:业主对组建党组织态度"
    )


def test_missing_column_is_a_clear_error_with_exit_status_1(tmp_path):
    path = tmp_path / "facts.csv"
    path.write_text("组织名称,组织类别,所属乡镇,正式党员数\n罗平县测试公司,新经济组织,罗雄街道,3\n", encoding="utf-8")
    with pytest.raises(CommandError, match="表头缺少“预备党员数”“是否已建党组织”列") as info:
        run("--facts", str(path), "--json", "--policy-file", str(POLICY))
    assert info.value.returncode == 1


def test_unreadable_or_missing_file_is_a_clear_error(tmp_path):
    pdf = tmp_path / "facts.csv"
    pdf.write_bytes(b"%PDF-1.7 not a table")
    with pytest.raises(CommandError, match="这是PDF文件"):
        run("--facts", str(pdf), "--policy-file", str(POLICY))
    with pytest.raises(CommandError, match="无法读取文件"):
        run("--facts", str(tmp_path / "nowhere.csv"), "--policy-file", str(POLICY))
    with pytest.raises(CommandError, match="找不到摸底表的表头"):
        (tmp_path / "words.csv").write_text("你好\n世界\n", encoding="utf-8")
        run("--facts", str(tmp_path / "words.csv"), "--policy-file", str(POLICY))


def test_bad_rows_are_reported_and_the_others_still_recommended(tmp_path):
    lines = FACTS.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",5,1,支持", ",不详,1,支持")
    path = tmp_path / "facts.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 行数据有误"):
        call_command("recommend", "--facts", str(path), "--json", "--policy-file", str(POLICY), stdout=out)
    rows = json_lines(out.getvalue())
    assert rows[0]["row"] == 2 and "code" not in rows[0]
    assert rows[0]["errors"] and "不详" in rows[0]["errors"][0]
    assert rows[1:] == expected()[1:]


def test_policy_problems_are_clear_errors(db, tmp_path):
    with pytest.raises(CommandError, match="2009-01-01 没有施行中的政策版本"):
        run("--facts", str(FACTS), "--policy-date", "2009-01-01")
    with pytest.raises(CommandError, match="不是YYYY-MM-DD格式"):
        run("--facts", str(FACTS), "--policy-date", "2009年")
    bad = tmp_path / "policy.json"
    bad.write_text('{"general_branch_tolerance": 60}', encoding="utf-8")
    with pytest.raises(CommandError, match="政策文件有误:“接近”建立党总支的党员数不能大于建立党总支的党员数"):
        run("--facts", str(FACTS), "--policy-file", str(bad))
    bad.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(CommandError, match="政策文件应是一个JSON对象"):
        run("--facts", str(FACTS), "--policy-file", str(bad))


def test_policy_file_with_versions_is_chosen_by_date(tmp_path):
    versions = [json.loads(POLICY.read_text(encoding="utf-8")), {"name": "2020年修订", "effective_from": "2020-01-01"}]
    versions[1]["general_branch_threshold"] = 40
    versions[1]["general_branch_tolerance"] = 40
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(versions, ensure_ascii=False), encoding="utf-8")
    old = json_lines(run("--facts", str(FACTS), "--json", "--policy-file", str(path), "--policy-date", "2019-12-31"))
    new = json_lines(run("--facts", str(FACTS), "--json", "--policy-file", str(path), "--policy-date", "2020-01-01"))
    assert old == expected()
    assert {row["policy"] for row in new} == {"2020年修订"}
    assert [row["code"] for row in new if row["name"] == "罗平县九龙砖沙协会"] == ["covered"]
    with pytest.raises(CommandError, match="政策文件中没有在 2009-10-31 施行的版本"):
        run("--facts", str(FACTS), "--policy-file", str(path), "--policy-date", "2009-10-31")
