import datetime as dt
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps

from liangxin.registry.choices import OperatingStatus
from liangxin.registry.models import OrganizationFacts
from liangxin.testing.factories import MemberFactory, OrganizationFactory, PartyOrganizationFactory
from liangxin.training import services
from liangxin.training.models import AttendeeKind


@pytest.fixture(autouse=True)
def speech_training_rules(request):
    """The rules the migration seeds (a transactional test run earlier by the same worker may
    have flushed them): seeded again by the migration's own function. A browser test's live
    server restores the seeded rows itself (``site``), and would find these in its way."""
    from liangxin.training.models import TrainingRuleVersion

    if request.node.get_closest_marker("browser"):
        return
    request.getfixturevalue("db")
    if not TrainingRuleVersion.objects.exists():
        import_module("liangxin.training.migrations.0002_seed_2009_training_rules").seed(apps, None)


OLD_FACTS = {"valid_from": dt.date(2024, 1, 1)}


def _training(by, title, starts, ends=None):
    return services.create_training(
        by=by,
        data=services.TrainingData(
            title=title, starts_on=starts, ends_on=ends or starts, hours=Decimal("8"), organizer="县委组织部"
        ),
    )


@pytest.fixture
def county_data(alice, bob, township_a, township_b):
    """Township A: 城东党支部 (secretary 王书记, full-time worker 赵专职) and 城西党支部 (no
    secretary recorded); 城东公司 and 城西商店, and 已注销厂 deregistered in May 2025.
    Township B: 旧党支部 dissolved in June 2025, 新党支部 founded in March 2026, 板桥公司."""
    d = {}
    d["east_org"] = OrganizationFactory(name="城东公司", township=township_a, facts=OLD_FACTS)
    d["west_shop"] = OrganizationFactory(name="城西商店", township=township_a, facts=OLD_FACTS)
    gone = OrganizationFactory(name="已注销厂", township=township_a, facts=OLD_FACTS)
    OrganizationFacts.objects.filter(organization=gone).update(valid_to=dt.date(2025, 5, 1))
    OrganizationFacts.objects.create(
        organization=gone, valid_from=dt.date(2025, 5, 1), source="edit", operating_status=OperatingStatus.DEREGISTERED
    )
    d["b_org"] = OrganizationFactory(name="板桥公司", township=township_b, facts=OLD_FACTS)
    d["east"] = PartyOrganizationFactory(name="城东党支部", township=township_a, covers=[d["east_org"]])
    d["west"] = PartyOrganizationFactory(name="城西党支部", township=township_a, covers=[d["west_shop"]])
    d["old_b"] = PartyOrganizationFactory(
        name="旧党支部", township=township_b, dissolved_on=dt.date(2025, 6, 30), dissolution_reason="企业停产"
    )
    d["new_b"] = PartyOrganizationFactory(name="新党支部", township=township_b, founded_on=dt.date(2026, 3, 1))
    d["secretary"] = MemberFactory(name="王书记", relation=d["east"], employer=d["east_org"])
    d["east"].secretary = d["secretary"]
    d["east"].save(update_fields=["secretary"])
    d["worker"] = MemberFactory(name="赵专职", relation=d["east"], position="专职党务工作者")
    MemberFactory(name="普通党员", relation=d["east"], position="职工")
    # A county training in March 2025: the east secretary, the worker and the east company's owner.
    spring = _training(alice, "2025年书记集中培训", dt.date(2025, 3, 10), dt.date(2025, 3, 12))
    services.add_attendees(
        by=alice,
        training=spring,
        attendees=[
            services.AttendeeData(kind=AttendeeKind.SECRETARY, party_organization=d["east"]),
            services.AttendeeData(kind=AttendeeKind.MEMBER, member=d["worker"]),
            services.AttendeeData(kind=AttendeeKind.OWNER, organization=d["east_org"], name="陈老板"),
        ],
    )
    # Township A's course over the new year: counts for 2026, not 2025.
    new_year = _training(bob, "跨年业务培训", dt.date(2025, 12, 30), dt.date(2026, 1, 2))
    services.add_attendees(
        by=bob,
        training=new_year,
        attendees=[services.AttendeeData(kind=AttendeeKind.SECRETARY, party_organization=d["west"], name="刘代理")],
    )
    d["spring"], d["new_year"] = spring, new_year
    return d
