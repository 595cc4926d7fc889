"""Organizations of the register for the formation tests (township A is bob's, B is carol's)."""

from __future__ import annotations

import datetime as dt

import pytest

from liangxin.formation import services
from liangxin.testing.factories import MemberFactory, OrganizationFactory

ON = dt.date(2026, 6, 1)


@pytest.fixture
def three_members(township_a):
    """Three full members, no party organization: 独立组建党支部."""
    org = OrganizationFactory(name="罗平县三友建材有限公司", township=township_a, facts={"full_members": 3})
    for _ in range(3):
        MemberFactory(employer=org)
    return org


@pytest.fixture
def no_members(township_a):
    return OrganizationFactory(name="罗平县空白商贸有限公司", township=township_a, facts={"full_members": 0})


@pytest.fixture
def ready_plan(bob, three_members):
    return services.create_plan(
        by=bob,
        organization=three_members,
        data=services.PlanData(
            ready=True,
            responsible_person="王书记",
            method="independent",
            target_kind="branch",
            planned_date=dt.date(2026, 9, 30),
        ),
    )


@pytest.fixture
def not_ready_plan(bob, no_members):
    return services.create_plan(
        by=bob,
        organization=no_members,
        data=services.PlanData(
            ready=False,
            responsible_person="李委员",
            reason="no_members",
            countermeasure="选派党建工作指导员,先建工会。",
        ),
    )
