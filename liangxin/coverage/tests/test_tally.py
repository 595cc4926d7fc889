"""The yearly tally (``StateTally``) answers what the state scan answers: bucketed numbers keep
every comparison of the active filters (``buckets``), and the tally of the nearest 1 January plus
the rows gained since (or until) then, minus the ones lost, give the figures of every day — after
edits (counts appended and subtracted), after a new definition changes the scheme (rebuilt),
after a compaction."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db.models import Q

from liangxin.coverage import buckets, compiler, dsl, materialized, selectors, services
from liangxin.coverage.models import StateTally, TallyScheme
from liangxin.coverage.state import ORGANIZATION_FIELDS
from liangxin.registry.models import OrganizationFacts, PartyOrganizationCoverage

from .test_materialized import DAYS, _random_register

pytestmark = pytest.mark.django_db

# --- Buckets (pure) ------------------------------------------------------------------------------

NUMBER_FIELDS = ["employees", "full_members", "probationary_members", "members"]


def _random_compare(rng: random.Random) -> dsl.Compare:
    field = rng.choice(NUMBER_FIELDS)
    op = rng.choice(dsl.OPS)
    if op == "in":
        return dsl.Compare(field, op, tuple(rng.randint(0, 12) for _ in range(rng.randint(0, 3))))
    return dsl.Compare(field, op, rng.randint(-2, 12))


@pytest.mark.parametrize("seed", range(20))
def test_a_bucket_bound_answers_every_comparison_as_its_numbers_do(seed):
    rng = random.Random(seed)
    filters = [_random_compare(rng) for _ in range(rng.randint(1, 6))]
    scheme = buckets.scheme_of([[node] for node in filters])
    for node in filters:
        assert scheme.part_of([node]) is not None
        bounds = scheme.bounds_of(node.field)
        for value in range(0, 20):
            row = {node.field: value}
            kept = {node.field: buckets.bucket(value, bounds)}
            assert dsl.evaluate(node, kept) == dsl.evaluate(node, row), (node, value, bounds)


def _parse(expr):
    return dsl.parse(expr, ORGANIZATION_FIELDS)


def test_the_scheme_keeps_only_what_the_filters_read_in_parts_no_indicator_mixes():
    scheme = buckets.scheme_of(
        [
            [_parse({"field": "covered", "eq": True}), _parse({"field": "employees", "gte": 50})],
            [_parse({"field": "work_covered", "eq": True}), _parse({})],
            [_parse({"field": "members", "gt": 0}), _parse({"field": "employees", "gte": 100})],
            [_parse({"field": "has_union", "eq": True}), _parse({})],
        ]
    )
    assert scheme.parts == (
        ("covered", "employees", "has_instructor", "members", "takes_part"),
        ("has_union",),
    )
    assert scheme.bounds == (("employees", (50, 100)), ("members", (1,)))
    assert scheme.part_of([_parse({"field": "has_union", "eq": False})]) == 1
    assert scheme.part_of([_parse({})]) == 0
    assert scheme.part_of([_parse({"field": "employees", "gte": 70})]) is None  # no such bound
    assert (
        scheme.part_of([_parse({"field": "has_union", "eq": True}), _parse({"field": "covered", "eq": True})]) is None
    )
    assert scheme.part_of([_parse({"field": "category", "eq": "social"})]) is None  # not kept


# --- The tally against the scan ------------------------------------------------------------------

# Both sides of 1 July (the nearest 1 January changes), year ends, before the tally's first year.
EXTRA_DAYS = [
    dt.date(2024, 6, 1),
    dt.date(2024, 12, 31),
    dt.date(2025, 7, 2),
    dt.date(2025, 7, 3),
    dt.date(2025, 11, 30),
    dt.date(2025, 12, 31),
    dt.date(2026, 1, 1),
    dt.date(2026, 6, 1),
    dt.date(2026, 12, 31),
]


def _scanned(scope: Q, on: dt.date, by: str, compiled) -> dict:
    state = compiler.organization_state(on=on, scope=scope, by=by)
    return compiler.aggregate(state=state, indicators=compiled, grouped=by != "county")


def _assert_tally_equals_scan(users, days):
    compiled = [compiler.compile_indicator(d) for d in selectors.indicators() if d.subject == "organization"]
    for user in users:
        scope = selectors.scope_of(user)
        assert scope.tally is not None
        for by in ("county", "township"):
            for day in days:
                expected = _scanned(scope.states, day, by, compiled)
                assert selectors._organization_figures(scope, day, by, compiled) == expected, (user, by, day)


@pytest.mark.parametrize("seed", range(6))
def test_the_tally_gives_the_scans_figures_on_every_day(
    seed, township_a, township_b, department_x, alice, bob, monkeypatch
):
    monkeypatch.setattr(materialized, "FULL_SHARE", 10.0)  # a few organizations: by chunks, not whole
    rng = random.Random(seed)
    orgs = _random_register(rng, [township_a, township_b], [department_x])
    days = [*DAYS[::2], *EXTRA_DAYS]
    materialized.refresh_stale()
    assert StateTally.objects.exists()
    _assert_tally_equals_scan([alice, bob], days)
    # Edits: counts subtracted and appended by the chunked refresh, never a rebuild.
    built = TallyScheme.objects.get().rows_built
    for org in rng.sample(orgs, 3):
        OrganizationFacts.objects.filter(organization=org, valid_to__isnull=True).update(employees=120, full_members=9)
        PartyOrganizationCoverage.objects.filter(organization=org).delete()
    materialized.refresh_stale()
    row = TallyScheme.objects.get()
    assert row.rows_built == built and row.rows_added > 0
    _assert_tally_equals_scan([alice, bob], days)


def test_a_definition_with_a_new_threshold_rebuilds_the_tally(township_a, township_b, department_x, alice):
    _random_register(random.Random(7), [township_a, township_b], [department_x])
    materialized.refresh_stale()
    before = TallyScheme.objects.get().scheme
    services.define_indicator(
        by=None,
        code="orgs_20_with_members",
        name="20人以上两新组织有党员",
        numerator={"field": "members", "gte": 2},
        denominator={"field": "employees", "gte": 20},
    )
    _assert_tally_equals_scan([alice], [*DAYS[::5], *EXTRA_DAYS])
    after = TallyScheme.objects.get().scheme
    assert after != before
    assert after["bounds"]["employees"] == [20, 50, 100]
    assert after["bounds"]["members"] == [1, 2]


def test_appended_counts_are_compacted(township_a, township_b, department_x, alice, monkeypatch):
    orgs = _random_register(random.Random(3), [township_a, township_b], [department_x])
    materialized.refresh_stale()
    monkeypatch.setattr(materialized, "FULL_SHARE", 10.0)
    monkeypatch.setattr(materialized, "COMPACT_SLACK", 0)
    OrganizationFacts.objects.filter(organization=orgs[0], valid_to__isnull=True).update(employees=77)
    PartyOrganizationCoverage.objects.filter(organization=orgs[1]).delete()
    materialized.refresh_stale()
    row = TallyScheme.objects.get()
    assert row.rows_added == 0 and row.rows_built == StateTally.objects.count()
    assert not StateTally.objects.filter(n__lte=0).exists()
    _assert_tally_equals_scan([alice], [*DAYS[::4], *EXTRA_DAYS])


def test_an_indicator_the_tally_cannot_answer_is_counted_from_the_state(township_a, township_b, department_x, alice):
    """The forecast's tally counts organizations with the policy's minimum of full members, which
    no active definition may use as a threshold: such figures come from the state scan."""
    _random_register(random.Random(5), [township_a, township_b], [department_x])
    scheme = materialized.ensure_fresh().scheme
    odd = compiler.compile_filters(
        code="odd", kind="share", subject="organization", numerator={"field": "covered", "eq": True},
        denominator={"field": "full_members", "gte": 4},
    )  # fmt: skip
    assert compiler.tally_parts(scheme, [odd]) is None
    scope = selectors.scope_of(alice)
    for day in [*DAYS[::6], *EXTRA_DAYS]:
        assert selectors._organization_figures(scope, day, "township", [odd]) == _scanned(
            scope.states, day, "township", [odd]
        )


def test_a_department_or_a_secretary_is_not_counted_from_the_tally(dave, alice):
    assert selectors.scope_of(dave).tally is None
    assert selectors.scope_of(alice).tally == Q()
