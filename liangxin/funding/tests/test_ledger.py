"""The ledger of each party organization balances (opening + in − out = closing, each source's
total equals its rows), spending beyond the balance is refused, and the county summary by township
adds up; activity funds are flagged outside 0.5 %–2 % of payroll; rewards go submitted → approved
(booked) or rejected."""

import datetime as dt
from decimal import Decimal

import pytest

from liangxin.audit.models import AuditRecord
from liangxin.core.errors import ServiceError
from liangxin.funding import ledger, selectors, services
from liangxin.funding.choices import LedgerKind
from liangxin.funding.models import AllocationLine, DuesReturn, LedgerEntry, RewardApplication
from liangxin.registry.choices import FactSource
from liangxin.registry.models import OrganizationFacts

D = Decimal


def test_the_ledger_kinds_are_the_pure_ledgers():
    assert dict(LedgerKind.choices) == ledger.LABELS
    assert set(ledger.DIRECTION) == set(LedgerKind.values)


@pytest.fixture
def books(payments, alice, sam, reward_b, branch_a, branch_b, clock):
    """2025: nothing. 2026: allocation (100.00 each), dues returned (113.50 / 37.50), a reward of
    3,000.00 to branch B, spending of 150.00 by branch A."""
    services.issue_allocation(by=alice, year=2026, as_of=dt.date(2026, 6, 30))
    services.return_dues(by=alice, year=2026)
    services.approve_reward(by=alice, reward=reward_b, amount=D("3000.00"), note="验收合格,按面积核定")
    services.add_spending(
        by=sam, party_organization=branch_a, on=dt.date(2026, 7, 10), amount=D("150.00"), description="购买党建书籍"
    )
    return payments


def test_each_ledger_balances_and_each_source_adds_up(books, branch_a, branch_b):
    for party_org, closing in ((branch_a, D("63.50")), (branch_b, D("3137.50"))):
        totals, rows = selectors.ledger_year(party_organization=party_org, year=2026)
        assert totals.opening == 0
        assert totals.closing == totals.opening + totals.money_in - totals.money_out == closing
        assert rows[-1][1] == closing  # the running balance ends at the closing balance
        assert selectors.balance_of(party_organization=party_org) == closing
        assert totals.by_kind["allocation"] == sum(
            line.amount for line in AllocationLine.objects.filter(party_organization=party_org)
        )
        assert totals.by_kind["dues_return"] == sum(
            r.amount for r in DuesReturn.objects.filter(party_organization=party_org)
        )
        assert totals.by_kind["reward"] == sum(
            r.amount_approved for r in RewardApplication.objects.filter(party_organization=party_org, status="approved")
        )
    # The next year opens with this year's closing balance.
    assert selectors.ledger_year(party_organization=branch_a, year=2027)[0].opening == D("63.50")


def test_spending_beyond_the_balance_is_refused_and_changes_nothing(books, sam, carol, branch_a, branch_b):
    before = LedgerEntry.objects.count()
    with pytest.raises(ServiceError, match=r"超过经费余额 63\.50 元"):
        services.add_spending(
            by=sam, party_organization=branch_a, on=dt.date(2026, 7, 12), amount=D("63.51"), description="活动"
        )
    with pytest.raises(ServiceError, match="不能晚于今天"):
        services.add_spending(
            by=sam, party_organization=branch_a, on=dt.date(2026, 7, 16), amount=D("1"), description="活动"
        )
    with pytest.raises(ServiceError, match="请填写支出用途"):
        services.add_spending(
            by=sam, party_organization=branch_a, on=dt.date(2026, 7, 12), amount=D("1"), description=" \u3000"
        )
    with pytest.raises(ServiceError, match="金额须大于0"):
        services.add_spending(
            by=sam, party_organization=branch_a, on=dt.date(2026, 7, 12), amount=D("0"), description="活动"
        )
    with pytest.raises(ServiceError, match="不在您的管理范围"):
        services.add_spending(
            by=sam, party_organization=branch_b, on=dt.date(2026, 7, 12), amount=D("1"), description="活动"
        )
    assert LedgerEntry.objects.count() == before
    entry = services.add_spending(
        by=carol, party_organization=branch_b, on=dt.date(2026, 7, 12), amount=D("3137.50"), description="活动室桌椅"
    )
    assert selectors.balance_of(party_organization=branch_b) == 0
    assert AuditRecord.objects.get(object_type="funding.ledgerentry", object_id=str(entry.pk)).changes["amount"] == [
        None,
        "3137.50",
    ]


def test_the_county_summary_by_township_is_the_sum_of_the_ledgers(
    books, alice, carol, sam, branch_a, branch_b, township_a
):
    summary = selectors.funding_summary(user=alice, year=2026)
    townships = {unit.name: row for unit, row, _orgs in summary.townships}
    assert set(townships) == {"罗雄街道", "板桥镇"}
    a, b = townships["罗雄街道"], townships["板桥镇"]
    assert (a.members, a.allocation, a.ledger.money_in, a.ledger.money_out, a.ledger.closing) == (
        2,
        D("100.00"),
        D("213.50"),
        D("150.00"),
        D("63.50"),
    )
    assert (b.ledger.by_kind["reward"], b.ledger.closing, b.members_in_arrears) == (D("3000.00"), D("3137.50"), 2)
    assert summary.total.ledger.closing == a.ledger.closing + b.ledger.closing
    assert summary.total.allocation == D("200.00") and summary.total.members == 4
    assert summary.total.dues_paid == a.dues_paid + b.dues_paid == D("302.00")
    # A township clerk's summary is his township's row; a secretary's his party organization's.
    assert [unit.name for unit, _row, _orgs in selectors.funding_summary(user=carol, year=2026).townships] == ["板桥镇"]
    mine = selectors.funding_summary(user=sam, year=2026)
    assert [[org.name for org, _row in orgs] for _unit, _row, orgs in mine.townships] == [[branch_a.name]]
    assert mine.total.ledger.closing == D("63.50")


def _facts(org, payroll, valid_from=dt.date(2025, 1, 1)):
    org.facts.update(valid_to=valid_from)
    return OrganizationFacts.objects.create(
        organization=org, valid_from=valid_from, payroll=payroll, employees=40, source=FactSource.EDIT
    )


@pytest.mark.parametrize(
    ("booked", "status"),
    [("4999.99", "below"), ("5000.00", "within"), ("20000.00", "within"), ("20000.01", "above"), ("0", "below")],
)
def test_activity_funds_are_flagged_outside_half_to_two_percent_of_payroll(clock, alice, org_in_b, booked, status):
    org_in_b.facts.all().delete()
    _facts(org_in_b, D("100.00"))  # 100 万元 → 5,000–20,000 yuan
    services.record_activity_fund(by=alice, organization=org_in_b, year=2025, amount=D(booked))
    row = selectors.activity_fund_of(organization=org_in_b, year=2025)
    assert row.check is not None and row.check.status == status
    assert [r.organization for r in selectors.activity_funds(user=alice, year=2025, status=status)] == [org_in_b]


def test_payroll_is_the_census_figure_valid_at_the_years_end(clock, alice, carol, bob, org_in_b):
    org_in_b.facts.all().delete()
    _facts(org_in_b, D("100.00"), valid_from=dt.date(2024, 1, 1))
    _facts(org_in_b, D("10.00"), valid_from=dt.date(2026, 1, 1))  # the 2026 census: payroll fell
    services.record_activity_fund(by=carol, organization=org_in_b, year=2025, amount=D("6000"))
    assert selectors.activity_fund_of(organization=org_in_b, year=2025).check.status == "within"
    services.record_activity_fund(by=carol, organization=org_in_b, year=2026, amount=D("6000"))
    assert selectors.activity_fund_of(organization=org_in_b, year=2026).check.status == "above"
    # Recording again corrects the year's figure, audited with both.
    services.record_activity_fund(by=carol, organization=org_in_b, year=2026, amount=D("1500"))
    update = AuditRecord.objects.filter(object_type="funding.activityfundbooking", action="update").get()
    assert update.changes["amount"] == ["6000.00", "1500"]
    with pytest.raises(ServiceError, match="不在您的管理范围"):
        services.record_activity_fund(by=bob, organization=org_in_b, year=2026, amount=D("1"))
    with pytest.raises(ServiceError, match="不能为负数"):
        services.record_activity_fund(by=carol, organization=org_in_b, year=2026, amount=D("-1"))
    with pytest.raises(ServiceError, match="2000年至今年"):
        services.record_activity_fund(by=carol, organization=org_in_b, year=2027, amount=D("1"))
    assert selectors.activity_funds(user=carol, year=2024, status="missing")[0].organization == org_in_b


def test_without_payroll_the_booking_cannot_be_checked(clock, alice, org_in_b):
    services.record_activity_fund(by=alice, organization=org_in_b, year=2026, amount=D("100"))
    assert selectors.activity_fund_of(organization=org_in_b, year=2026).check.status == "no_payroll"


def test_a_reward_is_approved_once_at_most_for_what_was_asked(reward_b, alice, carol, clock):
    assert reward_b.status == "submitted" and reward_b.evidence_kind == "pdf" and len(reward_b.evidence_sha256) == 64
    with pytest.raises(ServiceError, match="无权"):
        services.approve_reward(by=carol, reward=reward_b, amount=D("100"))
    with pytest.raises(ServiceError, match=r"不超过申请金额 5000\.00 元"):
        services.approve_reward(by=alice, reward=reward_b, amount=D("5000.01"))
    approved = services.approve_reward(by=alice, reward=reward_b, amount=D("4000"), note="按标准核减")
    assert (approved.status, approved.amount_approved) == ("approved", D("4000"))
    assert LedgerEntry.objects.get(reward=reward_b).amount == D("4000.00")
    with pytest.raises(ServiceError, match="已经审批"):
        services.reject_reward(by=alice, reward=reward_b, note="重复")
    assert AuditRecord.objects.filter(action="funding.reward_approve", object_id=str(reward_b.pk)).count() == 1


def test_a_rejection_needs_a_reason_and_books_nothing(reward_b, alice, clock):
    with pytest.raises(ServiceError, match="写明原因"):
        services.reject_reward(by=alice, reward=reward_b, note="  ")
    rejected = services.reject_reward(by=alice, reward=reward_b, note="活动室面积不足")
    assert rejected.status == "rejected" and not LedgerEntry.objects.filter(reward=reward_b).exists()


def test_a_reward_names_an_organization_its_party_organization_covers(carol, branch_b, org_in_a, clock):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from liangxin.security.uploads import UploadField, UploadKind

    evidence = UploadField(kind=UploadKind.EVIDENCE).clean(
        SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 50)
    )
    data = services.RewardData(
        kind="activity_room", title="活动室", description="x", amount=D("1"), organization=org_in_a
    )
    with pytest.raises(ServiceError, match="覆盖的两新组织"):
        services.submit_reward(by=carol, party_organization=branch_b, data=data, evidence=evidence)
    assert not RewardApplication.objects.exists()
