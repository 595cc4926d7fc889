"""The former yes/no five-goods ratings (``coverage.FiveGoodsRating``) become assessments: the
result, unit, date, note and recorder carried over, no scores; backwards they are ratings again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from liangxin.standards.models import FiveGoodsAssessment
from liangxin.testing.factories import PartyOrganizationFactory, UserFactory

BEFORE = [("standards", "0001_initial"), ("coverage", "0011_drop_yearly_tally")]


@pytest.mark.django_db(transaction=True)
def test_ratings_become_assessments_and_back(township_a):
    first, second = PartyOrganizationFactory(township=township_a), PartyOrganizationFactory(township=township_a)
    clerk = UserFactory(role="township_clerk", township=township_a)
    executor = MigrationExecutor(connection)
    latest = [node for app in ("standards", "coverage") for node in executor.loader.graph.leaf_nodes(app)]
    executor.migrate(BEFORE)
    rating = executor.loader.project_state(BEFORE).apps.get_model("coverage", "FiveGoodsRating")
    on = dt.date(2024, 12, 20)
    rating.objects.create(
        party_organization_id=first.pk, year=2024, rated_five_goods=True, rated_by="县两新组织党工委", rated_on=on
    )
    rating.objects.create(
        party_organization_id=second.pk,
        year=2024,
        rated_five_goods=False,
        rated_by="罗雄街道",
        rated_on=on,
        note="制度不全",
        recorded_by_id=clerk.pk,
    )

    executor = MigrationExecutor(connection)
    executor.migrate(latest)
    carried = {
        a.party_organization_id: (
            a.year,
            a.result,
            a.assessing_unit,
            a.assessed_on,
            a.note,
            a.assessed_by_id,
            a.scores(),
        )
        for a in FiveGoodsAssessment.objects.all()
    }
    no_scores = dict.fromkeys(["leadership", "team", "rules", "performance", "public"])
    assert carried == {
        first.pk: (2024, "five_goods", "县两新组织党工委", on, "", None, no_scores),
        second.pk: (2024, "not_met", "罗雄街道", on, "制度不全", clerk.pk, no_scores),
    }

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    rating = executor.loader.project_state(BEFORE).apps.get_model("coverage", "FiveGoodsRating")
    assert sorted(rating.objects.values_list("party_organization_id", "rated_five_goods")) == [
        (first.pk, True),
        (second.pk, False),
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(latest)
