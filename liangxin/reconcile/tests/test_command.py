"""`manage.py reconcile` against a register in the database: the JSON, the exit status; a dry run
writes nothing, a run with ``--user`` keeps a batch for people to decide, and nothing else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.census.models import JobStatus
from liangxin.reconcile.models import BatchStatus, Decision, ReconcileBatch, RowKind
from liangxin.registry.choices import OperatingStatus, OrganizationType
from liangxin.registry.models import Organization, OrganizationFacts
from liangxin.testing.factories import OrganizationFactory, valid_uscc


def _run(path: Path, *args: str, keep: bool = False) -> tuple[dict, int]:
    out: list[str] = []

    class Sink:
        def write(self, text: str) -> None:
            out.append(text)

        def flush(self) -> None:
            pass

    code = 0
    try:
        mode = () if keep else ("--dry-run",)
        call_command("reconcile", str(path), "--json", "--source", "market", *mode, *args, stdout=Sink())
    except SystemExit as exc:
        code = int(exc.code or 0)
    return json.loads("".join(out)), code


def _csv(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "名单.csv"
    path.write_text("\n".join(["名称,统一社会信用代码,类型,登记状态,住所", *lines]) + "\n", encoding="gbk")
    return path


@pytest.fixture
def register(township_a, township_b, village_a):
    known = OrganizationFactory(name="罗平县（九龙）砖沙有限责任公司", uscc=valid_uscc(101), township=township_a)
    closed = OrganizationFactory(name="罗平县旧厂有限公司", uscc=valid_uscc(102), township=township_b)
    silent = OrganizationFactory(name="罗平县无名有限公司", uscc=valid_uscc(103), township=township_b)
    shop = OrganizationFactory(
        name="老王小吃店", uscc=None, township=township_a, org_type=OrganizationType.INDIVIDUAL_BUSINESS
    )
    return {"known": known, "closed": closed, "silent": silent, "shop": shop}


def test_the_json_lists_every_kind_and_nothing_is_written(tmp_path, register, township_a):
    path = _csv(
        tmp_path,
        [
            f"九龙砖沙有限公司,{valid_uscc(101)},有限责任公司,存续,",
            f"罗平县旧厂有限公司,{valid_uscc(102)},有限责任公司,注销,",
            f"罗平县新开张有限公司,{valid_uscc(104)},有限责任公司,存续,罗平县{township_a.name}",
            f"老王小吃店,{valid_uscc(105)},个体工商户,存续,{township_a.name}",
            f"罗平县自来水公司,{valid_uscc(106)},全民所有制,存续,",
        ],
    )
    before = (Organization.objects.count(), OrganizationFacts.objects.count(), AuditRecord.objects.count())
    result, code = _run(path)
    assert code == 0
    assert result["matched"] == 3 and result["out_of_scope"] == 1
    assert [(m["uscc"], m["township"]) for m in result["missing"]] == [(valid_uscc(104), township_a.code)]
    assert [d["name"] for d in result["deregistered"]] == ["罗平县旧厂有限公司"]
    assert [(c["name"], sorted(c["changes"])) for c in result["changed"]] == [("老王小吃店", ["uscc"])]
    assert [u["name"] for u in result["unregistered"]] == ["罗平县无名有限公司"]
    assert result["problems"] == []
    assert (Organization.objects.count(), OrganizationFacts.objects.count(), AuditRecord.objects.count()) == before


def test_an_organization_deregistered_in_the_register_is_neither_proposed_nor_unregistered(tmp_path, register):
    OrganizationFacts.objects.filter(organization=register["silent"], valid_to__isnull=True).update(
        operating_status=OperatingStatus.DEREGISTERED
    )
    result, _ = _run(_csv(tmp_path, [f"九龙砖沙有限公司,{valid_uscc(101)},有限责任公司,存续,"]))
    assert "罗平县无名有限公司" not in [u["name"] for u in result["unregistered"]]


def test_a_township_runs_it_for_its_own_organizations(tmp_path, register, township_b):
    result, _ = _run(
        _csv(tmp_path, [f"罗平县旧厂有限公司,{valid_uscc(102)},有限责任公司,存续,"]), "--unit", township_b.code
    )
    assert result["matched"] == 1
    assert [u["name"] for u in result["unregistered"]] == ["罗平县无名有限公司"]


def test_a_file_with_errors_exits_1_with_every_problem(tmp_path, register):
    path = _csv(tmp_path, ["甲公司,91530324MA6K0000X0,有限责任公司,存续,", ",,有限责任公司,存续,"])
    result, code = _run(path)
    assert code == 1
    assert [(p["row"], p["column"], p["code"]) for p in result["problems"]] == [
        (2, "统一社会信用代码", "uscc_checksum"),
        (3, "名称", "name_missing"),
    ]
    assert result["matched"] == 0 and result["missing"] == []


def test_another_countys_list_is_refused(tmp_path, register):
    lines = [
        f"师宗县某{n}有限公司,{valid_uscc(200 + n, region='530323')},有限责任公司,存续,师宗县丹凤街道"
        for n in range(30)
    ]
    result, code = _run(_csv(tmp_path, lines))
    assert code == 1
    assert [p["code"] for p in result["problems"]] == ["list_other_county"]
    assert result["missing"] == []


def test_a_run_with_a_user_is_kept_as_a_batch_and_changes_nothing_in_the_register(
    tmp_path, register, township_a, alice, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    lines = [
        f"罗平县旧厂有限公司,{valid_uscc(102)},有限责任公司,注销,",
        f"罗平县新开张有限公司,{valid_uscc(104)},有限责任公司,存续,罗平县{township_a.name}",
    ]
    path = _csv(tmp_path, lines)
    dry, _ = _run(path)
    registry_before = (Organization.objects.count(), OrganizationFacts.objects.count())
    kept, code = _run(path, "--user", "alice", keep=True)
    assert code == 0
    batch = ReconcileBatch.objects.get()
    assert kept["batch"] == batch.pk and batch.status == BatchStatus.READY and batch.created_by == alice
    assert batch.job is not None and batch.job.status == JobStatus.DONE
    for key in ("matched", "out_of_scope", "missing", "deregistered", "changed", "unregistered", "duplicates"):
        assert kept[key] == dry[key], key
    assert set(batch.rows.values_list("kind", "name")) == {
        (RowKind.DEREGISTERED, "罗平县旧厂有限公司"),
        (RowKind.MISSING, "罗平县新开张有限公司"),
        (RowKind.UNREGISTERED, "罗平县（九龙）砖沙有限责任公司"),
        (RowKind.UNREGISTERED, "罗平县无名有限公司"),
        (RowKind.UNREGISTERED, "老王小吃店"),
    }
    assert set(batch.rows.values_list("decision", flat=True)) == {Decision.PENDING}
    assert AuditRecord.objects.filter(action=AuditAction.RECONCILE_UPLOAD, object_id=str(batch.pk)).exists()
    assert (Organization.objects.count(), OrganizationFacts.objects.count()) == registry_before


def test_a_kept_run_needs_a_user_who_may_run_it_for_the_unit(tmp_path, register, township_a, bob):
    path = _csv(tmp_path, [f"罗平县旧厂有限公司,{valid_uscc(102)},有限责任公司,存续,"])
    with pytest.raises(CommandError, match="--user"):
        _run(path, keep=True)
    with pytest.raises(CommandError, match="nobody"):
        _run(path, "--user", "nobody", keep=True)
    with pytest.raises(CommandError, match="本单位"):
        _run(path, "--user", "bob", keep=True)  # bob is a township clerk; the default unit is the county
    assert not ReconcileBatch.objects.exists()


def test_a_kept_run_of_a_bad_file_keeps_nothing_and_exits_1(tmp_path, register, alice, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    result, code = _run(_csv(tmp_path, [",,有限责任公司,存续,"]), "--user", "alice", keep=True)
    assert code == 1
    assert [p["code"] for p in result["problems"]] == ["name_missing"] and result["missing"] == []
    assert not ReconcileBatch.objects.exists()
