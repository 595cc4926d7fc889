"""Rows from other records join a party organization's calendar through
``selectors.CALENDAR_SOURCES`` (the yearly training, once it is recorded): a source's results are
listed, judged and counted as missed like the rules' own."""

from __future__ import annotations

import datetime as dt

import pytest

from liangxin.orglife import compliance, selectors

pytestmark = pytest.mark.django_db

TRAINING = compliance.Rule("yearly_training", "书记年度培训", compliance.YEAR)


def training_rows(*, party_organizations, year, as_of):
    """A stand-in for another app's function: the year's training not attended."""
    period = compliance.period_of(dt.date(year, 1, 1), compliance.YEAR)
    return {p.pk: [compliance.judge(TRAINING, period, [], as_of=as_of)] for p in party_organizations}


def test_a_calendar_source_adds_its_rows(branch_a):
    path = f"{__name__}.training_rows"
    (standing,) = selectors.standings(
        party_organizations=[branch_a], as_of=dt.date(2026, 1, 10), year=2025, sources=[path]
    )
    (row,) = [r for r in standing.results if r.rule.code == "yearly_training"]
    assert (row.period.label, row.status) == ("2025", "missed") and row in standing.missed
    calendar = selectors.calendar(standing, year=2025)
    assert [r.name for r in calendar if r.code == "yearly_training"] == ["书记年度培训"]
    (plain,) = selectors.standings(party_organizations=[branch_a], as_of=dt.date(2026, 1, 10), year=2025, sources=())
    assert not [r for r in plain.results if r.rule.code == "yearly_training"]
