"""Importing police files: matching, the command's JSON, dry run, all-or-nothing, accept-valid,
changed/unchanged on a second file, revert."""

import datetime as dt
import json

import pytest
from django.core.management import call_command

from liangxin.audit.models import AuditRecord
from liangxin.core.errors import ServiceError
from liangxin.mobility import services
from liangxin.mobility.models import BatchStatus, IntakeBatch, MigrantRecord
from liangxin.testing.factories import valid_id_number

from .conftest import police_csv

KEYS = ["file", "sheet", "row", "column", "field", "value", "severity", "code", "message"]


@pytest.fixture
def police_file(tmp_path, newcomer_number, registered_elsewhere, lookalike, township_a, township_b):
    _member, known = registered_elsewhere
    stranger = valid_id_number(304, birth=dt.date(1980, 3, 1), region="522321")  # 孙八's birth date and origin
    path = tmp_path / "公安流动人口党员.csv"
    path.write_bytes(
        police_csv(
            f"赵流动,{newcomer_number},男,贵州省兴义市,罗平县板桥镇街上,2026-02-01,星火煤业,13800001111",
            f"钱七,{known},女,贵州省兴义市,罗雄街道九龙社区,2026-01-15,,",
            f"孙八,{stranger},女,,板桥镇,2026-03-01,,",
            f"无名,{newcomer_number[:-1]}0,男,,板桥镇,,,",
        )
    )
    return path


def _run(*args):
    from io import StringIO

    out = StringIO()
    code = 0
    try:
        call_command("import_migrants", *args, stdout=out)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue()


def test_the_command_reports_like_import_census_with_each_records_match(police_file, registered_elsewhere, lookalike):
    code, out = _run(str(police_file), "--json", "--dry-run")
    report = json.loads(out)
    assert code == 1  # row 5's check character is wrong
    assert (report["new"], report["changed"], report["unchanged"], report["rejected"]) == (3, 0, 0, 1)
    (problem,) = report["problems"]
    assert list(problem) == KEYS
    assert (problem["row"], problem["column"], problem["code"], problem["severity"]) == (
        5,
        "公民身份号码",
        "id_number_checksum",
        "error",
    )
    records = {r["row"]: r for r in report["records"]}
    assert records[2]["match"] == "none" and records[2]["township"] == "530324102"
    assert records[3]["match"] == "exact" and records[3]["member"] == registered_elsewhere[0].pk
    assert records[3]["township"] == "530324001"  # county-wide: the address names 罗雄街道's community
    assert records[4]["match"] == "candidates"
    assert records[4]["candidates"] == [
        {"member": lookalike[0].pk, "score": 100, "reasons": ["name", "birth_date", "origin"]}
    ]
    assert not MigrantRecord.objects.exists() and not IntakeBatch.objects.exists()


def test_all_or_nothing_writes_nothing_and_accept_valid_writes_the_valid_rows(police_file):
    code, _out = _run(str(police_file))
    assert code == 1 and not MigrantRecord.objects.exists()
    code, out = _run(str(police_file), "--accept-valid", "--json")
    assert code == 0
    assert json.loads(out)["rejected"] == 1
    assert MigrantRecord.objects.count() == 3
    batch = IntakeBatch.objects.get()
    assert (batch.status, batch.new_count, batch.rejected_count, batch.error_count) == ("applied", 3, 1, 1)
    record = MigrantRecord.objects.get(row=2)
    assert record.status == "pending" and record.due_on == record.registered_on + dt.timedelta(days=30)
    assert record.id_number_masked.endswith(record.id_number_masked[-2:]) and "*" in record.id_number_masked
    # Audit records of registrations hold nothing personal.
    for audit in AuditRecord.objects.filter(object_type="mobility.migrantrecord"):
        assert "赵流动" not in json.dumps(audit.changes, ensure_ascii=False) and "赵流动" not in audit.object_repr


def test_a_second_file_changes_the_pending_registration_or_leaves_it(carol, township_b, newcomer_number):
    first = police_csv(f"赵流动,{newcomer_number},男,,板桥镇,2026-02-01,星火煤业,")
    services.import_file(by=carol, unit=township_b, data=first, file_name="1.csv")
    again = services.import_file(by=carol, unit=township_b, data=first, file_name="2.csv")
    assert again.counts() == {"new": 0, "changed": 0, "unchanged": 1, "rejected": 0}
    moved = police_csv(f"赵流动,{newcomer_number},男,,板桥镇,2026-02-01,板桥水泥厂,")
    third = services.import_file(by=carol, unit=township_b, data=moved, file_name="3.csv")
    assert third.counts()["changed"] == 1
    assert MigrantRecord.objects.get().employer_name == "板桥水泥厂"


def test_a_township_imports_only_for_itself(bob, township_b, newcomer_number):
    with pytest.raises(ServiceError, match="只能导入本乡镇"):
        services.import_file(by=bob, unit=township_b, data=police_csv(f"赵,{newcomer_number},,,,,,"), file_name="a.csv")


def test_preview_then_confirm_then_revert(carol, township_b, newcomer_number):
    outcome = services.preview_file(
        by=carol, unit=township_b, data=police_csv(f"赵流动,{newcomer_number},男,,板桥镇,,,"), file_name="a.csv"
    )
    batch = outcome.batch
    assert batch.status == BatchStatus.PREVIEWED and not MigrantRecord.objects.exists()
    services.confirm_batch(by=carol, batch=batch)
    assert MigrantRecord.objects.filter(batch=batch).count() == 1
    with pytest.raises(ServiceError, match="不能再导入"):
        services.confirm_batch(by=carol, batch=batch)
    services.revert_batch(by=carol, batch=batch)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.REVERTED and not MigrantRecord.objects.exists()


def test_revert_is_refused_once_a_registration_is_verified(carol, township_b, newcomer_number):
    batch = services.import_file(
        by=carol, unit=township_b, data=police_csv(f"赵流动,{newcomer_number},男,,板桥镇,,,"), file_name="a.csv"
    ).batch
    services.mark_not_found(by=carol, record=batch.records.get(), note="走访未见其人")
    with pytest.raises(ServiceError, match="核实完毕,不能撤销"):
        services.revert_batch(by=carol, batch=batch)
