"""The state table the indicators read (``OrganizationState``) is the register's state: the
database triggers mark every organization whose source rows are written, whatever writes them,
and the rows rebuilt for it equal, on every day, what the register says that day."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db.models import Q

from liangxin.census.models import ImportBatch
from liangxin.coverage import compiler, materialized, selectors
from liangxin.coverage.models import OrganizationState, StaleOrganization
from liangxin.orglife.models import ActivityOrganization
from liangxin.registry import services as registry_services
from liangxin.registry.choices import OperatingStatus
from liangxin.registry.models import (
    Organization,
    OrganizationFacts,
    PartyOrganizationCoverage,
)
from liangxin.talent.models import InstructorAssignment
from liangxin.testing.factories import (
    ActivityFactory,
    DepartmentFactory,
    InstructorAssignmentFactory,
    OrganizationFactory,
    PartyOrganizationFactory,
)

pytestmark = pytest.mark.django_db

START = dt.date(2025, 1, 1)


def _stale() -> set[int]:
    return set(StaleOrganization.objects.values_list("organization_id", flat=True))


@pytest.fixture
def org(township_a):
    organization = OrganizationFactory(township=township_a, facts={"valid_from": START, "employees": 20})
    InstructorAssignmentFactory(organization=organization, instructor_name="王指导", valid_from=START)
    PartyOrganizationFactory(township=township_a, founded_on=START, covers=[organization])
    materialized.refresh_stale()
    assert not _stale()
    return organization


def _facts(org):
    return OrganizationFacts.objects.get(organization=org)


def _coverage(org):
    return PartyOrganizationCoverage.objects.get(organization=org)


def _instructor(org):
    return InstructorAssignment.objects.get(organization=org)


def _took_part(org):
    party = PartyOrganizationFactory(township=org.township, founded_on=START)
    activity = ActivityFactory(party_organization=party, held_on=START, organizations=[(org, "took_part")])
    materialized.refresh_stale()
    return activity


WRITES = {
    "facts insert": lambda o: OrganizationFacts.objects.create(
        organization=o, valid_from=dt.date(2024, 1, 1), valid_to=START, employees=3, source="edit"
    ),
    "facts insert of an import": lambda o: OrganizationFacts.objects.create(
        organization=o,
        valid_from=dt.date(2024, 1, 1),
        valid_to=START,
        employees=3,
        source="import",
        import_batch=ImportBatch.objects.create(unit=o.township, file_name="摸底.csv", as_of=dt.date(2024, 1, 1)),
    ),
    "facts figure": lambda o: OrganizationFacts.objects.filter(organization=o).update(full_members=4),
    "facts closed": lambda o: OrganizationFacts.objects.filter(organization=o).update(valid_to=dt.date(2026, 1, 1)),
    "facts deleted": lambda o: _facts(o).delete(),
    "coverage insert": lambda o: PartyOrganizationCoverage.objects.create(
        party_organization=_coverage(o).party_organization, organization=o, valid_from=START, valid_to=START
    ),
    "coverage ended": lambda o: PartyOrganizationCoverage.objects.filter(organization=o).update(
        valid_to=dt.date(2026, 1, 1)
    ),
    "coverage deleted": lambda o: _coverage(o).delete(),
    "instructor insert": lambda o: InstructorAssignmentFactory(
        organization=o, instructor_name="李", valid_from=START, valid_to=dt.date(2025, 2, 1)
    ),
    "instructor ended": lambda o: InstructorAssignment.objects.filter(organization=o).update(
        valid_to=dt.date(2026, 1, 1)
    ),
    "instructor deleted": lambda o: _instructor(o).delete(),
    "activity held in it": lambda o: ActivityFactory(
        party_organization=PartyOrganizationFactory(township=o.township, founded_on=START),
        held_on=START,
        organizations=[(o, "held_in")],
    ),
    "activity it took part in, deleted": lambda o: _took_part(o).delete(),
    "organization size": lambda o: Organization.objects.filter(pk=o.pk).update(above_designated_size=True),
    "organization department": lambda o: Organization.objects.filter(pk=o.pk).update(department=DepartmentFactory()),
    "organization category": lambda o: Organization.objects.filter(pk=o.pk).update(category="social"),
}


@pytest.mark.parametrize("write", sorted(WRITES))
def test_every_write_the_state_depends_on_marks_the_organization(org, write):
    WRITES[write](org)
    assert _stale() == {org.pk}


def test_moving_an_organization_or_merging_it_marks_it(org, township_b):
    Organization.objects.filter(pk=org.pk).update(township=township_b)
    assert _stale() == {org.pk}
    materialized.refresh_stale()
    keep = OrganizationFactory(township=township_b)
    materialized.refresh_stale()
    Organization.objects.filter(pk=org.pk).update(merged_into=keep)
    assert _stale() == {org.pk}
    materialized.refresh_stale()
    assert not OrganizationState.objects.filter(organization=org).exists()


def test_a_moved_facts_row_marks_both_organizations(org, township_a):
    other = OrganizationFactory(township=township_a)
    OrganizationFacts.objects.filter(organization=other).delete()
    materialized.refresh_stale()
    OrganizationFacts.objects.filter(organization=org).update(organization=other, valid_from=dt.date(2020, 1, 1))
    assert _stale() == {org.pk, other.pk}


def test_writes_the_state_does_not_read_mark_nothing(org):
    OrganizationFacts.objects.filter(organization=org).update(owner_attitude="supportive", payroll=12)
    Organization.objects.filter(pk=org.pk).update(name="改了名字的公司", address="罗雄街道")
    InstructorAssignment.objects.filter(organization=org).update(instructor_name="张指导")
    assert not _stale()


def test_a_read_refreshes_what_a_service_changed(org, alice):
    before = selectors.indicator_table(user=alice, as_of=dt.date(2026, 6, 1), by="county")[0]
    assert before.values["employees"].numerator == 20
    registry_services.record_facts(
        by=alice, organization=org, valid_from=dt.date(2026, 5, 1), facts=registry_services.FactsData(employees=75)
    )
    assert _stale() == {org.pk}
    after = selectors.indicator_table(user=alice, as_of=dt.date(2026, 6, 1), by="county")[0]
    assert after.values["employees"].numerator == 75
    assert not _stale()
    past = selectors.indicator_table(user=alice, as_of=dt.date(2026, 4, 30), by="county")[0]
    assert past.values["employees"].numerator == 20


# --- The rows equal the register, day by day ----------------------------------------------------

DAYS = [START + dt.timedelta(days=n) for n in range(0, 40)]


def _random_register(rng: random.Random, townships, departments) -> list[Organization]:
    """A few organizations with random census intervals (gaps, zero-length ones, a deregistration),
    coverage links (overlapping, from two party organizations) and instructor assignments, dates
    inside ``DAYS``; one organization merged."""
    orgs = []
    parties = [PartyOrganizationFactory.create(township=townships[0], founded_on=START) for _ in range(2)]
    for n in range(6):
        org = Organization.objects.create(
            name=f"随机{n}",
            name_normalized=f"随机{n}",
            category=rng.choice(["economic", "social"]),
            org_type="limited_company",
            township=rng.choice(townships),
            department=rng.choice([None, *departments]),
            above_designated_size=rng.random() < 0.3,
        )
        cuts = sorted(rng.sample(range(0, 38), rng.randint(1, 5)))
        for i, start in enumerate(cuts):
            end = cuts[i + 1] if i + 1 < len(cuts) else None
            if end is None and rng.random() < 0.3:
                end = start + rng.randint(0, 5)
            if rng.random() < 0.2:
                continue  # a gap
            OrganizationFacts.objects.create(
                organization=org,
                valid_from=DAYS[start],
                valid_to=START + dt.timedelta(days=end) if end is not None else None,
                operating_status=rng.choice(
                    [OperatingStatus.OPERATING] * 4 + [OperatingStatus.SUSPENDED, OperatingStatus.DEREGISTERED]
                ),
                employees=rng.randint(0, 120),
                full_members=rng.randint(0, 5),
                probationary_members=rng.randint(0, 2),
                has_union=rng.choice([None, True, False]),
                has_youth_league=rng.choice([None, True, False]),
                has_womens_federation=rng.choice([None, True, False]),
                source="edit",
            )
        for party in parties:
            if rng.random() < 0.7:
                start = rng.randint(0, 36)
                end = start + rng.randint(0, 10) if rng.random() < 0.6 else None
                PartyOrganizationCoverage.objects.create(
                    party_organization=party,
                    organization=org,
                    valid_from=DAYS[start],
                    valid_to=START + dt.timedelta(days=end) if end is not None else None,
                )
        day = rng.randint(0, 20)
        while day < 38 and rng.random() < 0.6:
            end = day + rng.randint(1, 8)
            InstructorAssignmentFactory(
                organization=org,
                instructor_name="指导员",
                valid_from=DAYS[day],
                valid_to=START + dt.timedelta(days=end),
            )
            day = end + rng.randint(0, 3)
        # Activities held in it or that it took part in, some a year before ``DAYS`` so that their
        # 12-month window ends among them.
        for _ in range(rng.randint(0, 3)):
            held_on = START + dt.timedelta(days=rng.randint(-375, 38))
            ActivityFactory(
                party_organization=parties[0],
                held_on=held_on,
                organizations=[(org, rng.choice(["held_in", "took_part"]))],
            )
        orgs.append(org)
    Organization.objects.filter(pk=orgs[-1].pk).update(merged_into=orgs[0])
    return orgs


def _in_window(held_on: dt.date, day: dt.date) -> bool:
    """An activity on ``held_on`` lies in the 12 months up to ``day`` (no 29 February here)."""
    return held_on <= day < held_on.replace(year=held_on.year + 1)


def _holds(row, day) -> bool:
    return row.valid_from <= day and (row.valid_to is None or row.valid_to > day)


def _expected(day: dt.date) -> dict[int, tuple]:
    """The state on ``day`` computed in Python from the register, organization by organization."""
    result = {}
    for org in Organization.objects.filter(merged_into__isnull=True):
        facts = [f for f in OrganizationFacts.objects.filter(organization=org) if _holds(f, day)]
        if not facts or facts[0].operating_status == OperatingStatus.DEREGISTERED:
            continue
        (f,) = facts
        covered = any(_holds(c, day) for c in PartyOrganizationCoverage.objects.filter(organization=org))
        instructor = any(_holds(i, day) for i in InstructorAssignment.objects.filter(organization=org))
        takes_part = any(
            _in_window(a.activity.held_on, day)
            for a in ActivityOrganization.objects.filter(organization=org).select_related("activity")
        )
        result[org.pk] = (
            org.township_id,
            org.department_id,
            org.category,
            org.above_designated_size,
            f.operating_status,
            f.employees,
            f.full_members,
            f.probationary_members,
            f.has_union,
            f.has_youth_league,
            f.has_womens_federation,
            covered,
            instructor,
            takes_part,
        )
    return result


def _found(day: dt.date) -> dict[int, tuple]:
    """The state on ``day`` as the compiler reads it, with the table's own copies of the
    organization's township and department."""
    rows = compiler.organization_state(on=day, scope=Q())
    found = {}
    for r in rows.values(*rows.query.values_select, *rows.query.annotation_select, "township_id", "department_id"):
        assert r["s_id"] not in found, f"two state rows of {r['s_id']} on {day}"
        found[r["s_id"]] = (
            r["township_id"],
            r["department_id"],
            r["s_category"],
            bool(r["s_above_designated_size"]),
            r["s_operating_status"],
            r["s_employees"],
            r["s_full_members"],
            r["s_probationary_members"],
            None if r["s_has_union"] is None else bool(r["s_has_union"]),
            None if r["s_has_youth_league"] is None else bool(r["s_has_youth_league"]),
            None if r["s_has_womens_federation"] is None else bool(r["s_has_womens_federation"]),
            bool(r["s_covered"]),
            bool(r["s_has_instructor"]),
            bool(r["s_takes_part"]),
        )
    return found


@pytest.mark.parametrize("seed", range(8))
def test_the_state_on_every_day_is_the_registers(seed, township_a, township_b, department_x, monkeypatch):
    rng = random.Random(seed)
    orgs = _random_register(rng, [township_a, township_b], [department_x])
    monkeypatch.setattr(materialized, "FULL_SHARE", 10.0)  # by chunks …
    monkeypatch.setattr(materialized, "CHUNK", 4)
    for day in DAYS:
        assert _found(day) == _expected(day), day
    by_chunks = sorted(OrganizationState.objects.values_list(*_STATE_FIELDS))
    materialized.rebuild()  # … and whole: the same rows
    assert sorted(OrganizationState.objects.values_list(*_STATE_FIELDS)) == by_chunks
    # Edit at random and read again: only the marked organizations are rebuilt, and rightly.
    for org in rng.sample(orgs, 3):
        OrganizationFacts.objects.filter(organization=org, valid_to__isnull=True).update(employees=999)
        PartyOrganizationCoverage.objects.filter(organization=org).delete()
        ActivityOrganization.objects.filter(organization=org).delete()
    for day in DAYS[::3]:
        assert _found(day) == _expected(day), day


_STATE_FIELDS = [f.attname for f in OrganizationState._meta.concrete_fields if f.attname != "id"]


def test_a_state_row_never_spans_a_change(township_a):
    org = OrganizationFactory(township=township_a, facts={"valid_from": START})
    PartyOrganizationFactory(township=township_a, founded_on=dt.date(2025, 3, 1), covers=[org])
    materialized.refresh_stale()
    rows = list(OrganizationState.objects.filter(organization=org).order_by("valid_from"))
    assert [(r.valid_from, r.valid_to, r.covered) for r in rows] == [
        (START, dt.date(2025, 3, 1), False),
        (dt.date(2025, 3, 1), None, True),
    ]


def test_the_command_refreshes_the_stale_or_everything(org):
    from io import StringIO

    from django.core.management import call_command

    OrganizationState.objects.all().delete()  # lost rows: only --all brings them back
    OrganizationFacts.objects.filter(organization=org).update(employees=33)
    out = StringIO()
    call_command("refresh_coverage_state", stdout=out)
    assert "1 个有变动的组织" in out.getvalue()
    assert list(OrganizationState.objects.values_list("employees", flat=True)) == [33]
    OrganizationState.objects.all().delete()
    call_command("refresh_coverage_state", stdout=StringIO())
    assert not OrganizationState.objects.exists()
    call_command("refresh_coverage_state", "--all", stdout=out)
    assert "全部组织" in out.getvalue()
    assert list(OrganizationState.objects.values_list("employees", flat=True)) == [33]


# --- The indicators equal a recomputation from the register, day by day ---------------------------

_EXPECTED_FIELDS = (
    "township_id", "department_id", "category", "above_designated_size", "operating_status", "employees",
    "full_members", "probationary_members", "has_union", "has_youth_league", "has_womens_federation", "covered",
    "has_instructor", "takes_part",
)  # fmt: skip


def _python_figures(day: dt.date, by: str, township_id: int | None) -> dict:
    """Group key → indicator code → (numerator, denominator), counted in Python over the state of
    each organization on ``day`` recomputed from the register (``_expected``), with the filters
    evaluated by ``dsl.evaluate`` — no SQL of the compiler involved."""
    from liangxin.coverage import dsl, selectors
    from liangxin.coverage.state import ORGANIZATION_FIELDS

    definitions = [d for d in selectors.indicators() if d.subject == "organization"]
    figures: dict = {}
    for values in _expected(day).values():
        row = dict(zip(_EXPECTED_FIELDS, values, strict=True))
        if township_id is not None and row["township_id"] != township_id:
            continue
        row["members"] = row["full_members"] + row["probationary_members"]
        row["work_covered"] = row["covered"] or row["has_instructor"] or row["takes_part"]
        row["org_type"] = "limited_company"
        key = {"county": 0, "township": row["township_id"], "department": row["department_id"]}[by]
        group = figures.setdefault(key, {})
        for d in definitions:
            den = dsl.evaluate(dsl.parse(d.denominator, ORGANIZATION_FIELDS), row) is True
            num = den and dsl.evaluate(dsl.parse(d.numerator, ORGANIZATION_FIELDS), row) is True
            n, total = group.get(d.code, (0, 0))
            amount = row[d.sum_field] if d.kind == "sum" else 1
            group[d.code] = (n + (amount if num else 0), total + int(den))
    return figures


@pytest.mark.parametrize("seed", range(6))
def test_the_indicators_on_every_day_are_the_registers(seed, township_a, township_b, department_x, alice, bob):
    """The figures of organization indicators by county, township and department, for a county and
    a township user, on every day of random histories: what the compiler's one query over the state
    table gives is what Python counts over the register."""
    from liangxin.coverage import selectors

    rng = random.Random(seed)
    orgs = _random_register(rng, [township_a, township_b], [department_x])
    compiled = [compiler.compile_indicator(d) for d in selectors.indicators() if d.subject == "organization"]
    for round_ in range(2):
        for user in (alice, bob):
            scope = selectors.scope_of(user)
            township = user.township_id
            for by in ("county", "township", "department"):
                for day in DAYS[round_::2]:
                    found = selectors._organization_figures(scope, day, by, compiled)
                    expected = _python_figures(day, by, township)
                    if by == "county":
                        expected = {0: expected.get(0, {})}
                    found = {k: {c: v for c, v in g.items() if v != (0, 0)} for k, g in found.items()}
                    expected = {k: {c: v for c, v in g.items() if v != (0, 0)} for k, g in expected.items()}
                    assert found == expected, (user, by, day)
        for org in rng.sample(orgs, 3):  # edits, then read again
            OrganizationFacts.objects.filter(organization=org, valid_to__isnull=True).update(employees=120)
            PartyOrganizationCoverage.objects.filter(organization=org).delete()
