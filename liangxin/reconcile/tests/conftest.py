"""A register of the county with one planted case of every kind, and the list that reveals them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from liangxin.census import jobs
from liangxin.formation.models import FormationPlan
from liangxin.testing.factories import OrganizationFactory, valid_uscc

HEADER = "名称,统一社会信用代码,类型,登记状态,住所"


def list_csv(*lines: str) -> bytes:
    return "\n".join([HEADER, *lines]).encode("gbk") + b"\n"


@pytest.fixture
def planted(township_a, township_b, village_a):
    known = OrganizationFactory(name="罗平县九龙砖沙有限责任公司", uscc=valid_uscc(101), township=township_a)
    closed = OrganizationFactory(name="罗平县旧厂有限公司", uscc=valid_uscc(102), township=township_b)
    renamed = OrganizationFactory(name="罗平县老名字有限公司", uscc=valid_uscc(103), township=township_b)
    silent = OrganizationFactory(name="罗平县无声建材有限公司", uscc=valid_uscc(106), township=township_a)
    plan = FormationPlan.objects.create(
        organization=closed, ready=False, reason="no_members", countermeasure="发展党员", responsible_person="王五"
    )
    return {"known": known, "closed": closed, "renamed": renamed, "silent": silent, "plan": plan}


@pytest.fixture
def market_list(planted) -> bytes:
    return list_csv(
        f"罗平县九龙砖沙有限公司,{valid_uscc(101)},有限责任公司,存续,罗平县罗雄街道",
        f"罗平县旧厂有限公司,{valid_uscc(102)},有限责任公司,注销,罗平县板桥镇",
        f"罗平县新名字商贸有限公司,{valid_uscc(103)},有限责任公司,存续,罗平县板桥镇",
        f"罗平县板桥新开张有限公司,{valid_uscc(104)},有限责任公司,存续,罗平县板桥镇新街1号",
        f"罗平县无址商贸有限公司,{valid_uscc(105)},有限责任公司,存续,",
        f"罗平县自来水公司,{valid_uscc(107)},全民所有制,存续,罗平县罗雄街道",
    )


def upload(client: Any, unit: Any, data: bytes, name: str = "市场监管名单.csv", source: str = "market") -> Any:
    return client.post(
        "/reconcile/",
        {"unit": unit.pk, "source": source, "file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


def run_worker() -> int:
    ran = 0
    while jobs.run_next("test-worker") is not None:
        ran += 1
    return ran


@pytest.fixture
def ready_batch(alice, county, market_list):
    """The county's run of the planted list, compared."""
    from liangxin.reconcile import services

    batch = services.start_batch(by=alice, unit=county, source="market", data=market_list, file_name="名单.csv")
    run_worker()
    batch.refresh_from_db()
    return batch


TODAY = dt.date.today()
