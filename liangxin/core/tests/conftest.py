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


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """The static files as collectstatic makes them for production, once for the tests that run
    gunicorn (compressing them is most of a collectstatic)."""
    from liangxin.testing import servers

    into = tmp_path_factory.mktemp("collected") / "staticfiles"
    servers.collect_static(into)
    return into


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
def campaign_submission_x(campaign_submission_b, department_x):
    """Department X's submission of the campaign, with township B's row it supervises."""
    return campaign_submission_b.campaign.submissions.get(department=department_x)


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


@pytest.fixture
def formation_plan_b(org_in_b):
    """A formation plan of township B's organization (not ready: no members)."""
    from liangxin.formation.models import FormationPlan

    return FormationPlan.objects.create(
        organization=org_in_b, ready=False, reason="no_members", countermeasure="发展党员", responsible_person="王五"
    )


@pytest.fixture
def api_token_of_carol(carol):
    from liangxin.api import services

    token, _secret = services.create_token(by=carol, name="市级平台同步")
    return token


# --- Mobile members: township B's outgoing member 李四 (member_b), a certificate, a transfer, and
# a police file of township B with one registration ---

MIGRANTS_CSV_B = "姓名,公民身份号码,性别,户籍地址,现住址,来县日期,务工单位,联系电话\n"


@pytest.fixture
def mobile_member_b(carol, member_b):
    import datetime as dt

    from liangxin.mobility import services

    return services.register_outflow(
        by=carol,
        member=member_b,
        destination="广东省东莞市长安镇",
        since=dt.date(2026, 3, 1),
        employer_name="东莞某电子厂",
    )


@pytest.fixture
def certificate_b(carol, mobile_member_b):
    from liangxin.mobility import services

    certificate = services.apply_certificate(by=carol, mobile_member=mobile_member_b)
    certificate = services.approve_certificate(by=carol, certificate=certificate)
    return services.issue_certificate(by=carol, certificate=certificate)


@pytest.fixture
def transfer_b(carol, member_b, branch_b):
    from liangxin.mobility import services

    external = services.external_party_organization(name="东莞市长安镇流动党员党支部", place="广东省东莞市长安镇")
    return services.open_transfer(by=carol, member=member_b, direction="out", local=branch_b, external=external)


@pytest.fixture
def intake_batch_b(carol, township_b):
    import datetime as dt

    from liangxin.mobility import services
    from liangxin.testing.factories import valid_id_number

    number = valid_id_number(701, region="522301", birth=dt.date(1990, 5, 4))
    row = f"赵流动,{number},男,贵州省兴义市桔山街道,罗平县板桥镇某村,2026-02-01,板桥星火煤业,13800001111\n"
    data = MIGRANTS_CSV_B + row
    return services.import_file(by=carol, unit=township_b, data=data.encode(), file_name="板桥镇流动人口.csv").batch


@pytest.fixture
def migrant_record_b(intake_batch_b):
    return intake_batch_b.records.get()


@pytest.fixture
def training_b(carol, member_b, org_in_b):
    """A training township B held, attended by its member 李四 and the owner of its company."""
    import datetime as dt
    from decimal import Decimal

    from liangxin.training import services
    from liangxin.training.models import AttendeeKind

    training = services.create_training(
        by=carol,
        data=services.TrainingData(
            title="板桥镇党务知识培训",
            starts_on=dt.date(2026, 4, 8),
            ends_on=dt.date(2026, 4, 8),
            hours=Decimal("4"),
            organizer="板桥镇党委",
        ),
    )
    services.add_attendees(
        by=carol,
        training=training,
        attendees=[
            services.AttendeeData(kind=AttendeeKind.MEMBER, member=member_b),
            services.AttendeeData(kind=AttendeeKind.OWNER, organization=org_in_b, name="周老板"),
        ],
    )
    return training


@pytest.fixture
def attendance_b(training_b):
    return training_b.attendances.get(kind="member")


@pytest.fixture
def liaison_point_b(carol, org_in_b):
    """Township B's party committee's liaison point at its company, with one visit."""
    import datetime as dt

    from liangxin.liaison import services

    point = services.create_point(
        by=carol,
        data=services.PointData(
            leader_name="杨镇长",
            leader_position="板桥镇党委书记",
            organization=org_in_b,
            started_on=dt.date(2026, 2, 1),
        ),
    )
    services.record_visit(
        by=carol,
        point=point,
        data=services.VisitData(visited_on=dt.date(2026, 3, 5), visitors="杨镇长、组织委员", activity="指导换届"),
    )
    return point


@pytest.fixture
def township_b_objects(request, member_b):
    """The object of every object pattern, from the scoping test's cases (township B's): what the
    walks of every page (no server error, phones) open."""
    from liangxin.core.tests.test_url_scoping import CASES

    return {name: request.getfixturevalue(case.target) for name, case in CASES.items()}


# --- Member development: township B's applicant 王申请 and a recommendation of member_b ---


@pytest.fixture
def development_file_b(carol, branch_b, org_in_b):
    import datetime as dt

    from liangxin.development import services
    from liangxin.testing.factories import valid_id_number

    return services.open_application(
        by=carol,
        data=services.ApplicationData(
            name="王申请",
            id_number=valid_id_number(702, birth=dt.date(1998, 3, 9)),
            party_organization=branch_b,
            organization=org_in_b,
            applied_on=dt.date(2026, 3, 2),
        ),
    )


@pytest.fixture
def recommendation_b(carol, branch_b, org_in_b, member_b):
    import datetime as dt

    from liangxin.development import services

    return services.recommend(
        by=carol,
        data=services.RecommendationData(
            kind="member_to_management",
            party_organization=branch_b,
            recommender="板桥镇党委 王书记",
            organization=org_in_b,
            recommended_on=dt.date(2026, 4, 1),
            member=member_b,
        ),
    )


# --- The talent pool: township B's person 王指导 and his assignments ---


@pytest.fixture
def pool_entry_b(carol, township_b):
    """A township-B person of the talent pool who is not a member, with an ID number."""
    from liangxin.talent import services
    from liangxin.testing.factories import valid_id_number

    data = services.EntryData(name="王指导", township=township_b, id_number=valid_id_number(901), skills="党务")
    return services.add_entry(by=carol, data=data)


@pytest.fixture
def instructor_assignment_b(carol, pool_entry_b, org_in_b):
    import datetime as dt

    from liangxin.talent import services

    return services.assign_instructor(
        by=carol, person=pool_entry_b, organization=org_in_b, valid_from=dt.date(2026, 3, 1), method="appointment"
    )


@pytest.fixture
def post_assignment_b(carol, pool_entry_b, branch_b):
    import datetime as dt

    from liangxin.talent import services

    return services.assign_post(
        by=carol,
        person=pool_entry_b,
        party_organization=branch_b,
        post="secretary",
        valid_from=dt.date(2026, 3, 1),
        method="two_way",
    )


@pytest.fixture
def reconcile_batch_b(carol, township_b, org_in_b):
    """Township B's comparison with a market-regulation list, compared: org_in_b is deregistered in it."""
    from liangxin.census import jobs
    from liangxin.reconcile import services

    data = f"名称,统一社会信用代码,登记状态\n{org_in_b.name},{org_in_b.uscc},注销\n".encode()
    batch = services.start_batch(by=carol, unit=township_b, source="market", data=data, file_name="板桥镇登记名单.csv")
    while jobs.run_next("scoping-test") is not None:
        pass
    batch.refresh_from_db()
    return batch


@pytest.fixture
def reconcile_row_b(reconcile_batch_b):
    return reconcile_batch_b.rows.get(kind="deregistered")
