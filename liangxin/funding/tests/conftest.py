"""A known roster for funding: two branches (township A's, township B's) and members who join,
move mid-year and leave, on a clock fixed at 15 July 2026.

    张一  branch A since 2020                       full            base 3,000.00 (15.00 a month)
    王二  branch A → branch B on 10 March 2026       full            base 5,000.01 (75.00)
    李三  branch B since 15 January 2026            probationary    no base
    赵四  branch A until 1 May 2026 (left the county) full           farmer (0.50)
    钱五  branch A from 1 July 2026                 full            —
    孙六  branch A since 2025, full on 1 July 2026    probationary on 30 June
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from liangxin.registry.models import PartyRelation
from liangxin.testing.factories import MemberFactory

D = Decimal


@pytest.fixture
def clock(monkeypatch):
    """Django's clock on a given day (10:00 in the county); 15 July 2026 unless set again."""

    def set_day(day: dt.date) -> None:
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(10))).astimezone(dt.UTC)
        monkeypatch.setattr(timezone, "now", lambda: moment)

    set_day(dt.date(2026, 7, 15))
    return set_day


def _member(name, relations, *, full_on=dt.date(2011, 7, 1), admitted=dt.date(2010, 7, 1)):
    status = "full" if full_on is not None else "probationary"
    member = MemberFactory(name=name, status=status, admitted_on=admitted, full_membership_on=full_on)
    for party_org, start, end in relations:
        PartyRelation.objects.create(member=member, party_organization=party_org, valid_from=start, valid_to=end)
    return member


@pytest.fixture
def roster(clock, branch_a, branch_b):
    a, b = branch_a, branch_b
    return {
        "zhang": _member("张一", [(a, dt.date(2020, 7, 1), None)]),
        "wang": _member("王二", [(a, dt.date(2020, 7, 1), dt.date(2026, 3, 10)), (b, dt.date(2026, 3, 10), None)]),
        "li": _member("李三", [(b, dt.date(2026, 1, 15), None)], full_on=None, admitted=dt.date(2026, 1, 15)),
        "zhao": _member("赵四", [(a, dt.date(2020, 7, 1), dt.date(2026, 5, 1))]),
        "qian": _member("钱五", [(a, dt.date(2026, 7, 1), None)]),
        "sun": _member(
            "孙六", [(a, dt.date(2025, 7, 1), None)], full_on=dt.date(2026, 7, 1), admitted=dt.date(2025, 7, 1)
        ),
    }


@pytest.fixture
def bases(roster, alice):
    from liangxin.funding import services

    services.set_dues_base(
        by=alice, member=roster["zhang"], category="salaried", valid_from=dt.date(2026, 1, 1), base=D("3000.00")
    )
    services.set_dues_base(
        by=alice, member=roster["wang"], category="salaried", valid_from=dt.date(2025, 12, 1), base=D("5000.01")
    )
    services.set_dues_base(by=alice, member=roster["zhao"], category="farmer", valid_from=dt.date(2026, 1, 1))
    return roster


def pay(by, party_org, members, month, amount, paid_on=None):
    from liangxin.funding import services

    return services.record_dues_payments(
        by=by,
        party_organization=party_org,
        month=month,
        paid_on=paid_on or month + dt.timedelta(days=20),
        payments=[services.Payment(m, D(amount)) for m in members],
    )


@pytest.fixture
def payments(bases, alice, branch_a, branch_b):
    """张一 paid January–May, not June; 王二 January–February to branch A, March to branch B, not
    April–June; 赵四 January–April (farmer); 李三 nothing."""
    r = bases
    for month in range(1, 6):
        pay(alice, branch_a, [r["zhang"]], dt.date(2026, month, 1), "15.00")
    for month in (1, 2):
        pay(alice, branch_a, [r["wang"]], dt.date(2026, month, 1), "75.00")
    pay(alice, branch_b, [r["wang"]], dt.date(2026, 3, 1), "75.00")
    for month in range(1, 5):
        pay(alice, branch_a, [r["zhao"]], dt.date(2026, month, 1), "0.50")
    return r
