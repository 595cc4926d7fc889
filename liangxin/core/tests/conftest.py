"""Objects of the census import for the URL-walk scoping test (township B, carol's)."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from liangxin.core.dates import today

BANQIAO_CSV = (
    "组织名称,组织类别,所属乡镇,组织类型,从业人员数\n"
    "板桥镇小李餐馆,新经济组织,板桥镇,个体工商户,3\n"
    "板桥镇老张修车铺,新经济组织,板桥镇,个体工商户,不详\n"
).encode()


@pytest.fixture
def import_batch_b(carol, township_b):
    """An applied import of township B with one rejected row."""
    from liangxin.census import services

    outcome = services.import_file(
        by=carol, unit=township_b, data=BANQIAO_CSV, file_name="板桥镇摸底.csv", as_of=today(), mode="accept_valid"
    )
    return outcome.batch


@pytest.fixture
def import_job_b(carol, township_b):
    """A queued background preview of township B."""
    from liangxin.census.models import ImportJob, JobKind

    job = ImportJob(kind=JobKind.PREVIEW, unit=township_b, created_by=carol, file_name="板桥镇大表.csv")
    job.upload.save("板桥镇大表.csv", ContentFile(BANQIAO_CSV), save=False)
    job.save()
    return job
