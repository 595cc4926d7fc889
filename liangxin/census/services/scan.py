"""The one pass over a file that every stage makes: read and validate it chunk by chunk, match each
chunk to the register and plan it (``planning.Planner``). Writes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission, ScopeKind
from liangxin.core.collector import long_lived_objects_frozen
from liangxin.core.errors import ServiceError
from liangxin.core.text import normalize_name
from liangxin.geo.models import AdministrativeUnit, UnitLevel

from .. import selectors
from ..models import ImportBatch
from ..planning import Plan, PlannedRow, Planner
from ..tabular import CensusReadResult, Problem, open_census, similar

Progress = Callable[[int, int], None]
T = TypeVar("T")
WRITE_CHUNK = 2000


@dataclass
class ImportOutcome:
    """What a preview or an import found and did. ``plan`` holds the planned rows of the last
    pass when they were kept (previews of files of a usual size), else only the counts."""

    batch: ImportBatch
    result: CensusReadResult  # sheet, header, mapping and skipped rows; ``rows`` is not kept
    plan: Plan
    problems: list[Problem]
    write_seconds: float | None = None  # how long the write held the lock (an import, not a preview)

    @property
    def error_count(self) -> int:
        return sum(1 for p in self.problems if p.severity == "error")

    def counts(self) -> dict[str, int]:
        return {
            "new": self.batch.new_count,
            "changed": self.batch.changed_count,
            "unchanged": self.batch.unchanged_count,
            "rejected": self.batch.rejected_count,
        }


def chunks(items: Sequence[T], size: int = WRITE_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def check_unit(by: User | None, unit: AdministrativeUnit) -> None:
    if unit.level not in (UnitLevel.COUNTY, UnitLevel.TOWNSHIP) or unit.valid_to is not None:
        raise ServiceError(_("只能按县或乡镇(街道)导入。"))
    if by is None:  # the command line, run by the operator of the server
        return
    if not by.can(Permission.EDIT_ORGANIZATIONS):
        raise ServiceError(_("您的角色无权导入摸底数据。"))
    if by.scope_kind is ScopeKind.COUNTY:
        return
    if by.scope_kind is ScopeKind.TOWNSHIP and by.township_id == unit.pk:
        return
    raise ServiceError(_("只能导入本单位的摸底数据。"))


@dataclass
class Scan:
    result: CensusReadResult
    plan: Plan
    problems: list[Problem]
    counts: dict[str, int]
    fingerprint: str
    rows_total: int
    names: dict[int, str]  # Excel row → the organization's name as written, for rows with a problem


def sort_problems(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.row or 0, p.severity != "error", p.code))


def scan_file(
    *,
    unit: AdministrativeUnit,
    data: bytes,
    file_name: str,
    as_of: dt.date,
    mapping_override: Mapping[str, str | None] | None,
    keep_rows: bool,
    on_plan: Callable[[Plan, selectors.ChunkRead], None] | None = None,
    new_organizations: Iterable[str] = (),
) -> Scan:
    """One pass over the file, chunk by chunk: read and validate, match against the register,
    plan. ``on_plan`` receives each chunk's plan and what it read of the register (the write
    stages them); nothing else keeps the rows unless ``keep_rows``, so memory stays flat on a
    million-row file. Reads of the register grow with the file, not with the register."""
    reference = selectors.reference_for(unit=unit)
    alike = _NearDuplicates(unit)
    stream = open_census(data, file_name, reference, mapping_override)
    default_township = unit.code if unit.level == UnitLevel.TOWNSHIP else None
    planner = Planner(as_of=as_of, default_township=default_township, new_organizations=new_organizations)
    reader_problems = list(stream.file_problems)
    planner_problems: list[Problem] = []
    kept: list[PlannedRow] = []
    names: dict[int, str] = {}
    rows_total = 0
    first_chunk, keys = True, None
    with long_lived_objects_frozen():
        for chunk in stream.chunks():
            rows_total += len(chunk.rows)
            if first_chunk:
                keys = selectors.register_keys(rows=len(chunk.rows))
                first_chunk = False
            read = selectors.read_for(unit=unit, rows=chunk.rows, keys=keys)
            plan = planner.plan(chunk.rows, read.existing)
            # A row the register already holds as it is (a pre-filled template sent back) does not
            # repeat the reader's warnings about it: they are about what the register already knows.
            unchanged = {p.row.excel_row for p in plan.rows if p.kind == "unchanged"}
            reader_problems.extend(p for p in chunk.problems if p.is_error or p.row not in unchanged)
            chunk_planner_problems = [*plan.problems, *alike.problems(plan)]
            planner_problems.extend(chunk_planner_problems)
            problem_rows = {p.row for p in chunk.problems} | {p.row for p in chunk_planner_problems}
            names.update((r.excel_row, r.raw_text("name")[:200]) for r in chunk.rows if r.excel_row in problem_rows)
            if on_plan is not None:
                on_plan(plan, read)
            if keep_rows:
                kept.extend(plan.rows)
    reader_problems.extend(stream.final_problems())
    result = CensusReadResult(
        sheet_name=stream.sheet_name,
        header_row=stream.header_row,
        mapping=stream.mapping,
        problems=sort_problems(reader_problems),
        skipped=list(stream.skipped),
    )
    plan = Plan(
        rows=kept,
        problems=planner_problems,
        new_party_organizations=planner.new_party_organizations,
        fingerprint_value=planner.fingerprint,
    )
    return Scan(
        result=result,
        plan=plan,
        problems=sort_problems([*reader_problems, *planner_problems]),
        counts=dict(planner.counts),
        fingerprint=planner.fingerprint,
        rows_total=rows_total,
        names=names,
    )


class _NearDuplicates:
    """The warning ``near_duplicate_name`` for the new organizations of each chunk
    (``tabular.similar``): the register is searched for the names that begin like theirs."""

    def __init__(self, unit: AdministrativeUnit) -> None:
        county = unit if unit.level == UnitLevel.COUNTY else unit.parent
        assert county is not None
        self.townships = {t.code: t for t in selectors.writable_townships(unit)}
        self.places = {code: similar.place_prefixes(county.name, t.name) for code, t in self.townships.items()}

    def problems(self, plan: Plan) -> list[Problem]:
        rows = [
            (r, code, normalize_name(str(r.org_values["name"])))
            for r in plan.rows
            if r.kind == "new" and (code := r.org_values.get("township")) in self.townships and r.org_values.get("name")
        ]
        searches: dict[int, set[str]] = {}
        for _row, code, key in rows:
            searches.setdefault(self.townships[code].pk, set()).update(similar.search_prefixes(key, self.places[code]))
        registered = selectors.similar_names(searches=searches)
        groups = {
            code: similar.by_start(registered.get(township.pk, ()), self.places[code])
            for code, township in self.townships.items()
            if township.pk in registered
        }
        found = []
        for r, code, key in rows:
            match = similar.near_duplicate(key, groups.get(code, {}), self.places[code])
            if match is not None:
                found.append(similar.near_duplicate_problem(r.row, self.townships[code].name, match))
        return found
