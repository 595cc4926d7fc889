"""The development services: each step in order, refusals with their reasons, admission and
conversion through the register, audit and the one copy of the ID number."""

from __future__ import annotations

import re

import pytest

from liangxin.audit.models import AuditRecord
from liangxin.core import crypto
from liangxin.core.errors import ServiceError
from liangxin.development import services
from liangxin.development.models import DevelopmentFile, RecommendationResult
from liangxin.development.pipeline import Stage, Step
from liangxin.registry.choices import MemberStatus
from liangxin.registry.models import Employment, Member, PartyRelation
from liangxin.testing.factories import valid_id_number

from .conftest import D, walk_to


def test_an_application_keeps_the_id_number_encrypted_and_masked(apply, carol):
    file = apply(1)
    assert file.stage is Stage.APPLICANT
    assert file.id_number_masked.endswith(crypto.decrypt(file.id_number_encrypted)[-2:])
    assert crypto.decrypt(file.id_number_encrypted) not in file.id_number_encrypted
    assert AuditRecord.objects.filter(object_type="development.developmentfile", action="create").count() == 1


def test_an_applicant_under_eighteen_is_refused_and_nothing_is_written(apply):
    with pytest.raises(ServiceError, match="年满18岁"):
        apply(2, birth=D(2005, 2, 1), on=D(2023, 1, 31))
    assert not DevelopmentFile.objects.exists()


def test_the_same_person_twice_or_a_member_is_refused(apply, carol, branch_b, member_b):
    apply(3)
    with pytest.raises(ServiceError, match="已有发展档案"):
        apply(3)
    number = crypto.decrypt(member_b.id_number_encrypted)
    with pytest.raises(ServiceError, match="已是党员"):
        services.open_application(
            by=carol,
            data=services.ApplicationData(
                name="李四", id_number=number, party_organization=branch_b, applied_on=D(2023, 1, 1)
            ),
        )


def test_only_the_scope_s_party_organizations_develop(apply, bob, branch_b, sam):
    with pytest.raises(ServiceError, match="管辖范围"):
        services.open_application(
            by=bob,
            data=services.ApplicationData(
                name="外乡人", id_number=valid_id_number(901), party_organization=branch_b, applied_on=D(2023, 1, 1)
            ),
        )
    file = apply(4)
    with pytest.raises(ServiceError):
        services.record_step(by=sam, file=file, step=Step.TALK, on=D(2023, 1, 12))


def test_a_stage_before_its_steps_is_refused_with_the_reason(apply, carol):
    file = apply(5)
    with pytest.raises(ServiceError) as refused:
        services.enter_stage(by=carol, file=file, stage=Stage.ACTIVIST, on=D(2023, 3, 1))
    assert refused.value.message == "尚未完成“谈话”。 尚未完成“推荐和确定入党积极分子”。"
    file.refresh_from_db()
    assert file.activist_on is None


def test_a_date_before_the_previous_stage_is_refused(apply, carol):
    file = apply(6)
    with pytest.raises(ServiceError, match="日期早于成为“入党申请人”的日期"):
        services.record_step(by=carol, file=file, step=Step.TALK, on=D(2023, 1, 9))


def test_an_activist_under_a_year_does_not_become_a_candidate(apply, carol):
    file = walk_to(carol, apply(7), Stage.ACTIVIST)
    services.record_step(by=carol, file=file, step=Step.CONTACTS, on=D(2023, 3, 2))
    services.record_step(by=carol, file=file, step=Step.TRAINING, on=D(2023, 6, 1))
    with pytest.raises(ServiceError, match="12个月以上培养教育"):
        services.enter_stage(by=carol, file=file, stage=Stage.CANDIDATE, on=D(2024, 2, 29))


def test_admission_creates_the_probationary_member_through_the_register(apply, carol, branch_b, org_in_b):
    file = walk_to(carol, apply(8), Stage.PROBATIONARY)
    member = Member.objects.get(pk=file.member_id)
    assert (member.status, member.admitted_on, member.full_membership_on) == (
        MemberStatus.PROBATIONARY,
        D(2024, 7, 1),
        None,
    )
    assert PartyRelation.objects.get(member=member, valid_to__isnull=True).party_organization == branch_b
    assert Employment.objects.get(member=member, valid_to__isnull=True).organization == org_in_b
    # one copy of the ID number: the member's
    file.refresh_from_db()
    assert (file.id_number_encrypted, file.id_number_hash, file.id_number_masked) == ("", None, "")
    assert crypto.decrypt(member.id_number_encrypted) == valid_id_number(808, birth=D(1996, 4, 2))


def test_probation_shorter_than_a_year_is_refused_and_conversion_changes_the_member(apply, carol):
    file = walk_to(carol, apply(9), Stage.PROBATIONARY)
    with pytest.raises(ServiceError, match="预备期未满"):
        services.enter_stage(by=carol, file=file, stage=Stage.FULL, on=D(2025, 6, 30))
    assert Member.objects.get(pk=file.member_id).status == MemberStatus.PROBATIONARY
    services.enter_stage(by=carol, file=file, stage=Stage.FULL, on=D(2025, 7, 1))
    member = Member.objects.get(pk=file.member_id)
    assert (member.status, member.full_membership_on) == (MemberStatus.FULL, D(2025, 7, 1))
    assert AuditRecord.objects.filter(object_type="registry.member", action="update").exists()


def test_an_extension_postpones_conversion(apply, carol):
    file = walk_to(carol, apply(10), Stage.PROBATIONARY)
    services.record_step(by=carol, file=file, step=Step.EXTENSION, on=D(2025, 6, 1), months=6, note="支部大会决定延长")
    with pytest.raises(ServiceError, match="预备期只能延长一次"):
        services.record_step(by=carol, file=file, step=Step.EXTENSION, on=D(2025, 6, 2), months=3)
    with pytest.raises(ServiceError, match="最早2026-01-01"):
        services.enter_stage(by=carol, file=file, stage=Stage.FULL, on=D(2025, 7, 1))
    assert services.enter_stage(by=carol, file=file, stage=Stage.FULL, on=D(2026, 1, 1)).full_on == D(2026, 1, 1)


def test_a_future_date_is_refused(apply, carol, monkeypatch):
    monkeypatch.setattr("liangxin.development.services.today", lambda: D(2023, 1, 15))
    file = apply(11)
    with pytest.raises(ServiceError, match="不能晚于今天"):
        services.record_step(by=carol, file=file, step=Step.TALK, on=D(2023, 1, 16))


def test_steps_record_who_and_when(apply, carol):
    file = apply(12)
    step = services.record_step(by=carol, file=file, step=Step.TALK, on=D(2023, 1, 20), note="支委王某谈话")
    assert (step.recorded_by, step.note, step.done_on) == (carol, "支委王某谈话", D(2023, 1, 20))
    assert AuditRecord.objects.filter(object_type="development.developmentfile", action="update").count() == 1


def test_an_existing_members_file_agrees_with_the_register(carol, member_b, branch_b):
    member_b.status, member_b.admitted_on, member_b.full_membership_on = MemberStatus.PROBATIONARY, D(2024, 7, 1), None
    member_b.save()
    file = services.open_member_file(by=carol, member=member_b, party_organization=branch_b, applied_on=D(2023, 1, 10))
    assert not file.id_number_hash and file.member == member_b
    file = walk_to(carol, file, Stage.PROBATIONARY)
    assert Member.objects.count() == 1  # no second member
    services.enter_stage(by=carol, file=file, stage=Stage.FULL, on=D(2025, 7, 1))
    member_b.refresh_from_db()
    assert member_b.status == MemberStatus.FULL


def test_an_existing_member_admitted_on_another_day_is_refused(carol, member_b, branch_b):
    member_b.status, member_b.admitted_on, member_b.full_membership_on = MemberStatus.PROBATIONARY, D(2024, 8, 1), None
    member_b.save()
    file = services.open_member_file(by=carol, member=member_b, party_organization=branch_b, applied_on=D(2023, 1, 10))
    with pytest.raises(ServiceError, match=re.escape("入党日期(2024-08-01)")):
        walk_to(carol, file, Stage.PROBATIONARY)


def test_the_three_recommendations(apply, carol, branch_b, org_in_b, member_b):
    file = apply(13)
    data = dict(
        party_organization=branch_b, recommender="板桥镇党委", organization=org_in_b, recommended_on=D(2023, 2, 1)
    )
    with pytest.raises(ServiceError, match="已递交入党申请的员工"):
        services.recommend(
            by=carol, data=services.RecommendationData(kind="employee_to_party", member=member_b, **data)
        )
    with pytest.raises(ServiceError, match="对象应是党员"):
        services.recommend(by=carol, data=services.RecommendationData(kind="member_to_work", file=file, **data))
    row = services.recommend(by=carol, data=services.RecommendationData(kind="employee_to_party", file=file, **data))
    with pytest.raises(ServiceError, match="不能早于推荐日期"):
        services.record_recommendation_result(by=carol, recommendation=row, result="accepted", on=D(2023, 1, 31))
    services.record_recommendation_result(
        by=carol, recommendation=row, result="accepted", on=D(2023, 3, 1), note="已列为积极分子"
    )
    row.refresh_from_db()
    assert (row.result, row.result_on, row.recorded_by) == (RecommendationResult.ACCEPTED, D(2023, 3, 1), carol)
    with pytest.raises(ServiceError, match="已有结果"):
        services.record_recommendation_result(by=carol, recommendation=row, result="declined", on=D(2023, 3, 2))


def test_revealing_an_applicants_number_is_audited(apply, alice, sam):
    file = apply(14)
    assert services.reveal_id_number(by=alice, file=file) == crypto.decrypt(file.id_number_encrypted)
    assert AuditRecord.objects.filter(action="view_id_number", object_type="development.developmentfile").count() == 1
    with pytest.raises(ServiceError):
        services.reveal_id_number(by=sam, file=file)
