"""The seeded 2009 version, the database constraints, the version in force and the year's targets."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from liangxin.policy import engine, selectors
from liangxin.policy.models import PolicyTarget, PolicyVersion

SEED_NAME = "2009年全县“两新”组织党建工作现场推进会"


def _version(**overrides):
    values = {"name": "2012年修订", "effective_from": dt.date(2012, 1, 1)} | overrides
    return PolicyVersion.objects.create(**values)


def test_the_seed_migration_holds_the_speech(db):
    version = PolicyVersion.objects.get()
    assert version.name == SEED_NAME
    assert version.effective_from == dt.date(2009, 11, 1)
    assert (
        version.min_full_members,
        version.general_branch_threshold,
        version.general_branch_tolerance,
        version.committee_threshold,
        version.committee_tolerance,
        version.max_joint_organizations,
        version.branch_committee_full_members,
    ) == (3, 50, 45, 100, 90, 5, 7)
    assert version.as_policy() == engine.Policy()  # the engine's defaults are the seed
    targets = {(t.year, t.indicator): t.value for t in version.targets.all()}
    assert targets == {
        (2009, "orgs_50_with_members"): Decimal("1.000"),
        (2009, "orgs_100_with_party_org"): Decimal("1.000"),
        (2010, "orgs_50_with_members"): Decimal("1.000"),
        (2010, "orgs_100_with_party_org"): Decimal("1.000"),
        (2010, "orgs_3_full_with_party_org"): Decimal("1.000"),
        (2011, "orgs_50_with_members"): Decimal("1.000"),
        (2011, "orgs_100_with_party_org"): Decimal("1.000"),
        (2011, "orgs_3_full_with_party_org"): Decimal("1.000"),
        (2011, "party_orgs_five_goods"): Decimal("0.800"),
    }


@pytest.mark.parametrize(
    "overrides",
    [
        {"general_branch_tolerance": 51},  # tolerance above its threshold
        {"committee_tolerance": 101},
        {"min_full_members": 0},  # values positive
        {"max_joint_organizations": 1},
        {"committee_threshold": 50},  # committee not above general branch
        {"committee_tolerance": 45},
        {"general_branch_tolerance": 3},  # tolerance not above the minimum for any organization
        {"branch_committee_full_members": 2},
        {"name": ""},
        {"effective_from": dt.date(2009, 11, 1)},  # one version per day
        {"name": SEED_NAME},
    ],
)
def test_constraints_refuse_contradictory_versions(db, overrides):
    with pytest.raises(IntegrityError), transaction.atomic():
        _version(**overrides)


def test_target_constraints(db):
    version = PolicyVersion.objects.get()
    for values in (
        {"year": 2012, "indicator": "orgs_50_with_members", "value": Decimal("1.2")},
        {"year": 2012, "indicator": "made_up", "value": Decimal("0.5")},
        {"year": 2009, "indicator": "orgs_50_with_members", "value": Decimal("0.5")},  # duplicate
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            PolicyTarget.objects.create(policy=version, **values)


def test_policy_in_force_by_date(db):
    seed = PolicyVersion.objects.get()
    later = _version(general_branch_tolerance=40)
    assert selectors.policy_in_force(on=dt.date(2009, 10, 31)) is None
    assert selectors.policy_in_force(on=dt.date(2009, 11, 1)) == seed
    assert selectors.policy_in_force(on=dt.date(2011, 12, 31)) == seed
    assert selectors.policy_in_force(on=dt.date(2012, 1, 1)) == later
    assert selectors.engine_policy_in_force(on=dt.date(2030, 1, 1)).general_branch_tolerance == 40
    with pytest.raises(selectors.NoPolicyInForce, match="2009-01-01 没有施行中的政策版本"):
        selectors.engine_policy_in_force(on=dt.date(2009, 1, 1))


def test_policy_in_force_agrees_with_the_engine_for_any_date(db):
    _version(name="乙", effective_from=dt.date(2012, 7, 1))
    _version(name="丙", effective_from=dt.date(2020, 1, 1), committee_tolerance=95)
    pure = [v.as_policy() for v in PolicyVersion.objects.all()]

    @settings(max_examples=60, deadline=None)
    @given(on=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31)))
    def check(on):
        stored = selectors.policy_in_force(on=on)
        expected = engine.policy_on(pure, on)
        assert (stored.as_policy() if stored else None) == expected

    check()


def _targets(year, **kwargs):
    return {(t.year, t.indicator): t.value for t in selectors.targets_for(year=year, **kwargs)}


def test_targets_by_year_and_inheritance(db):
    assert _targets(2008) == {}
    assert set(_targets(2009)) == {(2009, "orgs_50_with_members"), (2009, "orgs_100_with_party_org")}
    assert len(_targets(2010)) == 3
    assert _targets(2011)[(2011, "party_orgs_five_goods")] == Decimal("0.8")
    # Years after the last year with targets inherit that year's targets.
    assert {indicator: value for (_, indicator), value in _targets(2026).items()} == {
        indicator: value for (_, indicator), value in _targets(2011).items()
    }
    assert {year for year, _ in _targets(2026)} == {2011}


def test_targets_follow_the_version_in_force_at_the_end_of_the_year(db):
    later = _version()
    PolicyTarget.objects.create(policy=later, year=2012, indicator="party_orgs_five_goods", value=Decimal("0.9"))
    assert _targets(2011)[(2011, "party_orgs_five_goods")] == Decimal("0.8")
    assert _targets(2015) == {(2012, "party_orgs_five_goods"): Decimal("0.9")}
    assert len(_targets(2015, policy=PolicyVersion.objects.get(name=SEED_NAME))) == 4
