"""凡登必核: each outcome of verifying a registration, and its refusals."""

import datetime as dt
import json

import pytest

from liangxin.audit.models import AuditRecord
from liangxin.core.dates import today
from liangxin.core.errors import ServiceError
from liangxin.mobility import selectors, services
from liangxin.mobility.models import ExternalRelation, MigrantRecord, MobileMember, RecordStatus
from liangxin.registry.models import Member

from .conftest import police_csv


def _import(by, unit, *rows):
    return services.import_file(by=by, unit=unit, data=police_csv(*rows), file_name="公安.csv").batch


def test_confirming_the_exact_match_puts_the_member_on_the_ledger(carol, township_b, registered_elsewhere):
    member, number = registered_elsewhere
    record = _import(carol, township_b, f"钱七,{number},女,贵州省兴义市,板桥镇,2026-01-15,星火煤业,139").records.get()
    assert record.matched_member == member
    services.confirm_existing_member(by=carol, record=record, member=member)
    record.refresh_from_db()
    ledger = MobileMember.objects.get(member=member)
    assert (record.status, record.mobile_member) == (RecordStatus.CONFIRMED, ledger)
    assert (ledger.direction, ledger.township, ledger.origin_code, ledger.destination_code) == (
        "in",
        township_b,
        "522301",
        "530324",
    )
    assert (ledger.since, ledger.employer_name) == (dt.date(2026, 1, 15), "星火煤业")
    with pytest.raises(ServiceError, match="已核实"):
        services.mark_not_found(by=carol, record=record, note="x")


def test_a_candidate_with_another_id_number_needs_a_note(carol, township_b, lookalike):
    member, number = lookalike
    other = number[:14] + "9" + number[15:]  # the police typed one digit differently
    from stdnum.cn import ric

    other = other[:-1] + ric.calc_check_digit(other[:-1] + "0")
    record = _import(carol, township_b, f"孙八,{other},女,,板桥镇,,,").records.get()
    assert [c["member"] for c in record.candidates] == [member.pk]
    with pytest.raises(ServiceError, match="核实说明"):
        services.confirm_existing_member(by=carol, record=record, member=member)
    services.confirm_existing_member(by=carol, record=record, member=member, note="电话核对:公安录入错一位")
    assert MobileMember.objects.filter(member=member, direction="in").exists()


def test_confirming_someone_not_listed_is_refused(carol, township_b, newcomer_number, member_b):
    record = _import(carol, township_b, f"赵流动,{newcomer_number},男,,板桥镇,,,").records.get()
    with pytest.raises(ServiceError, match="列出的疑似党员"):
        services.confirm_existing_member(by=carol, record=record, member=member_b, note="x")


def test_a_new_mobile_member_holds_the_relation_outside_the_county(carol, township_b, newcomer_number):
    record = _import(carol, township_b, f"赵流动,{newcomer_number},男,,板桥镇,2026-02-01,星火煤业,").records.get()
    data = services.NewMemberData(
        status="full",
        admitted_on=dt.date(2012, 7, 1),
        full_membership_on=dt.date(2013, 7, 1),
        external_name="兴义市桔山街道第一党支部",
        external_place="贵州省兴义市桔山街道",
    )
    services.register_new_mobile_member(by=carol, record=record, data=data)
    member = Member.objects.get(name="赵流动")
    relation = ExternalRelation.objects.get(member=member, valid_to__isnull=True)
    assert (relation.party_organization.name, relation.party_organization.place_code) == (
        "兴义市桔山街道第一党支部",
        "522301",
    )
    assert not member.relations.exists()  # no local relation: the county's 668 stay 668
    assert selectors.relation_of(member) == ("external", "兴义市桔山街道第一党支部(贵州省黔西南布依族苗族自治州兴义市)")
    ledger = MobileMember.objects.get(member=member)
    assert ledger.takes_part_in is None
    assert list(MobileMember.objects.filter(selectors.unplaced())) == [ledger]


def test_not_a_member_keeps_only_what_the_statistics_need(
    carol, township_b, newcomer_number, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    batch = _import(
        carol, township_b, f"赵流动,{newcomer_number},男,贵州省兴义市,板桥镇,2026-02-01,星火煤业,13800001111"
    )
    stored = tmp_path / batch.original.name
    assert stored.exists()
    record = batch.records.get()
    with django_capture_on_commit_callbacks(execute=True):  # the file goes only once the erasure commits
        services.mark_not_member(by=carol, record=record)
    record.refresh_from_db()
    batch.refresh_from_db()
    assert (record.status, record.name, record.id_number_hash, record.id_number_encrypted, record.phone) == (
        RecordStatus.NOT_MEMBER,
        "",
        "",
        "",
        "",
    )
    assert (record.birth_date, record.current_address, record.household_address, record.employer_name) == (
        None,
        "",
        "",
        "",
    )
    assert (record.township, record.origin_code, record.sex, record.arrived_on) == (
        township_b,
        "522301",
        "M",
        dt.date(2026, 2, 1),
    )
    assert record.erased_at is not None
    assert not batch.original and batch.original_erased_at is not None and not stored.exists()
    actions = list(AuditRecord.objects.filter(object_type="mobility.migrantrecord").values_list("action", flat=True))
    assert "delete" in actions
    text = json.dumps(list(AuditRecord.objects.values_list("changes", "object_repr")), ensure_ascii=False)
    assert "赵流动" not in text and "13800001111" not in text and newcomer_number not in text


def test_not_found_needs_an_account_of_the_visit(carol, township_b, newcomer_number):
    record = _import(carol, township_b, f"赵流动,{newcomer_number},男,,板桥镇,,,").records.get()
    with pytest.raises(ServiceError, match="核实经过"):
        services.mark_not_found(by=carol, record=record, note=" ")
    services.mark_not_found(by=carol, record=record, note="2026-06-01 走访,房东称已离开")
    record.refresh_from_db()
    assert record.status == RecordStatus.NOT_FOUND and record.name == "赵流动"


def test_another_township_and_read_only_roles_cannot_verify(bob, lily, carol, township_b, newcomer_number):
    record = _import(carol, township_b, f"赵流动,{newcomer_number},男,,板桥镇,,,").records.get()
    with pytest.raises(ServiceError, match="不在您的管辖范围"):
        services.mark_not_found(by=bob, record=record, note="x")
    with pytest.raises(ServiceError, match="无权"):
        services.mark_not_found(by=lily, record=record, note="x")


def test_unverified_and_overdue_registrations_are_on_the_townships_todo(carol, bob, alice, township_b, newcomer_number):
    _import(carol, township_b, f"赵流动,{newcomer_number},男,,板桥镇,,,")
    todo = {item.key: item.count for item in selectors.todo_for(user=carol)}
    assert todo == {"registrations": 1}
    assert selectors.todo_for(user=bob) == []
    MigrantRecord.objects.update(due_on=today() - dt.timedelta(days=1))
    items = {item.key: item for item in selectors.todo_for(user=carol)}
    assert (items["overdue_registrations"].count, items["registrations"].count) == (1, 1)
    assert items["overdue_registrations"].url.endswith("?state=overdue")
    board = {row["township"]: row for row in selectors.township_board(user=alice)}
    assert (board["板桥镇"]["pending"], board["板桥镇"]["overdue"]) == (1, 1)


def test_a_member_whose_relation_the_county_holds_is_confirmed_without_an_entry(carol, township_b, member_b):
    from liangxin.core import crypto

    number = crypto.decrypt(member_b.id_number_encrypted)
    record = _import(carol, township_b, f"李四,{number},男,,板桥镇,,,").records.get()
    services.confirm_existing_member(by=carol, record=record, member=member_b)
    record.refresh_from_db()
    assert record.status == RecordStatus.CONFIRMED and record.mobile_member is None
    assert not MobileMember.objects.exists()
