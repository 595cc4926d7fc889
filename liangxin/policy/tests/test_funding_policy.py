"""The funding figures as versioned data: the seeded version, the database's checks, the version in
force, and a new version (county administrator only, validated, audited)."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from liangxin.audit.models import AuditRecord
from liangxin.core.errors import ServiceError
from liangxin.policy import funding_rules, selectors, services
from liangxin.policy.choices import BracketScheme, DuesCategory
from liangxin.policy.models import DuesBracket, FundingPolicyVersion

D = Decimal


def test_the_choices_are_the_rules_codes_and_labels():
    assert dict(DuesCategory.choices) == funding_rules.CATEGORY_LABELS
    assert dict(BracketScheme.choices) == funding_rules.SCHEME_LABELS


def test_the_seed_holds_the_speech_and_the_national_brackets(db):
    rules = selectors.funding_rules_in_force(on=dt.date(2026, 12, 31))
    assert rules.per_member_amount == D("50.00")
    assert (rules.activity_fund_min_share, rules.activity_fund_max_share) == (D("0.0050"), D("0.0200"))
    assert rules.brackets[funding_rules.SALARIED] == (
        funding_rules.Bracket(D("3000.00"), D("0.0050")),
        funding_rules.Bracket(D("5000.00"), D("0.0100")),
        funding_rules.Bracket(D("10000.00"), D("0.0150")),
        funding_rules.Bracket(None, D("0.0200")),
    )
    assert rules.brackets[funding_rules.RETIRED] == (
        funding_rules.Bracket(D("5000.00"), D("0.0050")),
        funding_rules.Bracket(None, D("0.0100")),
    )
    assert set(rules.fixed_amounts) == set(funding_rules.FIXED_CATEGORIES)
    assert D("0.20") <= rules.fixed_amounts[funding_rules.FARMER] <= D("1.00")
    with pytest.raises(selectors.NoPolicyInForce):
        selectors.funding_rules_in_force(on=dt.date(2009, 10, 31))


@pytest.mark.parametrize(
    "overrides",
    [
        {"per_member_amount": D("0")},
        {"per_member_amount": D("10000.01")},
        {"retained_share": D("0")},
        {"retained_share": D("1.0001")},
        {"activity_fund_min_share": D("0.03")},  # above the maximum
        {"activity_fund_max_share": D("1.5"), "activity_fund_min_share": D("0.5")},
        {"name": ""},
    ],
)
def test_the_database_refuses_impossible_figures(db, overrides):
    values = {
        "name": "2027年",
        "effective_from": dt.date(2027, 1, 1),
        "source": "测试",
        "per_member_amount": D("60"),
        "retained_share": D("1"),
        "activity_fund_min_share": D("0.005"),
        "activity_fund_max_share": D("0.02"),
    } | overrides
    with pytest.raises(IntegrityError), transaction.atomic():
        FundingPolicyVersion.objects.create(**values)


def test_the_database_refuses_a_second_unbounded_bracket_and_a_rate_above_ten_percent(db):
    version = FundingPolicyVersion.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        DuesBracket.objects.create(policy=version, scheme="retired", upper=None, rate=D("0.02"))
    with pytest.raises(IntegrityError), transaction.atomic():
        DuesBracket.objects.create(policy=version, scheme="retired", upper=D("8000"), rate=D("0.2"))


DATA = services.FundingPolicyData(
    name="2027年经费标准",
    effective_from=dt.date(2027, 1, 1),
    source="县委组织部2026年第5号文件",
    per_member_amount=D("60.00"),
    retained_share=D("1"),
    activity_fund_min_share=D("0.005"),
    activity_fund_max_share=D("0.02"),
    brackets={
        funding_rules.SALARIED: [
            funding_rules.Bracket(D("3000"), D("0.005")),
            funding_rules.Bracket(D("5000"), D("0.01")),
            funding_rules.Bracket(D("10000"), D("0.015")),
            funding_rules.Bracket(None, D("0.02")),
        ],
        funding_rules.RETIRED: [funding_rules.Bracket(D("5000"), D("0.005")), funding_rules.Bracket(None, D("0.01"))],
    },
    fixed_amounts={"farmer": D("1.00"), "student": D("0.20"), "unemployed": D("0.20"), "low_income": D("0.20")},
)


def test_county_admin_creates_a_version_in_force_from_its_date_and_it_is_audited(alice):
    version = services.create_funding_policy_version(by=alice, data=DATA)
    assert selectors.funding_rules_in_force(on=dt.date(2026, 12, 31)).per_member_amount == D("50.00")
    rules = selectors.funding_rules_in_force(on=dt.date(2027, 1, 1))
    assert rules.per_member_amount == D("60.00")
    assert rules.fixed_amounts[funding_rules.FARMER] == D("1.00")
    timeline = selectors.funding_timeline()
    assert timeline.on(dt.date(2027, 6, 1)) == rules
    record = AuditRecord.objects.get(object_type="policy.fundingpolicyversion", object_id=str(version.pk))
    assert record.actor == alice
    assert record.changes["per_member_amount"] == [None, "60.00"]
    assert record.changes["fixed_amounts"][1]["farmer"] == "1.00"


def test_only_the_county_admin_and_only_valid_figures(alice, bob):
    with pytest.raises(ServiceError, match="只有县两新党工委"):
        services.create_funding_policy_version(by=bob, data=DATA)
    with pytest.raises(ServiceError, match="逐档递增"):
        services.create_funding_policy_version(
            by=alice,
            data=dataclasses.replace(
                DATA,
                brackets={
                    **DATA.brackets,
                    funding_rules.RETIRED: [
                        funding_rules.Bracket(D("5000"), D("0.005")),
                        funding_rules.Bracket(D("4000"), D("0.008")),
                        funding_rules.Bracket(None, D("0.01")),
                    ],
                },
            ),
        )
    with pytest.raises(ServiceError, match="同一天只能有一个版本"):
        services.create_funding_policy_version(
            by=alice, data=dataclasses.replace(DATA, effective_from=dt.date(2009, 11, 1))
        )
    assert FundingPolicyVersion.objects.count() == 1
