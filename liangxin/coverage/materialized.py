"""Keeping ``OrganizationState`` (the state the indicators read) up to date.

The table is derived from the register: each organization's census intervals, coverage links,
instructor assignments and activity participation (orglife), their dates merged into one
timeline. Database triggers (``triggers.py``, generated from ``SOURCES``) record in
``StaleOrganization`` every organization whose source rows were written, whatever wrote them;
``ensure_fresh`` — called by the compiler before it reads the table — recomputes those
organizations' rows. So the table is never read out of date, and no write
path has to know about it.

The recomputation is set-based SQL (window functions and ``DELETE … RETURNING``: SQLite ≥ 3.35,
PostgreSQL), by chunks of organizations, or for the whole register when most of it is stale
(after a large import). Refreshes are serialized (SQLite: its one writer; PostgreSQL: a
transaction-level advisory lock), and the stale marks are claimed with ``DELETE … RETURNING``
inside the transaction; a mark written meanwhile by another transaction stays for the next refresh.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, transaction

from liangxin.registry.choices import FactSource, OperatingStatus
from liangxin.registry.models import Organization

from .models import OrganizationState, StaleOrganization

CHUNK = 2000  # organizations per statement (bind parameters stay far below SQLite's limit)
FULL_SHARE = 0.2  # rebuild everything when more than this share of the register is stale

STATE = OrganizationState._meta.db_table
STALE = StaleOrganization._meta.db_table


@dataclass(frozen=True)
class Source:
    """A table the state is computed from: ``key`` is its organization column, ``columns`` the
    others the state reads. Its triggers (``triggers.py``) mark the organization stale on an insert,
    a delete, and an update changing one of them."""

    table: str
    key: str
    columns: tuple[str, ...]
    on_insert: bool = True
    on_delete: bool = True


# The census figures the state copies, and the organization's grouping columns it copies.
FACT_COLUMNS = (
    "operating_status", "employees", "full_members", "probationary_members", "has_union", "has_youth_league",
    "has_womens_federation",
)  # fmt: skip
ORGANIZATION_COLUMNS = ("township_id", "department_id", "category", "org_type", "above_designated_size")
_INTERVAL = ("valid_from", "valid_to")

SOURCES = (
    Source("registry_organizationfacts", "organization_id", (*_INTERVAL, *FACT_COLUMNS)),
    Source("registry_partyorganizationcoverage", "organization_id", _INTERVAL),
    Source("registry_instructorassignment", "organization_id", _INTERVAL),
    # Work coverage from activity: each row is the interval over which one activity held in the
    # organization (or that it took part in) lies in the window up to the day (orglife).
    Source("orglife_activityorganization", "organization_id", _INTERVAL),
    # An organization enters the state through its census intervals (their insert marks it) and
    # leaves it with them; only a copied column or a merge concerns the organization row itself.
    Source("registry_organization", "id", (*ORGANIZATION_COLUMNS, "merged_into_id"), on_insert=False, on_delete=False),
)  # fmt: skip

_FLAGS = ("covered", "has_instructor", "takes_part")
_COLUMNS = ", ".join(("organization_id", *ORGANIZATION_COLUMNS, *_INTERVAL, *FACT_COLUMNS, "surveyed", *_FLAGS))


def _build_sql(where: str) -> str:
    """INSERT of the state rows of the organizations matching ``where`` (a condition on
    ``organization_id``; ``1 = 1`` for all). The boundaries of an organization's timeline are the
    start and end dates of its census intervals, coverage links, instructor assignments and activity
    participation intervals; each
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
        # A census interval's source is written with it and never changed (the triggers need not
        # watch it): an interval known only from a registration list has no figures yet.
        f"f.source <> '{FactSource.REGISTRATION}', "
        "EXISTS (SELECT 1 FROM registry_partyorganizationcoverage c "
        f"WHERE c.organization_id = seg.o AND {holds('c')}), "
        "EXISTS (SELECT 1 FROM registry_instructorassignment i "
        f"WHERE i.organization_id = seg.o AND {holds('i')}), "
        "EXISTS (SELECT 1 FROM orglife_activityorganization a "
        f"WHERE a.organization_id = seg.o AND {holds('a')}) "
        "FROM seg "
        f"JOIN registry_organizationfacts f ON f.organization_id = seg.o AND {holds('f')} "
        "JOIN registry_organization org ON org.id = seg.o "
        f"WHERE org.merged_into_id IS NULL AND f.operating_status <> '{OperatingStatus.DEREGISTERED}'"
    )


# Two selects of boundaries (starts, ends) per source table keyed by the organization.
_BOUNDARY_SELECTS = 2 * sum(source.key == "organization_id" for source in SOURCES)


def _claim_stale() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {STALE} RETURNING organization_id")  # noqa: S608 (table name only)
        return sorted(row[0] for row in cursor.fetchall())


# --- Refresh ----------------------------------------------------------------------------------------


def _rebuild_all() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {STATE}")  # noqa: S608 (table name only)
        cursor.execute(_build_sql("1 = 1"))


def _rebuild(ids: Sequence[int]) -> None:
    """Recompute the state rows of ``ids``."""
    with connection.cursor() as cursor:
        for start in range(0, len(ids), CHUNK):
            chunk = list(ids[start : start + CHUNK])
            where = f"organization_id IN ({', '.join(['%s'] * len(chunk))})"
            cursor.execute(f"DELETE FROM {STATE} WHERE {where}", chunk)  # noqa: S608
            cursor.execute(_build_sql(where), chunk * _BOUNDARY_SELECTS)


_LOCK = 4_760_001  # PostgreSQL advisory lock key of the refresh (any constant of this app's own)


def _lock() -> None:
    """Serialize refreshes: two whole rebuilds, or a whole rebuild and a partial one, must not
    interleave. SQLite has one writer at a time already."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])


def _refresh() -> int:
    """In a transaction holding the lock: the stale organizations' state, whole when most of the
    register is stale. The number refreshed."""
    ids = _claim_stale()
    if len(ids) > FULL_SHARE * Organization.objects.count():
        _rebuild_all()
    elif ids:
        _rebuild(ids)
    return len(ids)


def refresh_stale() -> int:
    """Recompute the state of every stale organization; the number refreshed."""
    with transaction.atomic():
        _lock()
        return _refresh()


def ensure_fresh() -> None:
    """Bring the state table up to date before reading it (one cheap query when it is)."""
    if StaleOrganization.objects.exists():
        refresh_stale()


def rebuild() -> None:
    """Recompute the whole state table (the ``refresh_coverage_state --all`` command)."""
    with transaction.atomic():
        _lock()
        _claim_stale()
        _rebuild_all()
