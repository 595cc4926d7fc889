import datetime as dt

import pytest

from liangxin.audit.models import AuditRecord
from liangxin.campaigns import services
from liangxin.campaigns.models import Campaign, Submission, SubmissionState
from liangxin.core.errors import ConflictError, ServiceError
from liangxin.registry.models import Organization

from .conftest import AS_OF, B_FILE, PLAN_DEADLINE, SURVEY_DEADLINE, census_csv, fresh, row


def test_only_the_county_admin_creates_a_campaign(bob, lily, dave, township_a):
    for user in (bob, lily, dave):
        with pytest.raises(ServiceError, match="县级管理员"):
            services.create_campaign(
                by=user, name="x", code="X1", as_of=AS_OF, survey_deadline=SURVEY_DEADLINE, plan_deadline=PLAN_DEADLINE
            )
    assert not Campaign.objects.exists()


def test_campaign_gets_a_submission_per_responsible_unit_and_is_audited(campaign, township_a, township_b, department_x):
    units = {(s.township_id, s.department_id) for s in campaign.submissions.all()}
    assert units == {(township_a.pk, None), (township_b.pk, None), (None, department_x.pk)}
    assert all(s.state == SubmissionState.NOT_STARTED for s in campaign.submissions.all())
    assert AuditRecord.objects.filter(object_type__endswith="campaign", action="create").count() == 1


def test_a_chosen_subset_and_deadlines_are_checked(alice, township_a, township_b):
    campaign = services.create_campaign(
        by=alice, name="罗雄补查", code="BC1", as_of=AS_OF, survey_deadline=SURVEY_DEADLINE,
        plan_deadline=PLAN_DEADLINE, townships=[township_a], departments=[],
    )  # fmt: skip
    assert list(campaign.submissions.values_list("township", flat=True)) == [township_a.pk]
    with pytest.raises(ServiceError, match="组建方案截止日期不能早于"):
        services.create_campaign(
            by=alice, name="x", code="BC2", as_of=AS_OF, survey_deadline=SURVEY_DEADLINE,
            plan_deadline=SURVEY_DEADLINE - dt.timedelta(days=1),
        )  # fmt: skip
    with pytest.raises(ServiceError, match="已被使用"):
        services.create_campaign(
            by=alice, name="x", code="BC1", as_of=AS_OF, survey_deadline=SURVEY_DEADLINE, plan_deadline=PLAN_DEADLINE
        )


def test_import_stages_rows_without_touching_the_register(sub_b, carol, stage):
    before = Organization.objects.count()
    staging = stage(sub_b, carol, B_FILE)
    assert staging.staged == 3 and not staging.errors
    sub_b = fresh(sub_b)
    assert sub_b.state == SubmissionState.IN_PROGRESS  # 未开始 → 填报中 on the first import
    assert sorted(sub_b.entries.values_list("name", flat=True)) == [
        "板桥丁养殖有限公司",
        "板桥丙建材有限公司",
        "板桥戊运输有限公司",
    ]
    assert sub_b.entries.get(name="板桥丙建材有限公司").department_code == "GSL"
    assert Organization.objects.count() == before


def test_a_code_staged_by_another_township_is_duplicate_uscc_other_unit(sub_a, sub_b, bob, carol, stage):
    stage(sub_b, carol, B_FILE)
    claimed = census_csv(row(5101, "板桥丙建材有限公司", "罗雄街道"), row(5001, "罗雄甲科技有限公司", "罗雄街道"))
    staging = stage(sub_a, bob, claimed)
    assert staging.staged == 0
    [problem] = staging.errors
    assert problem.code == "duplicate_uscc_other_unit"
    assert "板桥镇" in problem.message and problem.row == 2
    assert not fresh(sub_a).entries.exists()
    assert fresh(sub_a).state == SubmissionState.NOT_STARTED


def test_a_file_with_errors_stages_nothing(sub_b, carol, stage):
    bad = census_csv(row(5101, "板桥丙建材有限公司", "罗雄街道"))  # another township's organization
    staging = stage(sub_b, carol, bad)
    assert staging.errors and staging.staged == 0
    assert fresh(sub_b).state == SubmissionState.NOT_STARTED


def test_only_the_unit_fills_its_submission(sub_b, bob, alice, stage):
    for user in (bob, alice):
        with pytest.raises(ServiceError, match="本单位"):
            stage(sub_b, user, B_FILE)


def _through(sub, unit_user, alice, stage, data, to):
    stage(sub, unit_user, data)
    sub = services.submit_submission(by=unit_user, submission=fresh(sub), expected_version=fresh(sub).version)
    if to == SubmissionState.APPROVED:
        sub = services.approve_submission(by=alice, submission=sub, expected_version=sub.version)
    return sub


def test_transitions_are_refused_with_a_message(sub_b, carol, alice, stage):
    with pytest.raises(ServiceError, match="不能上报"):
        services.submit_submission(by=carol, submission=sub_b, expected_version=sub_b.version)
    stage(sub_b, carol, B_FILE)
    sub = fresh(sub_b)
    with pytest.raises(ServiceError, match="只有县级管理员"):
        services.approve_submission(by=carol, submission=sub, expected_version=sub.version)
    with pytest.raises(ServiceError, match="本单位"):
        services.submit_submission(by=alice, submission=sub, expected_version=sub.version)
    sub = services.submit_submission(by=carol, submission=sub, expected_version=sub.version)
    with pytest.raises(ServiceError, match="退回必须填写原因"):
        services.return_submission(by=alice, submission=sub, reason=" ", expected_version=sub.version)
    with pytest.raises(ServiceError, match="已上报"):
        stage(sub, carol, B_FILE)  # a reported submission waits for the county
    sub = services.return_submission(by=alice, submission=sub, reason="丁公司缺态度", expected_version=sub.version)
    assert sub.state == SubmissionState.RETURNED and sub.last_reason == "丁公司缺态度"
    records = AuditRecord.objects.filter(object_type__endswith="submission").order_by("pk")
    assert [r.changes.get("state") for r in records if "state" in r.changes][-2:] == [
        ["in_progress", "submitted"],
        ["submitted", "returned"],
    ]


def test_approved_submission_is_locked_against_every_service(sub_b, sub_x, carol, dave, alice, stage):
    stage(sub_b, carol, B_FILE)
    entry = fresh(sub_b).entries.get(name="板桥丙建材有限公司")
    services.confirm_entry(by=dave, submission=sub_x, entry=entry, verdict="confirmed")
    sub = _through(sub_b, carol, alice, stage, B_FILE, SubmissionState.APPROVED)
    version = sub.version
    with pytest.raises(ServiceError, match="已审核"):
        stage(sub, carol, B_FILE)
    with pytest.raises(ServiceError, match="已审核"):
        services.update_entry(by=carol, entry=entry, values={"employees": "99"}, expected_version=entry.version)
    with pytest.raises(ServiceError, match="已审核"):
        services.submit_submission(by=carol, submission=sub, expected_version=version)
    with pytest.raises(ServiceError, match="已审核"):
        services.approve_submission(by=alice, submission=sub, expected_version=version)
    with pytest.raises(ServiceError, match="已审核"):
        services.return_submission(by=alice, submission=sub, reason="x", expected_version=version)
    assert fresh(sub).version == version and fresh(entry).data["employees"] == "20"
    # the township's approval locks the departments' word on its rows …
    with pytest.raises(ServiceError, match="已审核"):
        services.confirm_entry(by=dave, submission=fresh(sub_x), entry=entry, verdict="commented", comment="晚了")
    # … and the department's approved submission its confirmations
    x = services.submit_submission(by=dave, submission=fresh(sub_x), expected_version=fresh(sub_x).version)
    x = services.approve_submission(by=alice, submission=x, expected_version=x.version)
    with pytest.raises(ServiceError, match="已审核"):
        services.confirm_entry(by=dave, submission=x, entry=entry, verdict="commented", comment="规模不对")
    # reopening (with a reason) unlocks it
    sub = services.reopen_submission(by=alice, submission=fresh(sub), reason="补录联系人", expected_version=version)
    assert sub.state == SubmissionState.IN_PROGRESS


def test_a_closed_campaign_refuses_changes(campaign, sub_b, carol, alice, stage):
    services.close_campaign(by=alice, campaign=campaign)
    with pytest.raises(ServiceError, match="已结束"):
        stage(sub_b, carol, B_FILE)


def test_second_concurrent_edit_of_a_row_gets_a_conflict(sub_b, carol, erin, stage):
    stage(sub_b, carol, B_FILE)
    entry = sub_b.entries.get(name="板桥丁养殖有限公司")
    seen = entry.version  # both clerks of 板桥镇 opened the row at this version
    services.update_entry(by=carol, entry=entry, values={"owner_attitude": "一般"}, expected_version=seen)
    with pytest.raises(ConflictError, match=r"carol.*没有保存"):
        services.update_entry(by=erin, entry=entry, values={"owner_attitude": "不支持"}, expected_version=seen)
    assert fresh(entry).data["owner_attitude"] == "一般"


def test_second_concurrent_transition_gets_a_conflict(sub_b, carol, alice, stage):
    stage(sub_b, carol, B_FILE)
    seen = fresh(sub_b).version
    services.submit_submission(by=carol, submission=sub_b, expected_version=seen)
    with pytest.raises(ConflictError, match="已被他人修改"):
        services.submit_submission(by=carol, submission=sub_b, expected_version=seen)
    with pytest.raises(ConflictError):
        services.import_into_submission(
            by=carol, submission=fresh(sub_b), data=B_FILE, file_name="x.csv", expected_version=seen
        )


def test_a_row_edit_is_validated_like_an_import(sub_b, carol, stage):
    stage(sub_b, carol, B_FILE)
    entry = sub_b.entries.get(name="板桥戊运输有限公司")
    with pytest.raises(ServiceError):
        services.update_entry(by=carol, entry=entry, values={"employees": "很多"}, expected_version=entry.version)
    updated = services.update_entry(by=carol, entry=entry, values={"employees": "35"}, expected_version=entry.version)
    assert updated.data["employees"] == "35" and updated.version == entry.version + 1


def test_department_confirms_rows_it_supervises_only(sub_b, sub_x, carol, dave, stage):
    stage(sub_b, carol, B_FILE)
    supervised = sub_b.entries.get(name="板桥丙建材有限公司")
    other = sub_b.entries.get(name="板桥戊运输有限公司")
    done = services.confirm_entry(
        by=dave, submission=sub_x, entry=supervised, verdict="commented", comment="员工数偏少"
    )
    assert fresh(sub_x).state == SubmissionState.IN_PROGRESS
    with pytest.raises(ServiceError, match="不由本部门主管"):
        services.confirm_entry(by=dave, submission=sub_x, entry=other, verdict="confirmed")
    with pytest.raises(ServiceError, match="写明意见"):
        services.confirm_entry(by=dave, submission=sub_x, entry=supervised, verdict="commented")
    with pytest.raises(ConflictError):
        services.confirm_entry(
            by=dave, submission=sub_x, entry=supervised, verdict="confirmed", expected_version=done.version + 5
        )
    again = services.confirm_entry(
        by=dave, submission=sub_x, entry=supervised, verdict="confirmed", expected_version=done.version
    )
    assert again.verdict == "confirmed" and again.version == 2
    assert AuditRecord.objects.filter(object_type__endswith="departmentconfirmation").count() == 2


def test_approval_writes_the_staged_rows_to_the_register(sub_b, carol, alice, stage):
    sub = _through(sub_b, carol, alice, stage, B_FILE, SubmissionState.APPROVED)
    names = set(Organization.objects.filter(township=sub.township).values_list("name", flat=True))
    assert {"板桥丙建材有限公司", "板桥丁养殖有限公司", "板桥戊运输有限公司"} <= names
    assert sub.register_batch is not None and sub.register_batch.as_of == AS_OF
    assert isinstance(fresh(sub), Submission)


def test_a_township_withdraws_its_submission_until_the_county_decides(sub_b, carol, alice, stage, campaign):
    from liangxin.campaigns.board import build_board

    sub = _through(sub_b, carol, alice, stage, B_FILE, SubmissionState.SUBMITTED)
    assert build_board(campaign=campaign).rates.reported == 1
    sub = services.withdraw_submission(by=carol, submission=sub, expected_version=sub.version)
    assert (sub.state, sub.submitted_on, sub.submitted_by) == (SubmissionState.IN_PROGRESS, None, None)
    assert build_board(campaign=campaign).rates.reported == 0
    record = AuditRecord.objects.filter(object_type="campaigns.submission").latest("pk")
    assert record.action == "campaigns.withdraw" and record.changes["state"] == ["submitted", "in_progress"]
    # Edited again and sent again; the county returns it: then it is the county's word.
    services.update_entry(by=carol, entry=sub.entries.first(), values={"employees": "21"}, expected_version=1)
    sub = services.submit_submission(by=carol, submission=fresh(sub), expected_version=fresh(sub).version)
    sub = services.return_submission(by=alice, submission=sub, reason="补充", expected_version=sub.version)
    with pytest.raises(ServiceError, match="已退回"):
        services.withdraw_submission(by=carol, submission=sub, expected_version=sub.version)
    with pytest.raises(ServiceError, match="本单位"):
        services.withdraw_submission(by=alice, submission=sub, expected_version=sub.version)


def test_an_approved_submission_cannot_be_withdrawn(sub_b, carol, alice, stage):
    sub = _through(sub_b, carol, alice, stage, B_FILE, SubmissionState.APPROVED)
    with pytest.raises(ServiceError, match="已审核"):
        services.withdraw_submission(by=carol, submission=sub, expected_version=sub.version)
    assert fresh(sub).state == SubmissionState.APPROVED


def test_a_reported_submission_carries_its_date_in_the_database(sub_b, carol, alice, stage):
    from django.db import IntegrityError, transaction

    sub = _through(sub_b, carol, alice, stage, B_FILE, SubmissionState.SUBMITTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.filter(pk=sub.pk).update(submitted_on=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.filter(pk=sub.pk).update(state=SubmissionState.APPROVED, submitted_by=None)
