"""Creating a policy version: county administrators only, validated, audited, targets carried over."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from liangxin.audit.models import AuditRecord
from liangxin.core.errors import ServiceError
from liangxin.policy import selectors, services
from liangxin.policy.models import PolicyVersion

DATA = services.PolicyData(
    name="2026年修订",
    effective_from=dt.date(2026, 7, 1),
    min_full_members=3,
    general_branch_threshold=50,
    general_branch_tolerance=48,
    committee_threshold=100,
    committee_tolerance=95,
    max_joint_organizations=4,
    branch_committee_full_members=7,
    notes="“接近”从严掌握。",
)


def test_county_admin_creates_a_version_and_it_is_audited(alice):
    version = services.create_policy_version(
        by=alice,
        data=DATA,
        targets=[services.TargetData(2026, "party_orgs_five_goods", Decimal("0.85"), "五个好达到85%")],
    )
    assert version.created_by == alice
    assert selectors.policy_in_force(on=dt.date(2026, 7, 1)) == version
    assert selectors.engine_policy_in_force(on=dt.date(2026, 7, 1)).general_branch_tolerance == 48
    record = AuditRecord.objects.get(object_type="policy.policyversion", object_id=str(version.pk))
    assert record.action == "create"
    assert record.actor == alice
    assert record.changes["general_branch_tolerance"] == [None, 48]
    assert record.changes["targets"] == [None, [[2026, "party_orgs_five_goods", "0.85"]]]
    assert [(t.year, t.value) for t in selectors.targets_for(year=2027)] == [(2026, Decimal("0.850"))]


def test_township_clerk_may_not_create_a_version(bob):
    with pytest.raises(ServiceError, match="只有县两新党工委/组织部管理员可以制定政策版本"):
        services.create_policy_version(by=bob, data=DATA)
    assert PolicyVersion.objects.count() == 1  # the seed only
    assert not AuditRecord.objects.filter(object_type="policy.policyversion").exists()


def test_without_targets_the_previous_versions_targets_are_carried_over(alice):
    version = services.create_policy_version(by=alice, data=DATA)
    assert version.targets.count() == 9
    assert len(selectors.targets_for(year=2026)) == 4


def test_contradictory_numbers_are_refused_in_chinese(alice):
    with pytest.raises(ServiceError, match="“接近”建立党总支的党员数不能大于建立党总支的党员数"):
        services.create_policy_version(by=alice, data=dataclasses.replace(DATA, general_branch_tolerance=55))


def test_a_second_version_on_the_same_day_is_refused(alice):
    with pytest.raises(ServiceError, match="已有自 2009-11-01 起施行的政策版本"):
        services.create_policy_version(by=alice, data=dataclasses.replace(DATA, effective_from=dt.date(2009, 11, 1)))


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (services.TargetData(2026, "made_up", Decimal("0.5")), "无法识别的目标指标"),
        (services.TargetData(2026, "party_orgs_five_goods", Decimal("80")), "0到1之间"),
        (services.TargetData(1999, "party_orgs_five_goods", Decimal("0.8")), "不在2000—2100年之间"),
    ],
)
def test_bad_targets_are_refused_and_nothing_is_written(alice, target, message):
    with pytest.raises(ServiceError, match=message):
        services.create_policy_version(by=alice, data=DATA, targets=[target])
    assert PolicyVersion.objects.count() == 1


def test_duplicate_targets_are_refused(alice):
    target = services.TargetData(2026, "party_orgs_five_goods", Decimal("0.8"))
    with pytest.raises(ServiceError, match="目标重复"):
        services.create_policy_version(by=alice, data=DATA, targets=[target, target])
