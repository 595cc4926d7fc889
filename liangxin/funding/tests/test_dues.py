"""Dues on the known roster: which months are owed where, the dues from each base, arrears, payments
refused when they are not this party organization's, the base encrypted and its reveal audited,
and the retained share returned in full."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liangxin.audit.models import AuditRecord
from liangxin.core import crypto
from liangxin.core.errors import ServiceError
from liangxin.funding import dues, selectors, services
from liangxin.funding.models import DuesBase, DuesPayment, DuesReturn, LedgerEntry

from .conftest import pay

D = Decimal


def _months(member_dues):
    return [m.month.month for m in member_dues.months]


def _sheet(party_org, year=2026):
    sheet = selectors.dues_sheet(party_organization=party_org, year=year)
    return sheet, {m.name: m for m in sheet.members}


def test_months_are_owed_where_the_relation_is_held_on_the_months_last_day():
    a, b = 1, 2
    moved = [dues.Relation(a, dt.date(2020, 7, 1), dt.date(2026, 3, 10)), dues.Relation(b, dt.date(2026, 3, 10), None)]
    today = dt.date(2026, 7, 15)
    assert [dues.owed_to(moved, dt.date(2026, m, 1), today=today) for m in range(1, 9)] == [a, a, b, b, b, b, b, None]
    left = [dues.Relation(a, dt.date(2020, 7, 1), dt.date(2026, 5, 1))]
    assert [dues.owed_to(left, dt.date(2026, m, 1), today=today) for m in (4, 5, 6)] == [a, None, None]
    # A relation ending on the month's last day: the last day is no longer held.
    ends_on_last_day = [dues.Relation(a, dt.date(2020, 1, 1), dt.date(2026, 4, 30))]
    assert dues.owed_to(ends_on_last_day, dt.date(2026, 4, 1), today=today) is None
    assert dues.due_months(2026, today=today) == [dt.date(2026, m, 1) for m in range(1, 7)]
    assert dues.due_months(2026, today=dt.date(2026, 7, 31)) == [dt.date(2026, m, 1) for m in range(1, 7)]
    assert len(dues.due_months(2025, today=today)) == 12


def test_the_dues_sheet_follows_members_who_move_and_shows_arrears(payments, branch_a, branch_b):
    sheet_a, a = _sheet(branch_a)
    sheet_b, b = _sheet(branch_b)
    # Branch A: 张一 all year so far; 王二 January–February; 赵四 January–April; 孙六; 钱五 July.
    assert set(a) == {"张一", "王二", "赵四", "孙六", "钱五"}
    assert _months(a["王二"]) == [1, 2] and _months(b["王二"]) == [3, 4, 5, 6, 7]
    assert _months(a["赵四"]) == [1, 2, 3, 4]
    assert _months(a["钱五"]) == [7]
    assert _months(b["李三"]) == [1, 2, 3, 4, 5, 6, 7]
    # Dues from the bases: 3,000.00 → 15.00; 5,000.01 → 75.00; farmer 0.50.
    assert {m.due for m in a["张一"].months} == {D("15.00")}
    assert {m.due for m in b["王二"].months} == {D("75.00")}
    assert {m.due for m in a["赵四"].months} == {D("0.50")}
    # Arrears: ended months (January–June) unpaid. July is not due yet.
    assert a["张一"].arrears_months == [dt.date(2026, 6, 1)] and a["张一"].arrears == D("15.00")
    assert b["王二"].arrears_months == [dt.date(2026, m, 1) for m in (4, 5, 6)] and b["王二"].arrears == D("225.00")
    assert a["王二"].arrears_months == [] and a["赵四"].arrears_months == []
    # Amounts paid read back as the column's two decimals, whatever the database stored them as.
    assert [str(m.paid) for m in a["张一"].months[:2]] == ["15.00", "15.00"]
    # 李三 has no base: his months are in arrears, the amount unknown (not counted as 0 owed).
    assert len(b["李三"].arrears_months) == 6 and b["李三"].arrears == 0 and b["李三"].category == ""
    assert [m.name for m in sheet_b.without_base] == ["李三"]
    assert sheet_a.arrears == D("15.00") + a["孙六"].arrears
    # What was paid to each party organization for the year's months.
    assert sheet_a.paid_to_organization == D("75.00") + D("150.00") + D("2.00")
    assert sheet_b.paid_to_organization == D("75.00")
    assert b["李三"].probationary and not a["张一"].probationary


def test_a_payment_for_a_month_owed_elsewhere_or_paid_already_is_refused_and_nothing_is_written(
    payments, alice, branch_a, branch_b
):
    r = payments
    before = DuesPayment.objects.count()
    with pytest.raises(ServiceError) as refused:
        # April of 王二 is owed to branch B; June of 张一 is fine; January of 张一 is paid.
        services.record_dues_payments(
            by=alice,
            party_organization=branch_a,
            month=dt.date(2026, 4, 1),
            paid_on=dt.date(2026, 7, 1),
            payments=[services.Payment(r["wang"], D("75.00")), services.Payment(r["zhang"], D("15.00"))],
        )
    assert "王二 2026年04月 的组织关系不在本党组织" in refused.value.message
    with pytest.raises(ServiceError, match="张一 2026年01月 的党费已经登记过"):
        pay(alice, branch_a, [r["zhang"]], dt.date(2026, 1, 1), "15.00")
    with pytest.raises(ServiceError, match="本月及以前"):
        pay(alice, branch_a, [r["zhang"]], dt.date(2026, 8, 1), "15.00")
    with pytest.raises(ServiceError, match="金额须大于0"):
        pay(alice, branch_a, [r["zhang"]], dt.date(2026, 6, 1), "-15.00")
    assert DuesPayment.objects.count() == before


def test_a_secretary_records_his_own_members_only(payments, sam, carol, branch_a, branch_b):
    pay(sam, branch_a, [payments["zhang"]], dt.date(2026, 6, 1), "15.00", paid_on=dt.date(2026, 7, 1))
    with pytest.raises(ServiceError, match="不在您的管理范围"):
        pay(sam, branch_b, [payments["wang"]], dt.date(2026, 4, 1), "75.00")
    with pytest.raises(ServiceError, match="不在您的管理范围"):
        pay(carol, branch_a, [payments["zhang"]], dt.date(2026, 7, 1), "15.00")


def test_the_dues_base_is_encrypted_and_its_reveal_audited(bases, alice, sam, carol, branch_a):
    row = DuesBase.objects.get(member=bases["zhang"])
    assert "3000" not in row.base_encrypted and crypto.decrypt(row.base_encrypted) == "3000.00"
    created = AuditRecord.objects.filter(object_type="funding.duesbase", object_id=str(row.pk)).get()
    assert "3000" not in str(created.changes) and created.changes["category"] == [None, "salaried"]
    # The member's secretary sees it; the record names the member and no figure.
    revealed = services.reveal_dues_base(by=sam, member=bases["zhang"])
    assert [(r.valid_from, r.base) for r in revealed] == [(dt.date(2026, 1, 1), D("3000.00"))]
    record = AuditRecord.objects.filter(action="funding.view_dues_base").get()
    assert (record.actor, record.object_id, record.changes) == (sam, str(bases["zhang"].pk), {})
    # A township clerk may not; the secretary of another party organization neither.
    with pytest.raises(ServiceError, match="只有党员所在党组织的书记和县级管理员"):
        services.reveal_dues_base(by=carol, member=bases["zhang"])
    with pytest.raises(ServiceError, match="只有党员所在党组织的书记和县级管理员"):
        services.reveal_dues_base(by=sam, member=bases["wang"])  # moved to branch B in March
    assert AuditRecord.objects.filter(action="funding.view_dues_base").count() == 1


def test_self_employed_base_is_last_quarters_average_from_a_quarters_first_month(roster, alice):
    member = roster["sun"]
    recorded = services.set_dues_base(
        by=alice, member=member, category="self_employed", valid_from=dt.date(2026, 4, 1), quarter_income=D("9000.03")
    )
    assert crypto.decrypt(recorded.row.base_encrypted) == "3000.01" and recorded.monthly_dues == D("30.00")
    with pytest.raises(ServiceError, match="1、4、7或10月"):
        services.set_dues_base(
            by=alice, member=member, category="self_employed", valid_from=dt.date(2026, 5, 1), quarter_income=D("9000")
        )
    with pytest.raises(ServiceError, match="纯收入必须大于0"):
        services.set_dues_base(
            by=alice, member=member, category="self_employed", valid_from=dt.date(2026, 7, 1), quarter_income=D("-1")
        )
    with pytest.raises(ServiceError, match="不能晚于本月"):
        services.set_dues_base(
            by=alice, member=member, category="salaried", valid_from=dt.date(2026, 8, 1), base=D("1")
        )
    # Recording the same month again replaces the base (and says so in the audit log).
    services.set_dues_base(
        by=alice, member=member, category="retired", valid_from=dt.date(2026, 4, 1), base=D("5000.01")
    )
    assert DuesBase.objects.filter(member=member).count() == 1
    _sheet_a, a = _sheet(member.relations.get().party_organization)
    assert {m.due for m in a["孙六"].months if m.month >= dt.date(2026, 4, 1)} == {D("50.00")}
    assert AuditRecord.objects.filter(object_type="funding.duesbase", action="update").count() == 1


def test_the_retained_share_is_returned_in_full_and_only_the_difference_later(payments, alice, branch_a, branch_b):
    returned = services.return_dues(by=alice, year=2026)
    by_org = {r.party_organization_id: (r.dues_paid, r.amount) for r in returned}
    # Branch A: 75.00 (张一) + 150.00 (王二) + 2.00 (赵四) = 227.00, half returned; branch B: 75.00.
    assert by_org == {branch_a.pk: (D("227.00"), D("113.50")), branch_b.pk: (D("75.00"), D("37.50"))}
    ledger = {e.party_organization_id: e.amount for e in LedgerEntry.objects.filter(kind="dues_return")}
    assert ledger == {branch_a.pk: D("113.50"), branch_b.pk: D("37.50")}
    with pytest.raises(ServiceError, match="没有待返还"):
        services.return_dues(by=alice, year=2026)
    # A late payment (王二's April, to branch B) is returned by the next run, and only it.
    pay(alice, branch_b, [payments["wang"]], dt.date(2026, 4, 1), "75.00", paid_on=dt.date(2026, 7, 10))
    second = services.return_dues(by=alice, year=2026)
    assert [(r.party_organization_id, r.amount) for r in second] == [(branch_b.pk, D("37.50"))]
    assert sum(r.amount for r in DuesReturn.objects.filter(party_organization=branch_b)) == D("75.00")  # half of 150
    assert AuditRecord.objects.filter(action="funding.return_dues").count() == 2


def test_odd_fen_are_rounded_once_on_the_years_dues(roster, alice, branch_a):
    # Three farmer months of 0.25 … the policy's farmer amount is 0.50; pay 0.25 three times (a
    # member may pay less than due): half of 0.75 is 0.375 → 0.38 (0.13 × 3 = 0.39 one by one).
    member = roster["zhang"]
    for month in (1, 2, 3):
        pay(alice, branch_a, [member], dt.date(2026, month, 1), "0.25")
    returned = services.return_dues(by=alice, year=2026)
    assert [r.amount for r in returned] == [D("0.38")]


@given(
    st.lists(
        st.tuples(st.dates(dt.date(2024, 1, 1), dt.date(2027, 12, 31)), st.sampled_from(["salaried", "farmer"])),
        max_size=5,
    )
)
def test_the_base_in_force_each_month_is_the_latest_recorded_by_then(recorded):
    """``dues_sheets`` reads each member's bases month by month in one pass: the same answer as
    looking the base up for each month on its own (the latest from that month or before)."""
    rows = sorted(((day, category, D(len(category))) for day, category in recorded), key=lambda row: row[0])
    months = dues.months_of(2026)
    expected = []
    for month in months:
        before = [(category, base) for day, category, base in rows if day <= month]
        expected.append(before[-1] if before else None)
    assert selectors._bases_in(rows, months) == expected
    assert [selectors._base_on(rows, month) for month in months] == expected
