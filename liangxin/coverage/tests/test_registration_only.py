"""An organization known only from a registration list (accepted from a reconciliation, no census
figures yet): it counts in organization totals and coverage denominators — it exists and nobody
covers it — and is left out of the indicators that need figures, which say so."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from liangxin.coverage import selectors
from liangxin.registry import services as registry_services
from liangxin.registry.choices import FactSource
from liangxin.testing.factories import OrganizationFactory, PartyOrganizationFactory

ON = dt.date(2026, 6, 30)


@pytest.fixture
def register(township_a):
    big = OrganizationFactory(township=township_a, facts={"employees": 120, "full_members": 4, "has_union": True})
    PartyOrganizationFactory(township=township_a, covers=[big])
    small = OrganizationFactory(township=township_a, facts={"employees": 60, "full_members": 1})
    listed = OrganizationFactory(
        township=township_a,
        facts={"employees": 0, "full_members": 0, "source": FactSource.REGISTRATION, "valid_from": dt.date(2026, 3, 1)},
    )
    return {"big": big, "small": small, "listed": listed}


def _values():
    return selectors.county_indicator_table(as_of=ON)[0].values


def test_counted_in_totals_and_coverage_left_out_of_indicators_needing_figures(register):
    values = _values()
    assert values["organizations"].value == 3
    assert (values["org_coverage"].numerator, values["org_coverage"].denominator) == (1, 3)
    assert (values["work_coverage"].numerator, values["work_coverage"].denominator) == (1, 3)
    # Figures it lacks: not in the denominator (nor, so, the numerator).
    assert (values["union_coverage"].numerator, values["union_coverage"].denominator) == (1, 2)
    assert values["orgs_50_with_members"].denominator == 2
    assert values["employees"].value == 180


def test_a_survey_of_it_brings_it_into_every_indicator_even_with_figures_equal_to_its_placeholders(register, alice):
    registry_services.record_facts(
        by=alice,
        organization=register["listed"],
        facts=registry_services.FactsData(employees=0, full_members=0),
        valid_from=dt.date(2026, 5, 1),
    )
    values = _values()
    assert (values["union_coverage"].numerator, values["union_coverage"].denominator) == (1, 3)
    assert values["orgs_50_with_members"].denominator == 2  # 0 employees, surveyed: not 50 or more
    assert selectors.indicator_table_page(user=alice, as_of=ON).unsurveyed == 0


def test_the_table_marks_the_indicators_needing_figures_and_says_how_many_it_leaves_out(client, register, alice):
    client.force_login(alice)
    html = client.get(reverse("coverage:table"), {"as_of": ON.isoformat()}).content.decode()
    assert "不含仅有登记信息、尚未摸排的 1 个组织" in html
    assert html.count("<sup>*</sup>") == 1 + len(selectors.figure_indicator_codes(selectors.indicators()))
    assert "工会覆盖率<sup>*</sup>" in html and "组织覆盖率<sup>*</sup>" not in html


def test_the_table_says_nothing_when_every_organization_was_surveyed(client, township_a, alice):
    OrganizationFactory(township=township_a)
    client.force_login(alice)
    html = client.get(reverse("coverage:table"), {"as_of": ON.isoformat()}).content.decode()
    assert "尚未摸排" not in html and "<sup>*</sup>" not in html


def test_the_dashboard_says_so_too_and_its_scan_counts_them(client, register, alice, bob, carol):
    client.force_login(alice)
    html = client.get(reverse("coverage:dashboard"), {"as_of": ON.isoformat()}).content.decode()
    assert "不含仅有登记信息、尚未摸排的 1 个组织" in html
    assert "50人以上有党员<sup>*</sup>" in html and "组织覆盖率<sup>*</sup>" not in html
    tables = selectors.dashboard_tables(user=alice, as_of=ON, groupings=[], ranking_codes=[])
    assert tables.unsurveyed == selectors.indicator_table_page(user=alice, as_of=ON).unsurveyed == 1
    # Another township's clerk: none in his scope, nothing said.
    client.force_login(carol)
    html = client.get(reverse("coverage:dashboard"), {"as_of": ON.isoformat()}).content.decode()
    assert "尚未摸排" not in html
