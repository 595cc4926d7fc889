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


@pytest.fixture
def unrostered_member_b(org_in_b):
    """A member working in township B on no party organization's roster (一个不能少)."""
    from liangxin.testing.factories import MemberFactory

    return MemberFactory(name="王五", employer=org_in_b)


# --- Census campaigns: township B's submission with one staged row of department X ---

CAMPAIGN_CSV_B = (
    "统一社会信用代码,组织名称,组织类别,组织类型,所属乡镇,行业主管部门,从业人员数\n"
    "91530324MA6Q000X1K,板桥镇摸底甲有限公司,新经济组织,私营企业,板桥镇,县工商联,12\n"
)


@pytest.fixture
def campaign(alice, township_a, township_b, department_x):
    import datetime as dt

    from liangxin.campaigns import services

    created = services.create_campaign(
        by=alice,
        name="2026年集中摸底",
        code="MD2026",
        as_of=dt.date(2026, 11, 1),
        survey_deadline=dt.date(2026, 11, 30),
        plan_deadline=dt.date(2026, 12, 5),
    )
    return services.open_campaign(by=alice, campaign=created)


@pytest.fixture
def campaign_submission_b(campaign, carol, township_b):
    from liangxin.campaigns import services
    from liangxin.testing.factories import valid_uscc

    submission = campaign.submissions.get(township=township_b)
    data = CAMPAIGN_CSV_B.replace("91530324MA6Q000X1K", valid_uscc(7001)).encode()
    staging = services.import_into_submission(
        by=carol, submission=submission, data=data, file_name="板桥镇摸底.csv", expected_version=None
    )
    assert staging.staged == 1, staging.problems
    submission.refresh_from_db()
    return submission


@pytest.fixture
def campaign_entry_b(campaign_submission_b):
    return campaign_submission_b.entries.get()


@pytest.fixture
def clerk_of_department_y(db):
    """A department clerk whose department supervises nothing of township B."""
    from liangxin.accounts.roles import Role
    from liangxin.testing.factories import DepartmentFactory, UserFactory

    return UserFactory(
        username="yvonne", role=Role.DEPARTMENT_CLERK, department=DepartmentFactory(code="JYJ", name="县教育局")
    )


@pytest.fixture
def audit_record(org_in_b, carol):
    """A record of township B's organization, for the audit pages."""
    from liangxin.audit.services import log_change

    return log_change(actor=carol, action="update", obj=org_in_b, changes={"employees": [1, 2]})
