"""The budget allocation by affiliation on a known roster, as of a date, with members moving,
leaving and joining during the year; issuing it books the ledger once."""

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from liangxin.audit.models import AuditRecord
from liangxin.core.errors import ServiceError
from liangxin.funding import selectors, services
from liangxin.funding.models import Allocation, LedgerEntry

D = Decimal
JUNE_30 = dt.date(2026, 6, 30)


def _by_name(sheet):
    return {row.party_organization.name: (row.members, row.probationary_members, row.amount) for row in sheet.rows}


def test_members_are_counted_where_their_relation_is_held_on_the_date(roster, branch_a, branch_b):
    sheet = selectors.county_allocation(year=2026, as_of=JUNE_30)
    # Branch A: 张一, and 孙六 (probationary on 30 June). Not 王二 (moved to B in March: no
    # pro-rating), not 赵四 (left the county in May), not 钱五 (joins in July).
    # Branch B: 王二, and 李三 (probationary).
    assert _by_name(sheet) == {
        branch_a.name: (2, 1, D("100.00")),
        branch_b.name: (2, 1, D("100.00")),
    }
    assert (sheet.members, sheet.probationary_members, sheet.amount) == (4, 2, D("200.00"))
    assert sheet.per_member_amount == D("50.00")


def test_another_date_counts_other_members(roster, branch_a, branch_b):
    # On 1 March 王二 was still in branch A and 赵四 had not left; 李三 had joined B.
    march = selectors.county_allocation(year=2026, as_of=dt.date(2026, 3, 1))
    assert _by_name(march) == {branch_a.name: (4, 1, D("200.00")), branch_b.name: (1, 1, D("50.00"))}
    # Today (15 July) is the default for this year: 钱五 has joined, 孙六 is a full member now.
    today = selectors.county_allocation(year=2026)
    assert today.as_of == dt.date(2026, 7, 15)
    assert _by_name(today) == {branch_a.name: (3, 0, D("150.00")), branch_b.name: (2, 1, D("100.00"))}
    # A past year: 31 December.
    assert selectors.county_allocation(year=2025).as_of == dt.date(2025, 12, 31)


def test_a_dissolved_party_organization_gets_nothing_after_its_dissolution(roster, branch_a, branch_b):
    branch_b.dissolved_on = dt.date(2026, 6, 1)
    branch_b.dissolution_reason = "企业停产"
    branch_b.save()
    sheet = selectors.county_allocation(year=2026, as_of=JUNE_30)
    assert branch_b.name not in _by_name(sheet)


@pytest.mark.parametrize(
    ("year", "as_of", "says"),
    [
        (2026, dt.date(2025, 12, 31), "不在 2026 年度内"),
        (2026, dt.date(2026, 8, 1), "不能晚于今天"),
        (2027, None, "不在 2027 年度内"),
    ],
)
def test_dates_outside_the_year_or_in_the_future_are_refused(roster, year, as_of, says):
    with pytest.raises(ServiceError, match=says):
        selectors.county_allocation(year=year, as_of=as_of)


def test_issuing_books_each_party_organization_once_and_is_audited(roster, alice, bob, branch_a, branch_b):
    with pytest.raises(ServiceError, match="无权"):
        services.issue_allocation(by=bob, year=2026, as_of=JUNE_30)
    allocation = services.issue_allocation(by=alice, year=2026, as_of=JUNE_30)
    entries = {e.party_organization_id: e.amount for e in LedgerEntry.objects.filter(kind="allocation")}
    assert entries == {branch_a.pk: D("100.00"), branch_b.pk: D("100.00")}
    assert sum(line.amount for line in allocation.lines.all()) == D("200.00")
    record = AuditRecord.objects.get(action="funding.allocate")
    assert record.changes["amount"] == [None, "200.00"] and record.changes["members"] == [None, 4]
    with pytest.raises(ServiceError, match="已经拨付"):
        services.issue_allocation(by=alice, year=2026, as_of=JUNE_30)
    assert Allocation.objects.count() == 1 and LedgerEntry.objects.count() == 2


def test_the_sheet_shows_the_issued_allocation_not_todays_register(roster, alice, carol, branch_b):
    services.issue_allocation(by=alice, year=2026, as_of=JUNE_30)
    roster["qian"].relations.update(party_organization=branch_b)  # the register changes afterwards
    sheet = selectors.allocation_sheet(user=alice, year=2026)
    assert sheet.issued is not None and sheet.as_of == JUNE_30 and sheet.amount == D("200.00")
    # A township clerk sees his township's lines only.
    assert _by_name(selectors.allocation_sheet(user=carol, year=2026)) == {branch_b.name: (2, 1, D("100.00"))}


def test_the_command_prints_each_party_organization_and_the_total(roster, branch_a, branch_b):
    out = io.StringIO()
    call_command("funding_allocation", "--year", "2026", "--as-of", "2026-06-30", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["as_of"] == "2026-06-30" and data["per_member_amount"] == "50.00"
    assert {
        (r["party_organization"], r["members"], r["probationary_members"], r["amount"]) for r in data["allocations"]
    } == {
        (branch_a.name, 2, 1, "100.00"),
        (branch_b.name, 2, 1, "100.00"),
    }
    assert (data["members"], data["total"]) == (4, "200.00")
    text = io.StringIO()
    call_command("funding_allocation", "--year", "2026", "--as-of", "2026-06-30", stdout=text)
    assert "合计" in text.getvalue() and "200.00" in text.getvalue() and branch_a.name in text.getvalue()


def test_the_command_refuses_a_bad_date_with_the_reason(roster):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="不能晚于今天"):
        call_command("funding_allocation", "--year", "2026", "--as-of", "2026-12-31", stdout=io.StringIO())
    with pytest.raises(CommandError, match="没有施行中的经费政策版本"):
        call_command("funding_allocation", "--year", "2008", stdout=io.StringIO())


def test_the_audit_log_reads_the_allocations_record_in_chinese(roster, alice):
    from liangxin.audit.display import field_label, object_type_label

    services.issue_allocation(by=alice, year=2026, as_of=JUNE_30)
    record = AuditRecord.objects.get(action="funding.allocate")
    labels = {name: field_label(record.object_type, name) for name in record.changes}
    assert labels == {
        "year": "年度",
        "as_of": "党员人数截至日期",
        "per_member_amount": "经费标准(元/名党员·年)",
        "members": "党员数(含预备党员)",
        "amount": "拨付金额(元)",
        "lines": "明细",
    }
    assert object_type_label(record.object_type) == "经费拨付"
