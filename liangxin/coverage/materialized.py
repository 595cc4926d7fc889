"""Keeping ``OrganizationState`` (the state the indicators read) up to date.

The table is derived from the register: each organization's census intervals, coverage links and
instructor assignments, their dates merged into one timeline. Database triggers (migration 0004)
record in ``StaleOrganization`` every organization whose source rows were written, whatever wrote
them; ``ensure_fresh`` — called by the compiler before it reads the table — recomputes those
organizations' rows. So the table is never read out of date, and no write path has to know
about it, with one exception: the census intervals a census import inserts skip the trigger, and
the import marks their organizations itself (``mark_imported_stale``, one statement per batch).

The recomputation is set-based SQL (window functions and ``DELETE … RETURNING``: SQLite ≥ 3.35,
PostgreSQL), by chunks of organizations, or for the whole register when most of it is stale
(after a large import, or the migration). On PostgreSQL the stale marks are claimed with
``DELETE … RETURNING`` inside the transaction, so two concurrent refreshes never build the same
organization twice; a mark written meanwhile by another transaction stays for the next refresh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Min

from liangxin.core.dates import today
from liangxin.registry.choices import OperatingStatus
from liangxin.registry.models import Organization, OrganizationFacts

from . import buckets, dsl
from .choices import Subject
from .models import Indicator, OrganizationState, StaleOrganization, StateTally, TallyScheme
from .state import ORGANIZATION_FIELDS

CHUNK = 2000  # organizations per statement (bind parameters stay far below SQLite's limit)
FULL_SHARE = 0.2  # rebuild everything when more than this share of the register is stale

STATE = OrganizationState._meta.db_table
STALE = StaleOrganization._meta.db_table
TALLY = StateTally._meta.db_table
BASE = "coverage_tally_base"  # a temporary table of ``_add_to_tally``


@dataclass(frozen=True)
class Source:
    """A table the state is computed from: ``key`` is its organization column, ``columns`` the
    others the state reads. Its triggers (``triggers.py``) mark the organization stale on an insert
    (when ``insert_when`` holds, if given), a delete, and an update changing one of them."""

    table: str
    key: str
    columns: tuple[str, ...]
    on_insert: bool = True
    on_delete: bool = True
    insert_when: str = ""


# The census figures the state copies, and the organization's grouping columns it copies.
FACT_COLUMNS = (
    "operating_status", "employees", "full_members", "probationary_members", "has_union", "has_youth_league",
    "has_womens_federation",
)  # fmt: skip
ORGANIZATION_COLUMNS = ("township_id", "department_id", "category", "org_type", "above_designated_size")
_INTERVAL = ("valid_from", "valid_to")

SOURCES = (
    # The census intervals an import inserts are marked by the import, in one statement at its end
    # (``mark_imported_stale``): a trigger run per row was a tenth of a million-row import.
    Source(
        "registry_organizationfacts", "organization_id", (*_INTERVAL, *FACT_COLUMNS),
        insert_when="NEW.import_batch_id IS NULL",
    ),
    Source("registry_partyorganizationcoverage", "organization_id", _INTERVAL),
    Source("registry_instructorassignment", "organization_id", _INTERVAL),
    # An organization enters the state through its census intervals (their insert marks it) and
    # leaves it with them; only a copied column or a merge concerns the organization row itself.
    Source("registry_organization", "id", (*ORGANIZATION_COLUMNS, "merged_into_id"), on_insert=False, on_delete=False),
)  # fmt: skip

_COLUMNS = ", ".join(("organization_id", *ORGANIZATION_COLUMNS, *_INTERVAL, *FACT_COLUMNS, "covered", "has_instructor"))


def _build_sql(where: str) -> str:
    """INSERT of the state rows of the organizations matching ``where`` (a condition on
    ``organization_id``; ``1 = 1`` for all). The boundaries of an organization's timeline are the
    start and end dates of its census intervals, coverage links and instructor assignments; each
    pair of consecutive boundaries is a segment, kept when a census interval holds it (not
    deregistered) and the organization is not merged; its flags are those of its first day (they
    cannot change inside it)."""
    sources = [source.table for source in SOURCES if source.key == "organization_id"]
    bounds = " UNION ".join(
        f"SELECT organization_id AS o, valid_from AS d FROM {t} WHERE {where}"  # noqa: S608 (names only)
        f" UNION SELECT organization_id, valid_to FROM {t} WHERE valid_to IS NOT NULL AND {where}"
        for t in sources
    )

    def holds(alias: str) -> str:
        return f"{alias}.valid_from <= seg.vf AND ({alias}.valid_to IS NULL OR {alias}.valid_to > seg.vf)"

    return (
        f"INSERT INTO {STATE} ({_COLUMNS}) "  # noqa: S608 (table and column names only)
        f"WITH b AS ({bounds}), "
        "seg AS (SELECT o, d AS vf, LEAD(d) OVER (PARTITION BY o ORDER BY d) AS vt FROM b) "
        f"SELECT seg.o, {', '.join(f'org.{c}' for c in ORGANIZATION_COLUMNS)}, seg.vf, seg.vt, "
        f"{', '.join(f'f.{c}' for c in FACT_COLUMNS)}, "
        "EXISTS (SELECT 1 FROM registry_partyorganizationcoverage c "
        f"WHERE c.organization_id = seg.o AND {holds('c')}), "
        "EXISTS (SELECT 1 FROM registry_instructorassignment i "
        f"WHERE i.organization_id = seg.o AND {holds('i')}) "
        "FROM seg "
        f"JOIN registry_organizationfacts f ON f.organization_id = seg.o AND {holds('f')} "
        "JOIN registry_organization org ON org.id = seg.o "
        f"WHERE org.merged_into_id IS NULL AND f.operating_status <> '{OperatingStatus.DEREGISTERED}'"
    )


def _claim_stale() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {STALE} RETURNING organization_id")  # noqa: S608 (table name only)
        return sorted(row[0] for row in cursor.fetchall())


# --- The yearly tally -----------------------------------------------------------------------------

# Tally key column → (its SQL over a state row ``s``, the SQL type of its NULL).
_KEYS: dict[str, tuple[str, str]] = {
    "covered": ("s.covered", "BOOLEAN"),
    "has_instructor": ("s.has_instructor", "BOOLEAN"),
    "has_union": ("s.has_union", "BOOLEAN"),
    "has_youth_league": ("s.has_youth_league", "BOOLEAN"),
    "has_womens_federation": ("s.has_womens_federation", "BOOLEAN"),
    "above_designated_size": ("s.above_designated_size", "BOOLEAN"),
    "category": ("s.category", "VARCHAR(16)"),
    "org_type": ("s.org_type", "VARCHAR(32)"),
    "operating_status": ("s.operating_status", "VARCHAR(16)"),
    "employees": ("s.employees", "INTEGER"),
    "full_members": ("s.full_members", "INTEGER"),
    "probationary_members": ("s.probationary_members", "INTEGER"),
    "members": ("(s.full_members + s.probationary_members)", "INTEGER"),
}
COMPACT_SLACK = 10_000  # appended rows tolerated beyond the built size before a compaction


@dataclass(frozen=True)
class Tally:
    """A usable tally: the scheme it answers and the years whose 1 January it counts."""

    scheme: buckets.Scheme
    first_year: int
    last_year: int

    def snapshot_for(self, on: dt.date) -> dt.date | None:
        """The 1 January nearest ``on`` (this year's or next year's) when the tally counts it."""
        this, following = dt.date(on.year, 1, 1), dt.date(on.year + 1, 1, 1)
        day = this if on - this <= following - on else following
        return day if self.first_year <= day.year <= self.last_year else None


def current_scheme() -> buckets.Scheme:
    """The scheme the active organization indicators need."""
    rows = Indicator.objects.filter(active=True, subject=Subject.ORGANIZATION).values_list("numerator", "denominator")
    return buckets.scheme_of(
        [dsl.parse(numerator, ORGANIZATION_FIELDS), dsl.parse(denominator, ORGANIZATION_FIELDS)]
        for numerator, denominator in rows
    )


def _scheme(row: TallyScheme) -> buckets.Scheme | None:
    return None if row.scheme is None else buckets.Scheme.from_json(row.scheme)


def _key_sql(scheme: buckets.Scheme, part: tuple[str, ...]) -> list[str]:
    """The tally's key columns for one part of ``scheme``: the part's fields (numbers as bucket
    bounds), NULL for the others."""
    keys = []
    for column, (expr, null_type) in _KEYS.items():
        if column not in part:
            keys.append(f"CAST(NULL AS {null_type})")
        elif column in buckets.NUMBERS:
            steps = " ".join(f"WHEN {expr} >= {b} THEN {b}" for b in reversed(scheme.bounds_of(column)))
            keys.append(f"CASE {steps} ELSE 0 END" if steps else "0")
        else:
            keys.append(expr)
    return keys


def _add_to_tally(
    scheme: buckets.Scheme, years: range, where: str, params: Sequence[Any], sign: int, *, by_year: bool = False
) -> int:
    """Add (``sign`` 1) or subtract (-1) the counts of the state rows matching ``where`` to the
    tally of each year of ``years`` whose 1 January they hold, for each part of ``scheme``; the number of
    tally rows written. The rows are counted once by every field the scheme keeps (into a
    temporary table), then each part from those counts: one pass over the state rows, not one
    per part. ``by_year``: one statement per year (the whole register: smaller sorts)."""
    keys = _key_sql(scheme, scheme.fields)
    columns = (
        f"township_id, year, part, {', '.join(_KEYS)}, n, employees_sum, full_members_sum, probationary_members_sum"
    )
    written = 0
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {BASE}")
        cursor.execute(f"CREATE TEMPORARY TABLE {BASE} AS SELECT * FROM {TALLY} WHERE 1 = 0")  # noqa: S608 (names only)
        for span in [range(y, y + 1) for y in years] if by_year else [years]:
            days: list[Any] = []
            for year in span:
                days += [year, connection.ops.adapt_datefield_value(dt.date(year, 1, 1))]
            values = ", ".join(["(%s, %s)"] * len(span))
            cursor.execute(
                f"INSERT INTO {BASE} ({columns}) WITH y (year, day) AS (VALUES {values}) "  # noqa: S608 (names and the compiler's SQL only)
                f"SELECT s.township_id, y.year, 0, {', '.join(keys)}, {sign} * COUNT(*), {sign} * SUM(s.employees), "
                f"{sign} * SUM(s.full_members), {sign} * SUM(s.probationary_members) FROM {STATE} s "
                "JOIN y ON s.valid_from <= y.day AND (s.valid_to IS NULL OR s.valid_to > y.day) "
                f"WHERE {where} GROUP BY {', '.join(str(i) for i in range(1, len(keys) + 4))}",
                [*days, *params],
            )
        for n, part in enumerate(scheme.parts):
            part_keys = [k if k in part else f"CAST(NULL AS {null_type})" for k, (_expr, null_type) in _KEYS.items()]
            cursor.execute(
                f"INSERT INTO {TALLY} ({columns}) SELECT township_id, year, {n}, {', '.join(part_keys)}, SUM(n), "  # noqa: S608 (names only)
                "SUM(employees_sum), SUM(full_members_sum), SUM(probationary_members_sum) "
                f"FROM {BASE} GROUP BY {', '.join(str(i) for i in range(1, len(part_keys) + 4))}"
            )
            written += max(cursor.rowcount, 0)
        cursor.execute(f"DROP TABLE {BASE}")
    return written


def _build_tally(row: TallyScheme, scheme: buckets.Scheme) -> None:
    """The whole tally again, from the state table: 1 January of each year from the earliest state
    row's to the one after next."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TALLY}")  # noqa: S608 (table name only)
    earliest = OrganizationState.objects.aggregate(earliest=Min("valid_from"))["earliest"]
    row.first_year = earliest.year if earliest else today().year
    row.last_year = today().year + 2
    row.rows_built = _add_to_tally(scheme, range(row.first_year, row.last_year + 1), "1 = 1", [], 1, by_year=True)
    row.rows_added = 0
    row.scheme = scheme.as_json()
    row.save()


def _tally_current(row: TallyScheme, scheme: buckets.Scheme) -> bool:
    return row.scheme == scheme.as_json() and row.last_year >= today().year + 1


# --- Refresh ----------------------------------------------------------------------------------------


def _rebuild_all() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {STATE}")  # noqa: S608 (table name only)
        cursor.execute(_build_sql("1 = 1"))


def _rebuild(ids: Sequence[int], row: TallyScheme) -> None:
    """Recompute the state rows of ``ids``; a built tally loses the old rows' counts and gains
    the new ones'."""
    scheme = _scheme(row)
    years = range(row.first_year, row.last_year + 1)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), CHUNK):
            chunk = list(ids[start : start + CHUNK])
            marks = ", ".join(["%s"] * len(chunk))
            where = f"organization_id IN ({marks})"
            if scheme is not None:
                row.rows_added += _add_to_tally(scheme, years, f"s.{where}", chunk, -1)
            cursor.execute(f"DELETE FROM {STATE} WHERE {where}", chunk)  # noqa: S608
            cursor.execute(_build_sql(where), chunk * 6)  # the six boundary selects
            if scheme is not None:
                row.rows_added += _add_to_tally(scheme, years, f"s.{where}", chunk, 1)


def _refresh(row: TallyScheme, scheme: buckets.Scheme) -> int:
    """Under the lock of ``row``: the stale organizations' state, then the tally (rebuilt when
    the scheme or the year changed, when the state was rebuilt whole, or when appended rows
    have doubled it)."""
    ids = _claim_stale()
    whole = len(ids) > FULL_SHARE * Organization.objects.count()
    if whole:
        _rebuild_all()
    elif ids:
        _rebuild(ids, row)
    if whole or not _tally_current(row, scheme) or row.rows_added > row.rows_built + COMPACT_SLACK:
        _build_tally(row, scheme)
    elif ids:
        row.save(update_fields=["rows_added"])
    return len(ids)


def _locked_row() -> TallyScheme:
    return TallyScheme.objects.select_for_update().get(pk=1)


def mark_imported_stale(*, import_batch_id: int) -> None:
    """Mark stale every organization whose census intervals an import batch inserted: the insert
    trigger skips those rows (migration 0009), so the import calls this once, at its end and in
    its transaction. One statement instead of a trigger run per row, a tenth of the time of a
    million-row import."""
    facts = OrganizationFacts._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {STALE} (organization_id) SELECT DISTINCT organization_id FROM {facts} "  # noqa: S608
            "WHERE import_batch_id = %s ON CONFLICT (organization_id) DO NOTHING",
            [import_batch_id],
        )


def refresh_stale() -> int:
    """Recompute the state of every stale organization, and the tally; the number refreshed."""
    with transaction.atomic():
        return _refresh(_locked_row(), current_scheme())


def ensure_fresh() -> Tally:
    """Bring the state table and the tally up to date before reading them (three cheap queries
    when they are); what the tally holds."""
    scheme = current_scheme()
    row = TallyScheme.objects.get(pk=1)
    if StaleOrganization.objects.exists() or not _tally_current(row, scheme):
        with transaction.atomic():
            row = _locked_row()
            _refresh(row, scheme)
    return Tally(scheme, row.first_year, row.last_year)


def rebuild() -> None:
    """Recompute the whole state table and the tally (the ``refresh_coverage_state --all`` command)."""
    with transaction.atomic():
        row = _locked_row()
        _claim_stale()
        _rebuild_all()
        _build_tally(row, current_scheme())
