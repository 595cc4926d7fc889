"""The filters list pages share (``core.forms``): which year a page shows when none is asked for,
what the year box then says, and the township choice offered only where the view gives one."""

import datetime as dt

import pytest
from django.http import QueryDict

from liangxin.core.forms import TownshipFilterForm, YearFilterForm
from liangxin.geo.models import AdministrativeUnit
from liangxin.standards.forms import AssessmentFilterForm

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_2026_05_20(monkeypatch):
    monkeypatch.setattr("liangxin.core.forms.today", lambda: dt.date(2026, 5, 20))


def test_a_page_asked_for_no_year_shows_this_year_and_its_box_says_so(on_2026_05_20):
    form = YearFilterForm(QueryDict(""))
    assert form.chosen_year() == 2026
    assert 'value="2026"' in str(form["year"])
    assert YearFilterForm(QueryDict("year=2019")).chosen_year() == 2019


def test_the_assessments_show_last_year_when_none_is_asked_for(on_2026_05_20):
    # A year is assessed once it is over.
    form = AssessmentFilterForm(QueryDict(""))
    assert form.chosen_year() == 2025
    assert 'value="2025"' in str(form["year"])


@pytest.mark.parametrize("typed", ["1999", "2101", "二〇二四"])
def test_a_year_out_of_bounds_or_not_a_number_is_an_error_and_the_page_shows_the_default(on_2026_05_20, typed):
    form = YearFilterForm(QueryDict(f"year={typed}"))
    assert form.chosen_year() == 2026
    assert "year" in form.errors


def test_the_township_is_offered_only_among_those_given_after_the_year(township_a, township_b):
    offered = AdministrativeUnit.objects.filter(pk=township_a.pk)
    form = YearFilterForm(QueryDict(f"township={township_a.pk}"), townships=offered)
    assert list(form.fields) == ["year", "township"]
    assert form.chosen_township() == township_a
    assert [label for _value, label in form.fields["township"].choices] == ["全部", "罗雄街道"]

    outside = YearFilterForm(QueryDict(f"township={township_b.pk}"), townships=offered)
    assert outside.chosen_township() is None and "township" in outside.errors


def test_a_view_that_gives_no_townships_gets_no_township_field(township_a):
    form = TownshipFilterForm(QueryDict(f"township={township_a.pk}"))
    assert "township" not in form.fields
    assert form.chosen_township() is None
