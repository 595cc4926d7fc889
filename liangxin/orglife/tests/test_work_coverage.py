"""Work coverage (工作覆盖) from activity, on constructed cases: an organization without a party
organization counts from the day an activity was held in it (or it took part in one) until the
window of months after it, by the version in force on the activity's day; coverage and an
instructor count as before. The random histories of ``coverage/tests/test_materialized.py``
compare the state with a recomputation day by day."""

from __future__ import annotations

import datetime as dt

import pytest

from liangxin.core.dates import today
from liangxin.coverage import selectors as coverage
from liangxin.orglife import services
from liangxin.orglife.models import Activity, LifePolicyVersion
from liangxin.testing.factories import OrganizationFactory, activity_type

pytestmark = pytest.mark.django_db

HELD = dt.date(2025, 3, 10)


def _work(user, day):
    """Work-covered organizations beyond those a party organization covers, on ``day``."""
    (total,) = coverage.indicator_table(user=user, as_of=day, by="county")
    return total.values["work_coverage"].numerator - total.values["org_coverage"].numerator


def _record(by, party, *, held_on=HELD, held_in=None, took_part=()):
    return services.record_activity(
        by=by,
        data=services.ActivityData(
            party_organization=party,
            activity_type=activity_type("theme_day"),
            held_on=held_on,
            duration_minutes=120,
            place="企业会议室",
            topic="主题党日进企业",
            content="宣讲政策",
            held_in=held_in,
            took_part=list(took_part),
        ),
    )


def test_an_activity_held_in_an_organization_covers_it_for_twelve_months(bob, branch_a, org_in_a, township_a):
    shop = OrganizationFactory(name="罗雄小店", township=township_a, facts={"valid_from": dt.date(2024, 1, 1)})
    assert _work(bob, HELD) == 0
    _record(bob, branch_a, held_in=shop)
    assert _work(bob, HELD - dt.timedelta(days=1)) == 0
    assert _work(bob, HELD) == 1  # work coverage above organization coverage
    assert _work(bob, dt.date(2026, 3, 9)) == 1
    assert _work(bob, dt.date(2026, 3, 10)) == 0  # twelve months later: no longer


def test_an_organization_taking_part_counts_and_the_window_is_the_versions(bob, branch_a, township_a):
    first = OrganizationFactory(name="罗雄甲厂", township=township_a, facts={"valid_from": dt.date(2024, 1, 1)})
    second = OrganizationFactory(name="罗雄乙厂", township=township_a, facts={"valid_from": dt.date(2024, 1, 1)})
    LifePolicyVersion.objects.create(
        name="六个月",
        effective_from=dt.date(2025, 6, 1),
        source="县委组织部通知",
        at_risk_months=3,
        dissolved_within_years=3,
        work_coverage_months=6,
    )
    _record(bob, branch_a, took_part=[first])  # 10 March: the first version, 12 months
    _record(bob, branch_a, held_on=dt.date(2025, 7, 1), took_part=[second])  # the second, 6 months
    assert _work(bob, dt.date(2025, 7, 1)) == 2
    assert _work(bob, dt.date(2025, 12, 31)) == 2
    assert _work(bob, dt.date(2026, 1, 1)) == 1  # the second's six months are over
    assert _work(bob, dt.date(2026, 3, 10)) == 0


def test_deleting_the_activity_takes_its_work_coverage_away(bob, branch_a, township_a):
    shop = OrganizationFactory(name="罗雄小店", township=township_a, facts={"valid_from": dt.date(2024, 1, 1)})
    activity = _record(bob, branch_a, held_in=shop, held_on=today() - dt.timedelta(days=5))
    assert _work(bob, today()) == 1
    services.delete_activity(by=bob, activity=activity)
    assert not Activity.objects.exists()
    assert _work(bob, today()) == 0


def test_another_townships_figures_do_not_move(bob, carol, branch_a, branch_b, township_a):
    shop = OrganizationFactory(name="罗雄小店", township=township_a, facts={"valid_from": dt.date(2024, 1, 1)})
    before = _work(carol, HELD)
    _record(bob, branch_a, held_in=shop)
    assert _work(carol, HELD) == before
