"""A small county with known figures (ON = 2026-06-01; PAST = 2025-06-01).

Township A (bob's): a1 120 employees, 5 full members, own branch since 2025-01-01;
a2 60 employees, 1 full + 1 probationary, no party organization, instructor since 2026-01-01,
has a union; a3 30 employees, 3 full, and a4 10 employees, no members: one joint branch since
2026-03-01; a5 100 employees, operating until it was deregistered on 2026-01-01; a6 merged into a1.
Township B (carol's): b1 200 employees, 4 full, above designated size, department X, uncovered;
b2 5 employees, covered by a branch since 2020.
"""

from __future__ import annotations

import datetime as dt

import pytest

from liangxin.registry.choices import OperatingStatus, PartyOrganizationKind
from liangxin.registry.models import OrganizationFacts
from liangxin.testing.factories import (
    FiveGoodsAssessmentFactory,
    InstructorAssignmentFactory,
    OrganizationFactory,
    PartyOrganizationFactory,
)

ON = dt.date(2026, 6, 1)
PAST = dt.date(2025, 6, 1)
SINCE = dt.date(2020, 1, 1)


def _org(name, township, *, department=None, above=False, **facts):
    return OrganizationFactory(
        name=name,
        township=township,
        department=department,
        above_designated_size=above,
        facts={"valid_from": SINCE, **facts},
    )


@pytest.fixture
def county_data(township_a, township_b, department_x):
    a1 = _org("甲一建材有限公司", township_a, employees=120, full_members=5)
    a2 = _org("甲二商贸有限公司", township_a, employees=60, full_members=1, probationary_members=1, has_union=True)
    a3 = _org("甲三物流有限公司", township_a, employees=30, full_members=3)
    a4 = _org("甲四餐饮有限公司", township_a, employees=10)
    a5 = _org("甲五煤业有限公司", township_a, employees=100)
    facts = OrganizationFacts.objects.get(organization=a5)
    facts.valid_to = dt.date(2026, 1, 1)
    facts.save()
    OrganizationFacts.objects.create(
        organization=a5,
        valid_from=dt.date(2026, 1, 1),
        employees=100,
        operating_status=OperatingStatus.DEREGISTERED,
        source="edit",
    )
    a6 = _org("甲六重复登记有限公司", township_a, employees=80, full_members=4)
    a6.merged_into = a1
    a6.save()
    b1 = _org("乙一矿业有限公司", township_b, department=department_x, above=True, employees=200, full_members=4)
    b2 = _org("乙二修理部", township_b, employees=5)
    po_a1 = PartyOrganizationFactory(
        name="甲一建材有限公司党支部", township=township_a, founded_on=dt.date(2025, 1, 1), covers=[a1]
    )
    po_joint = PartyOrganizationFactory(
        name="甲联合党支部",
        township=township_a,
        kind=PartyOrganizationKind.JOINT_BRANCH,
        formation_method="joint",
        founded_on=dt.date(2026, 3, 1),
        covers=[a3, a4],
    )
    po_b = PartyOrganizationFactory(name="乙二修理部党支部", township=township_b, founded_on=SINCE, covers=[b2])
    InstructorAssignmentFactory(organization=a2, instructor_name="王指导", valid_from=dt.date(2026, 1, 1))
    FiveGoodsAssessmentFactory(party_organization=po_a1, year=2025, result="five_goods")
    FiveGoodsAssessmentFactory(party_organization=po_b, year=2025, result="not_met")
    return {
        "a1": a1,
        "a2": a2,
        "a3": a3,
        "a4": a4,
        "a5": a5,
        "a6": a6,
        "b1": b1,
        "b2": b2,
        "po_a1": po_a1,
        "po_joint": po_joint,
        "po_b": po_b,
    }
