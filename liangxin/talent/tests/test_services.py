"""Assignments from the pool: one open instructor per organization and one open secretary per
party organization (service and database), dated ends with a reason, cross-appointments; ID
numbers encrypted, masked, revealed only audited; the scope."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from liangxin.audit.models import AuditRecord
from liangxin.core import crypto
from liangxin.core.errors import ServiceError
from liangxin.talent import selectors, services
from liangxin.talent.models import InstructorAssignment, PoolEntry, PostAssignment
from liangxin.testing.factories import OrganizationFactory, PartyOrganizationFactory, valid_id_number

from .conftest import START


def _assign(carol, person, organization, valid_from=START, **kwargs):
    return services.assign_instructor(
        by=carol, person=person, organization=organization, valid_from=valid_from, method="appointment", **kwargs
    )


def test_an_instructor_is_assigned_with_method_subsidy_and_audit(carol, wang, org_in_b):
    assignment = _assign(carol, wang, org_in_b, subsidy=Decimal("1200.50"))
    assignment.refresh_from_db()
    assert (assignment.person, assignment.instructor_name, assignment.subsidy) == (wang, "王指导", Decimal("1200.50"))
    record = AuditRecord.objects.get(action="create", object_type="talent.instructorassignment")
    assert record.actor == carol and record.changes["subsidy"] == [None, "1200.50"]


def test_an_organization_has_one_open_instructor(carol, wang, org_in_b, township_b):
    _assign(carol, wang, org_in_b)
    other = services.add_entry(by=carol, data=services.EntryData(name="赵指导", township=township_b))
    with pytest.raises(ServiceError, match="已有在任指导员 王指导"):
        _assign(carol, other, org_in_b, valid_from=dt.date(2026, 6, 1))
    # The database holds it too, whatever the write path.
    with pytest.raises(IntegrityError), transaction.atomic():
        InstructorAssignment.objects.create(
            organization=org_in_b, person=other, instructor_name="赵指导", valid_from=dt.date(2026, 6, 1)
        )


def test_ending_frees_the_organization_and_a_successor_cannot_overlap(carol, wang, org_in_b, township_b):
    first = _assign(carol, wang, org_in_b)
    with pytest.raises(ServiceError, match="结束原因"):
        services.end_assignment(by=carol, assignment=first, valid_to=dt.date(2026, 6, 1), reason="  ")
    with pytest.raises(ServiceError, match="不能早于起始日期"):
        services.end_assignment(by=carol, assignment=first, valid_to=dt.date(2026, 2, 1), reason="调任")
    services.end_assignment(by=carol, assignment=first, valid_to=dt.date(2026, 6, 1), reason="调任乡镇党委")
    first.refresh_from_db()
    assert (first.valid_to, first.end_reason) == (dt.date(2026, 6, 1), "调任乡镇党委")
    with pytest.raises(ServiceError, match="已结束"):
        services.end_assignment(by=carol, assignment=first, valid_to=dt.date(2026, 7, 1), reason="again")
    other = services.add_entry(by=carol, data=services.EntryData(name="赵指导", township=township_b))
    with pytest.raises(ServiceError, match="不能早于上一任的截止日期"):
        _assign(carol, other, org_in_b, valid_from=dt.date(2026, 5, 1))
    second = _assign(carol, other, org_in_b, valid_from=dt.date(2026, 6, 1))
    assert list(InstructorAssignment.objects.filter(organization=org_in_b, valid_to__isnull=True)) == [second]
    # One person may instruct several organizations at once.
    _assign(carol, other, OrganizationFactory(township=township_b))
    assert other.instructor_assignments.filter(valid_to__isnull=True).count() == 2


def test_an_unavailable_person_is_not_sent(carol, township_b, org_in_b):
    entry = services.add_entry(
        by=carol, data=services.EntryData(name="钱某", township=township_b, availability="unavailable")
    )
    with pytest.raises(ServiceError, match="暂不可派"):
        _assign(carol, entry, org_in_b)


def test_one_open_secretary_and_the_cross_appointments(carol, wang, branch_b, township_b):
    def post(person, post, role="", valid_from=START):
        return services.assign_post(
            by=carol,
            person=person,
            party_organization=branch_b,
            post=post,
            management_role=role,
            valid_from=valid_from,
            method="two_way",
        )

    secretary = post(wang, "secretary", "owner")
    assert secretary.cross_label == "一肩挑"
    owner = services.add_entry(by=carol, data=services.EntryData(name="孙老板", township=township_b))
    with pytest.raises(ServiceError, match="已有在任书记 王指导"):
        post(owner, "secretary")
    committee = post(owner, "committee", "manager")
    assert committee.cross_label == "双向进入"
    with pytest.raises(ServiceError, match="已在该党组织任职"):
        post(owner, "committee")
    services.end_assignment(by=carol, assignment=secretary, valid_to=dt.date(2026, 9, 1), reason="换届")
    services.end_assignment(by=carol, assignment=committee, valid_to=dt.date(2026, 9, 1), reason="换届")
    assert post(owner, "secretary", "manager", valid_from=dt.date(2026, 9, 1)).cross_label == "交叉任职"
    with pytest.raises(IntegrityError), transaction.atomic():
        PostAssignment.objects.create(party_organization=branch_b, person=wang, post="secretary", valid_from=START)


def test_a_non_members_id_number_is_encrypted_masked_and_revealed_audited(alice, carol, wang):
    number = valid_id_number(777)
    assert number not in (wang.id_number_encrypted, wang.id_number_hash)
    assert crypto.decrypt(wang.id_number_encrypted) == number
    assert wang.id_number_masked == "*" * 16 + number[-2:] and wang.birth_year == 1985
    assert not services.may_reveal_id_number(user=carol, entry=wang)
    with pytest.raises(ServiceError):
        services.reveal_id_number(by=carol, entry=wang)
    assert services.reveal_id_number(by=alice, entry=wang) == number
    record = AuditRecord.objects.get(action="view_id_number")
    assert (record.actor, record.object_id, record.object_type) == (alice, str(wang.pk), "talent.poolentry")
    assert number not in str(record.changes) and number not in str(AuditRecord.objects.get(action="create").changes)


def test_a_member_keeps_one_id_number(alice, carol, township_b, member_b):
    with pytest.raises(ServiceError, match="此人是党员"):
        services.add_entry(
            by=carol,
            data=services.EntryData(
                name="李四", township=township_b, id_number=crypto.decrypt(member_b.id_number_encrypted)
            ),
        )
    with pytest.raises(ServiceError, match="无需再填"):
        services.add_entry(
            by=carol,
            data=services.EntryData(name="", township=township_b, member=member_b, id_number=valid_id_number(5)),
        )
    entry = services.add_entry(by=carol, data=services.EntryData(name="", township=township_b, member=member_b))
    assert (entry.name, entry.id_number_encrypted, entry.id_number_hash) == ("李四", "", None)
    with pytest.raises(ServiceError, match="已在人才库中"):
        services.add_entry(by=carol, data=services.EntryData(name="", township=township_b, member=member_b))
    # The member's number, revealed and audited as the member's.
    assert services.reveal_id_number(by=alice, entry=entry) == crypto.decrypt(member_b.id_number_encrypted)
    assert AuditRecord.objects.get(action="view_id_number").object_type == "registry.member"
    with pytest.raises(IntegrityError), transaction.atomic():
        PoolEntry.objects.filter(pk=entry.pk).update(id_number_encrypted="x", id_number_hash="y")


def test_a_clerk_keeps_the_pool_of_his_own_township(bob, carol, wang, township_b, org_in_b):
    with pytest.raises(ServiceError, match="本乡镇"):
        services.add_entry(by=bob, data=services.EntryData(name="周某", township=township_b))
    with pytest.raises(ServiceError, match="管理范围"):
        _assign(bob, wang, org_in_b)
    assignment = _assign(carol, wang, org_in_b)
    with pytest.raises(ServiceError, match="管理范围"):
        services.end_assignment(by=bob, assignment=assignment, valid_to=dt.date(2026, 6, 1), reason="x")
    assert list(selectors.entries_for(user=bob)) == []
    assert list(selectors.entries_for(user=carol)) == [wang]


def test_a_department_sees_the_people_assigned_to_what_it_supervises(
    carol, dave, wang, township_b, department_x, org_in_b
):
    supervised = OrganizationFactory(township=township_b, department=department_x)
    idle = services.add_entry(by=carol, data=services.EntryData(name="闲置某", township=township_b))
    assert list(selectors.entries_for(user=dave)) == []
    _assign(carol, wang, org_in_b)  # not the department's
    assert list(selectors.entries_for(user=dave)) == []
    _assign(carol, idle, supervised)
    assert list(selectors.entries_for(user=dave)) == [idle]
    branch = PartyOrganizationFactory(township=township_b, covers=[supervised])
    services.assign_post(
        by=carol, person=wang, party_organization=branch, post="committee", valid_from=START, method="appointment"
    )
    assert set(selectors.entries_for(user=dave)) == {idle, wang}
    # The pool's list names only the assignments the department supervises, as the entry page does.
    labels = selectors.current_assignments(user=dave, entries=[wang, idle])
    assert labels[wang.pk] == [f"{branch.name}(委员)"] and labels[idle.pk] == [f"{supervised.name}(指导员)"]
    assert f"{org_in_b.name}(指导员)" in selectors.current_assignments(user=carol, entries=[wang])[wang.pk]


def test_completing_a_census_entry_clears_the_mark(carol, township_b):
    entry = PoolEntry.objects.create(
        name="吴某", name_key="吴某", township=township_b, origin="census", to_complete=True
    )
    services.update_entry(
        by=carol,
        entry=entry,
        data=services.EntryData(name="吴某", township=township_b, id_number=valid_id_number(42), skills="宣传"),
    )
    entry.refresh_from_db()
    assert not entry.to_complete and entry.skills == "宣传" and entry.id_number_hash
    # Edited again with the ID field left empty: the number stays.
    services.update_entry(by=carol, entry=entry, data=services.EntryData(name="吴某", township=township_b))
    entry.refresh_from_db()
    assert crypto.decrypt(entry.id_number_encrypted) == valid_id_number(42)
