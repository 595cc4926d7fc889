"""Synthetic province-size register for the coverage benchmark (``bench/coverage_bench.py``).

Writes, in the project's own schema and through its own bulk path (``core.bulk.insert_rows``:
``executemany`` in one transaction), a register of ``1,000,000 × BENCH_SCALE`` organizations and
three times as many members: a few county units with ~1,500 townships and their villages,
departments, organizations (most small, a few large), 1–3 dated census intervals each (some
ending deregistered), party organizations of their own and joint / building branches covering
2–5 organizations (some dissolved), members with dated employments and relations, and
instructor assignments. Every database constraint holds (the insert fails otherwise).

Then :func:`apply_edits` makes 1,000 random edits through the registry services as a county
administrator (audited), and :func:`export_csv` writes the tables the indicators read to CSV
for DuckDB. Everything is deterministic for a seed; ``GENERATOR_VERSION`` is part of the cache
key, so bump it whenever the generated data changes.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import itertools
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.codes import uscc

GENERATOR_VERSION = 2  # 2: instructors are talent-pool entries
SEED = 20091130

DATA_START = dt.date(2009, 1, 1)
# Generated history ends here; the services' edits are dated from here to today.
DATA_END = dt.date(2025, 6, 1)
EDIT_COUNT = 1000
COUNTIES = 8
VILLAGES_PER_TOWNSHIP = 8
DEPARTMENTS = 16
CHUNK = 50_000

# (org_type, category, weight, USCC registration authority)
ORG_TYPES: list[tuple[str, str, float, str]] = [
    ("individual_business", "economic", 40, "9"),
    ("private_enterprise", "economic", 15, "9"),
    ("limited_company", "economic", 20, "9"),
    ("joint_stock_company", "economic", 2, "9"),
    ("foreign_invested", "economic", 1, "9"),
    ("farmers_cooperative", "economic", 8, "9"),
    ("industry_association", "social", 2, "5"),
    ("chamber_of_commerce", "social", 1, "5"),
    ("social_group", "social", 3, "5"),
    ("private_non_enterprise", "social", 4, "5"),
    ("private_school", "social", 2, "5"),
    ("private_hospital", "social", 1, "5"),
    ("law_firm", "social", 0.5, "3"),
    ("accounting_firm", "social", 0.5, "9"),
]
INDUSTRY_CODES = ["", "A", "A01", "C13", "C30", "E47", "F51", "F52", "G54", "H62", "I65", "L72", "M74", "P83", "Q84"]
WORDS = ["蜂业", "煤业", "建材", "商贸", "餐饮", "农机", "茶叶", "油料", "物流", "旅游", "电子", "种植", "养殖", "科技"]


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A random day in ``[start, end]``."""
    span = (end - start).days
    return start + dt.timedelta(days=rng.randint(0, max(span, 0)))


@dataclass
class Sizes:
    scale: float
    organizations: int
    members: int
    townships: int

    @classmethod
    def of(cls, scale: float) -> Sizes:
        organizations = max(2000, int(1_000_000 * scale))
        # 1,500 townships for the province; fewer (but enough groups to compare) when scaled down.
        townships = max(40, min(1500, int(1500 * scale**0.5)))
        return cls(scale=scale, organizations=organizations, members=3 * organizations, townships=townships)


@dataclass
class Counts:
    """Rows written per table (printed by the benchmark)."""

    rows: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, n: int) -> None:
        self.rows[table] = self.rows.get(table, 0) + n


# A five-goods assessment without scores has empty comments (not NULL).
_COMMENT_COLUMNS = tuple(f"{part}_comment" for part in ("leadership", "team", "rules", "performance", "public"))
_NO_COMMENTS = ("",) * len(_COMMENT_COLUMNS)


def _insert(model: Any, names: Sequence[str], rows: Iterable[Sequence[Any]], counts: Counts) -> None:
    from liangxin.core.bulk import insert_rows

    iterator = iter(rows)
    total = 0
    while True:
        chunk = list(itertools.islice(iterator, CHUNK))
        if not chunk:
            break
        insert_rows(model, names, chunk)
        total += len(chunk)
    counts.add(model._meta.db_table, total)


def generate(sizes: Sizes, *, log: Callable[[str], None] = print) -> Counts:
    """Write the synthetic register into the (migrated, empty) default database."""
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from liangxin.geo.models import FAR_PAST, AdministrativeUnit, Department
    from liangxin.registry.models import (
        Employment,
        Member,
        Organization,
        OrganizationFacts,
        PartyOrganization,
        PartyOrganizationCoverage,
        PartyRelation,
    )
    from liangxin.talent.models import InstructorAssignment, PoolEntry

    rng = random.Random(SEED)
    now = timezone.now()
    counts = Counts()
    n_org = sizes.organizations

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # A fresh file: a rollback journal costs little here, a 3 GB WAL a lot.
            cursor.execute("PRAGMA journal_mode=DELETE")
            cursor.execute("PRAGMA cache_size=-1048576")

    with transaction.atomic():
        # --- Administrative units and departments ---------------------------------------------
        unit_rows: list[tuple[Any, ...]] = []
        township_ids: list[int] = []
        villages_of: dict[int, list[int]] = {}
        township_region: dict[int, str] = {}
        unit_id = 0
        per_county = -(-sizes.townships // COUNTIES)
        made = 0
        for c in range(1, COUNTIES + 1):
            county_code = f"539{c:03d}"
            unit_id += 1
            county_id = unit_id
            unit_rows.append((county_id, county_code, f"基准县{c}", 1, None, county_code, FAR_PAST))
            for t in range(1, per_county + 1):
                if made == sizes.townships:
                    break
                made += 1
                code = f"{county_code}{t:03d}"
                unit_id += 1
                tid = unit_id
                township_ids.append(tid)
                township_region[tid] = county_code
                unit_rows.append((tid, code, f"基准县{c}第{t}乡镇", 2, county_id, f"{county_code}/{code}", FAR_PAST))
                villages_of[tid] = []
                for v in range(1, VILLAGES_PER_TOWNSHIP + 1):
                    vcode = f"{code}{v:03d}"
                    unit_id += 1
                    villages_of[tid].append(unit_id)
                    unit_rows.append(
                        (unit_id, vcode, f"{c}-{t}村{v}", 3, tid, f"{county_code}/{code}/{vcode}", FAR_PAST)
                    )
        _insert(
            AdministrativeUnit, ["id", "code", "name", "level", "parent_id", "path", "valid_from"], unit_rows, counts
        )
        _insert(
            Department,
            ["id", "code", "name", "is_active"],
            [(d, f"BD{d:02d}", f"基准行业主管部门{d}", True) for d in range(1, DEPARTMENTS + 1)],
            counts,
        )
        log(f"  units: {len(unit_rows):,} ({len(township_ids):,} townships)")

        # --- Organizations ------------------------------------------------------------------
        type_weights = list(itertools.accumulate(w for _t, _c, w, _a in ORG_TYPES))
        township_weights = list(itertools.accumulate(rng.paretovariate(1.5) for _ in township_ids))
        org_township = [0] * (n_org + 1)
        org_employees = [0] * (n_org + 1)
        org_merged = bytearray(n_org + 1)
        kinds = rng.choices(range(len(ORG_TYPES)), cum_weights=type_weights, k=n_org)
        townships_drawn = rng.choices(township_ids, cum_weights=township_weights, k=n_org)

        def organizations() -> Iterator[tuple[Any, ...]]:
            for i in range(1, n_org + 1):
                org_type, category, _w, authority = ORG_TYPES[kinds[i - 1]]
                tid = townships_drawn[i - 1]
                org_township[i] = tid
                if org_type == "individual_business":
                    employees = min(int(rng.paretovariate(2.2)), 30)
                    code = uscc(i, authority, township_region[tid]) if rng.random() < 0.5 else None
                else:
                    employees = min(int(rng.paretovariate(1.1) * 3), 30_000)
                    code = uscc(i, authority, township_region[tid])
                org_employees[i] = employees
                merged_into = None
                if i > 1 and rng.random() < 0.002:
                    merged_into = rng.randint(1, i - 1)
                    org_merged[i] = 1
                name = f"{WORDS[i % len(WORDS)]}{i}号{'店' if org_type == 'individual_business' else '公司'}"
                r = rng.random()
                yield (
                    i,
                    code,
                    name,
                    name,
                    f"JZ{i}",
                    f"jizhun{i}",
                    [],
                    category,
                    org_type,
                    INDUSTRY_CODES[i % len(INDUSTRY_CODES)],
                    tid,
                    villages_of[tid][i % VILLAGES_PER_TOWNSHIP] if r < 0.6 else None,
                    (i % DEPARTMENTS) + 1 if r < 0.7 else None,
                    employees >= 100 and r < 0.5,
                    None if r < 0.5 else r < 0.6,
                    merged_into,
                    now,
                    now,
                    1,
                    "",
                    "",
                    "",
                )

        _insert(
            Organization,
            [
                "id", "uscc", "name", "name_normalized", "name_initials", "name_pinyin", "former_names", "category",
                "org_type", "industry_code", "township_id", "village_id", "department_id", "above_designated_size",
                "owner_is_member", "merged_into_id", "created_at", "updated_at", "version", "address",
                "contact_person", "contact_phone",
            ],
            organizations(),
            counts,
        )  # fmt: skip
        log(f"  organizations: {n_org:,}")

        # --- Members' employers (drawn first: the census figures follow from them) -----------
        def member_weight(e: int) -> float:
            p = 0.12 if e < 5 else 0.35 if e < 20 else 0.65 if e < 100 else 0.95
            return (e**0.75 + 1.0) if rng.random() < p else 0.0

        member_weights = list(itertools.accumulate(member_weight(org_employees[i]) for i in range(1, n_org + 1)))
        employer = rng.choices(range(1, n_org + 1), cum_weights=member_weights, k=sizes.members)
        probationary = [rng.random() < 0.08 for _ in range(sizes.members)]
        has_open_job = [rng.random() < 0.95 for _ in range(sizes.members)]
        full_at = [0] * (n_org + 1)
        prob_at = [0] * (n_org + 1)
        for m in range(sizes.members):
            if has_open_job[m]:
                if probationary[m]:
                    prob_at[employer[m]] += 1
                else:
                    full_at[employer[m]] += 1

        # --- Census facts: 1–3 dated intervals, the last open ---------------------------------
        org_first_day: list[dt.date | None] = [None] * (n_org + 1)
        org_deregistered: list[dt.date | None] = [None] * (n_org + 1)
        statuses = ["operating"] * 17 + ["suspended", "closed"]
        tri: list[bool | None] = [None, None, True, False, False]
        attitudes = ["", "", "supportive", "neutral", "unsupportive"]

        def facts() -> Iterator[tuple[Any, ...]]:
            fid = 0
            for i in range(1, n_org + 1):
                if rng.random() < 0.005:
                    continue  # registered, never counted
                n_intervals = rng.choices((1, 2, 3), cum_weights=(50, 85, 100))[0]
                start = _day(rng, DATA_START, DATA_END - dt.timedelta(days=30))
                org_first_day[i] = start
                bounds = [start]
                for _ in range(n_intervals - 1):
                    nxt = bounds[-1] + dt.timedelta(days=rng.choice((0, 90, 200, 365, 700, 1200)))
                    if nxt >= DATA_END:
                        break
                    bounds.append(nxt)
                last = len(bounds) - 1
                final_status = rng.choices(
                    ("operating", "suspended", "closed", "deregistered"), cum_weights=(88, 91, 94, 100)
                )[0]
                for k, valid_from in enumerate(bounds):
                    fid += 1
                    valid_to = bounds[k + 1] if k < last else None
                    if k == last:
                        employees, full, prob, status = org_employees[i], full_at[i], prob_at[i], final_status
                        if status == "deregistered":
                            org_deregistered[i] = valid_from
                    else:
                        shrink = last - k
                        employees = max(0, int(org_employees[i] * rng.uniform(0.5, 1.2)))
                        full = max(0, full_at[i] - rng.randint(0, 2 * shrink))
                        prob = max(0, prob_at[i] - rng.randint(0, shrink))
                        status = statuses[rng.randrange(len(statuses))]
                    yield (
                        fid, i, valid_from, valid_to, status, employees, full, prob,
                        attitudes[rng.randrange(5)], tri[rng.randrange(5)], tri[rng.randrange(5)],
                        tri[rng.randrange(5)], tri[rng.randrange(5)], "import", now,
                    )  # fmt: skip

        _insert(
            OrganizationFacts,
            [
                "id", "organization_id", "valid_from", "valid_to", "operating_status", "employees", "full_members",
                "probationary_members", "owner_attitude", "secretary_candidate_available", "has_union",
                "has_youth_league", "has_womens_federation", "source", "recorded_at",
            ],
            facts(),
            counts,
        )  # fmt: skip
        log(f"  facts: {counts.rows[OrganizationFacts._meta.db_table]:,}")

        # --- Party organizations and their coverage -------------------------------------------
        po_rows: list[tuple[Any, ...]] = []
        cov_rows: list[tuple[Any, ...]] = []
        covered_by: dict[int, tuple[int, dt.date, dt.date | None]] = {}  # org → open coverage

        def founded_for(orgs: Sequence[int]) -> dt.date:
            earliest = max(org_first_day[o] or DATA_START for o in orgs)
            return _day(rng, earliest, DATA_END - dt.timedelta(days=1))

        def add_po(orgs: Sequence[int], kind: str, method: str) -> None:
            pid = len(po_rows) + 1
            founded = founded_for(orgs)
            dissolved = _day(rng, founded, DATA_END) if rng.random() < 0.05 else None
            po_rows.append(
                (
                    pid, f"基准党组织{pid}", f"基准党组织{pid}", kind, method, org_township[orgs[0]], None,
                    founded, dissolved, "撤销" if dissolved else "",
                )
            )  # fmt: skip
            for o in orgs:
                start = founded if rng.random() < 0.9 else _day(rng, founded, dissolved or DATA_END)
                end = dissolved
                dereg = org_deregistered[o]
                if dereg is not None and (end is None or dereg < end):
                    end = max(dereg, start)
                if end is None and rng.random() < 0.03:
                    end = _day(rng, start, DATA_END)  # the organization left the joint branch
                cov_rows.append((len(cov_rows) + 1, pid, o, start, end))
                if end is None or end > start:
                    covered_by[o] = (pid, start, end)

        small_by_township: dict[int, list[int]] = {}
        for i in range(1, n_org + 1):
            if org_merged[i] or org_first_day[i] is None:
                continue
            if full_at[i] >= 3 and rng.random() < 0.6:
                kind = "committee" if full_at[i] >= 100 else "general_branch" if full_at[i] >= 50 else "branch"
                add_po([i], kind, "independent")
            elif rng.random() < 0.42:
                small_by_township.setdefault(org_township[i], []).append(i)
        for tid in township_ids:
            pool = small_by_township.get(tid, [])
            rng.shuffle(pool)
            while len(pool) >= 2:
                size = min(rng.randint(2, 5), len(pool))
                group, pool = pool[:size], pool[size:]
                kind, method = rng.choice(
                    [("joint_branch", "joint"), ("joint_branch", "joint"), ("building_branch", "territorial"),
                     ("branch", "host_based"), ("joint_branch", "joint"), ("building_branch", "territorial"),
                     ("branch", "host_based"), ("temporary_branch", "territorial"), ("mobile_members_branch", "joint")]
                )  # fmt: skip
                add_po(group, kind, method)
        _insert(
            PartyOrganization,
            [
                "id", "name", "name_normalized", "kind", "formation_method", "township_id", "parent_id",
                "founded_on", "dissolved_on", "dissolution_reason",
            ],
            po_rows,
            counts,
        )  # fmt: skip
        _insert(
            PartyOrganizationCoverage,
            ["id", "party_organization_id", "organization_id", "valid_from", "valid_to"],
            cov_rows,
            counts,
        )
        log(f"  party organizations: {len(po_rows):,}, coverage links: {len(cov_rows):,}")

        # --- Members, employments, relations ------------------------------------------------
        educations = ["", "junior", "senior", "college", "bachelor", "bachelor", "postgraduate"]
        employment_rows: list[tuple[Any, ...]] = []
        relation_rows: list[tuple[Any, ...]] = []

        def members() -> Iterator[tuple[Any, ...]]:
            for m in range(sizes.members):
                mid = m + 1
                digest = hashlib.sha256(f"bench-member-{mid}".encode()).hexdigest()
                birth = _day(rng, dt.date(1945, 1, 1), dt.date(2003, 12, 31))
                if probationary[m]:
                    admitted = _day(rng, DATA_END - dt.timedelta(days=360), DATA_END)
                    full_on = None
                    status = "probationary"
                else:
                    admitted = _day(rng, birth + dt.timedelta(days=18 * 366), dt.date(2024, 1, 1))
                    full_on = admitted + dt.timedelta(days=365)
                    status = "full"
                if admitted <= birth:
                    admitted = birth + dt.timedelta(days=18 * 366)
                    if full_on is not None:
                        full_on = admitted + dt.timedelta(days=365)
                org = employer[m]
                since = _day(rng, org_first_day[org] or DATA_START, DATA_END)
                if rng.random() < 0.1:
                    before = rng.randint(1, n_org)
                    begun = _day(rng, DATA_START, since)
                    employment_rows.append((before, mid, begun, since))
                if has_open_job[m]:
                    employment_rows.append((org, mid, since, None))
                cover = covered_by.get(org)
                if cover is not None and has_open_job[m]:
                    pid, cstart, cend = cover
                    rstart = max(since, cstart)
                    if cend is None or rstart < cend:
                        relation_rows.append((mid, pid, rstart, cend))
                yield (
                    mid, f"党员{mid}", "v1:" + digest[:60], digest, f"5390**********{mid % 10000:04d}",
                    "M" if mid % 3 else "F", birth, status, admitted, full_on, "", educations[mid % 7], "",
                    now, now,
                )  # fmt: skip

        _insert(
            Member,
            [
                "id", "name", "id_number_encrypted", "id_number_hash", "id_number_masked", "sex", "birth_date",
                "status", "admitted_on", "full_membership_on", "position", "education", "phone",
                "created_at", "updated_at",
            ],
            members(),
            counts,
        )  # fmt: skip
        _insert(
            Employment,
            ["id", "organization_id", "member_id", "valid_from", "valid_to", "position"],
            ((k + 1, *row, "") for k, row in enumerate(employment_rows)),
            counts,
        )
        _insert(
            PartyRelation,
            ["id", "member_id", "party_organization_id", "valid_from", "valid_to"],
            ((k + 1, *row) for k, row in enumerate(relation_rows)),
            counts,
        )
        log(f"  members: {sizes.members:,}, employments: {len(employment_rows):,}, relations: {len(relation_rows):,}")
        employment_rows.clear()
        relation_rows.clear()

        # --- Instructors ---------------------------------------------------------------------
        # Each from the talent pool: one entry per name and township, as the census import makes them.
        instructor_rows: list[tuple[Any, ...]] = []
        pool_entries: dict[tuple[int, str], int] = {}
        for i in range(1, n_org + 1):
            if i in covered_by or org_merged[i] or rng.random() >= 0.08:
                continue
            start = _day(rng, org_first_day[i] or DATA_START, DATA_END)
            end = _day(rng, start, DATA_END) if rng.random() < 0.25 else None
            name = f"指导员{(len(instructor_rows) + 1) % 997}"
            person = pool_entries.setdefault((org_township[i], name), len(pool_entries) + 1)
            instructor_rows.append((len(instructor_rows) + 1, i, name, person, start, end))
        _insert(
            PoolEntry,
            [
                "id",
                "name",
                "name_key",
                "township_id",
                "id_number_encrypted",
                "id_number_masked",
                "skills",
                "availability",
                "origin",
                "to_complete",
                "created_at",
                "updated_at",
            ],
            (
                (pk, name, name, township, "", "", "", "part_time", "census", True, now, now)
                for (township, name), pk in pool_entries.items()
            ),
            counts,
        )
        _insert(
            InstructorAssignment,
            ["id", "organization_id", "instructor_name", "person_id", "valid_from", "valid_to", "method", "end_reason"],
            ((*row, "", "") for row in instructor_rows),
            counts,
        )
        instructor_rows.clear()

        # --- Five-goods assessments (standards app): most party organizations, most years --------
        rating_model = five_goods_model()
        if rating_model is not None:

            def ratings() -> Iterator[tuple[Any, ...]]:
                rid = 0
                for pid, *_rest, founded, dissolved, _reason in po_rows:
                    last_year = (dissolved or DATA_END).year
                    for year in range(max(founded.year, 2012), last_year + 1):
                        if rng.random() >= 0.6:
                            continue
                        rid += 1
                        # Rated late in the year or early the next: "rated on or before D" matters.
                        rated_on = dt.date(year, 11, 1) + dt.timedelta(days=rng.randint(0, 150))
                        result = "five_goods" if rng.random() < 0.7 else "not_met"
                        yield (rid, pid, year, result, "县两新党工委", rated_on, "", now, 1, *_NO_COMMENTS)

            _insert(
                rating_model,
                [
                    "id",
                    "party_organization_id",
                    "year",
                    "result",
                    "assessing_unit",
                    "assessed_on",
                    "note",
                    "recorded_at",
                    "version",
                    *_COMMENT_COLUMNS,
                ],
                ratings(),
                counts,
            )
            models_extra: list[Any] = [rating_model]
        else:
            models_extra = []

        # PostgreSQL: explicit ids leave the sequences behind; move them past the rows.
        models = [*models_extra,
            AdministrativeUnit, Department, Organization, OrganizationFacts, PartyOrganization,
            PartyOrganizationCoverage, Member, Employment, PartyRelation, PoolEntry, InstructorAssignment,
        ]  # fmt: skip
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA journal_mode=WAL")
    return counts


def five_goods_model() -> Any:
    """The standards app's ``FiveGoodsAssessment`` model when the app is installed, else None."""
    from django.apps import apps

    if not apps.is_installed("liangxin.standards"):
        return None
    return apps.get_model("standards", "FiveGoodsAssessment")


# --- Edits through the services ------------------------------------------------------------------


def bench_users() -> tuple[Any, Any]:
    """The county administrator who edits, and a township clerk of the largest township."""
    from django.db.models import Count
    from django.utils import timezone

    from liangxin.accounts.models import User
    from liangxin.geo.models import AdministrativeUnit

    admin, _ = User.objects.get_or_create(
        username="bench-county-admin",
        defaults={"role": "county_admin", "full_name": "基准管理员", "password_changed_at": timezone.now()},
    )
    largest = (
        AdministrativeUnit.objects.filter(level=2)
        .annotate(n=Count("organizations"))
        .order_by("-n", "code")
        .values_list("pk", flat=True)
        .first()
    )
    clerk, _ = User.objects.get_or_create(
        username="bench-township-clerk",
        defaults={
            "role": "township_clerk",
            "township_id": largest,
            "full_name": "基准乡镇工作人员",
            "password_changed_at": timezone.now(),
        },
    )
    return admin, clerk


def apply_edits(count: int = EDIT_COUNT, *, seed: int = SEED + 1) -> dict[str, int]:
    """``count`` random edits through ``registry.services`` as the county administrator: new census
    figures, deregistrations, new (also joint) party organizations, dissolutions, job changes."""
    from dataclasses import asdict

    from django.db.models import Max

    from liangxin.core.dates import today
    from liangxin.core.errors import ServiceError
    from liangxin.registry import services
    from liangxin.registry.models import (
        Member,
        Organization,
        OrganizationFacts,
        PartyOrganization,
    )

    rng = random.Random(seed)
    admin, _clerk = bench_users()
    last_day = max(today(), DATA_END)
    max_org = Organization.objects.aggregate(m=Max("pk"))["m"] or 0
    max_po = PartyOrganization.objects.aggregate(m=Max("pk"))["m"] or 0
    max_member = Member.objects.aggregate(m=Max("pk"))["m"] or 0
    done: dict[str, int] = {}
    refused = 0

    def org() -> Organization | None:
        return Organization.objects.filter(pk=rng.randint(1, max_org), merged_into__isnull=True).first()

    def edit_day(not_before: dt.date) -> dt.date:
        return _day(rng, max(DATA_END, not_before), last_day)

    attempts = 0
    while sum(done.values()) < count and attempts < 20 * count:
        attempts += 1
        action = rng.choices(
            ("record_facts", "deregister", "create_party_org", "dissolve", "change_employment"),
            cum_weights=(50, 62, 80, 90, 100),
        )[0]
        try:
            if action == "record_facts":
                o = org()
                if o is None:
                    continue
                current = OrganizationFacts.objects.filter(organization=o, valid_to__isnull=True).first()
                base = services.FactsData(**services._facts_snapshot(current)) if current else services.FactsData()  # type: ignore[arg-type]
                if base.operating_status == "deregistered":
                    continue
                changed = asdict(base) | {
                    "employees": max(0, base.employees + rng.randint(-5, 60)),
                    "full_members": max(0, base.full_members + rng.randint(-1, 4)),
                    "probationary_members": max(0, base.probationary_members + rng.randint(-1, 2)),
                    "operating_status": rng.choice(["operating"] * 6 + ["suspended", "closed"]),
                }
                services.record_facts(
                    by=admin,
                    organization=o,
                    facts=services.FactsData(**changed),
                    valid_from=edit_day(current.valid_from if current else DATA_END),
                )
            elif action == "deregister":
                o = org()
                if o is None:
                    continue
                current = OrganizationFacts.objects.filter(organization=o, valid_to__isnull=True).first()
                services.deregister_organization(
                    by=admin,
                    organization=o,
                    on=edit_day(current.valid_from if current else DATA_END),
                    reason="基准注销",
                )
            elif action == "create_party_org":
                o = org()
                if o is None:
                    continue
                size = rng.choice([1, 1, 2, 3, 4, 5])
                candidates = list(
                    Organization.objects.filter(township_id=o.township_id, merged_into__isnull=True)
                    .exclude(coverages__valid_to__isnull=True)
                    .exclude(facts__valid_to__isnull=True, facts__operating_status="deregistered")
                    .filter(pk__gte=o.pk)
                    .order_by("pk")[:size]
                )
                if not candidates:
                    continue
                kind, method = ("branch", "independent") if len(candidates) == 1 else ("joint_branch", "joint")
                services.create_party_organization(
                    by=admin,
                    name=f"基准新建党组织{o.pk}-{rng.randrange(10**9)}",
                    kind=kind,
                    formation_method=method,
                    township=o.township,
                    founded_on=edit_day(DATA_END),
                    organizations=candidates,
                )
            elif action == "dissolve":
                po = PartyOrganization.objects.filter(pk__gte=rng.randint(1, max_po), dissolved_on__isnull=True).first()
                if po is None:
                    continue
                services.dissolve_party_organization(
                    by=admin, party_organization=po, on=edit_day(po.founded_on), reason="基准撤销"
                )
            else:
                member = Member.objects.filter(pk=rng.randint(1, max_member)).first()
                o = org()
                if member is None or o is None:
                    continue
                last_job = member.employments.order_by("-valid_from").values_list("valid_from", flat=True).first()
                services.change_employment(by=admin, member=member, organization=o, on=edit_day(last_job or DATA_END))
            done[action] = done.get(action, 0) + 1
        except ServiceError:
            refused += 1
    done["refused"] = refused
    return done


# --- Export for DuckDB -------------------------------------------------------------------------

# table → columns the indicators (or their groupings) may read.
EXPORT: dict[str, list[str]] = {
    "geo_administrativeunit": ["id", "code", "name", "level", "parent_id", "valid_from", "valid_to"],
    "geo_department": ["id", "code", "name", "is_active"],
    "registry_organization": [
        "id", "category", "org_type", "industry_code", "township_id", "village_id", "department_id",
        "above_designated_size", "owner_is_member", "merged_into_id",
    ],
    "registry_organizationfacts": [
        "id", "organization_id", "valid_from", "valid_to", "operating_status", "employees", "full_members",
        "probationary_members", "has_union", "has_youth_league", "has_womens_federation",
    ],
    "registry_partyorganization": [
        "id", "kind", "formation_method", "township_id", "parent_id", "founded_on", "dissolved_on",
    ],
    "registry_partyorganizationcoverage": ["id", "party_organization_id", "organization_id", "valid_from", "valid_to"],
    "registry_member": ["id", "status", "admitted_on", "full_membership_on"],
    "registry_employment": ["id", "member_id", "organization_id", "valid_from", "valid_to"],
    "registry_partyrelation": ["id", "member_id", "party_organization_id", "valid_from", "valid_to"],
    "registry_instructorassignment": ["id", "organization_id", "valid_from", "valid_to"],
    "standards_fivegoodsassessment": ["id", "party_organization_id", "year", "result", "assessed_on"],
}  # fmt: skip
NULL = r"\N"


def _cell(value: Any) -> Any:
    if value is None:
        return NULL
    if value is True:
        return "true"
    if value is False:
        return "false"
    return value


def export_csv(directory: Path, tables: dict[str, list[str]] | None = None) -> dict[str, int]:
    """Write each table's columns to ``directory/<table>.csv`` (NULL as ``\\N``), from the
    default database after the edits. Returns rows per table."""
    from django.db import connection

    directory.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    bool_columns = {"above_designated_size", "owner_is_member", "has_union", "has_youth_league",
                    "has_womens_federation", "is_active", "rated_five_goods"}  # fmt: skip
    present = set(connection.introspection.table_names())
    for table, columns in (tables or EXPORT).items():
        if table not in present:
            continue
        path = directory / f"{table}.csv"
        tmp = path.with_suffix(".tmp")
        n = 0
        quote = connection.ops.quote_name
        with connection.cursor() as cursor, open(tmp, "w", newline="", encoding="utf-8") as fh:
            cursor.execute(f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(table)} ORDER BY id")
            writer = csv.writer(fh)
            writer.writerow(columns)
            flags = [c in bool_columns for c in columns]
            while True:
                rows = cursor.fetchmany(20_000)
                if not rows:
                    break
                for row in rows:
                    writer.writerow(
                        [_cell(bool(v) if f and v is not None else v) for v, f in zip(row, flags, strict=True)]
                    )
                n += len(rows)
        tmp.rename(path)
        written[table] = n
    return written
