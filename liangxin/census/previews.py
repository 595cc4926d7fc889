"""What the preview page shows beyond the batch's counts and problems: how the file was read
(header cells → template columns) and, per organization, what the import would change.

The plan of a preview lives only in memory, so right after ``services.preview_import`` (and
after a stale confirm re-previewed the batch) its rows are stored here: one ``PreviewChange``
per organization that would be created or changed, with old → new per field. Once the batch is
applied, the batch's own ``ImportChange`` rows are what the page shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from django.db import transaction
from django.utils.translation import gettext as _

from liangxin.geo.models import AdministrativeUnit, Department

from . import services
from .models import BatchLayout, ChangeKind, ImportBatch, ImportChange, ImportProblem, PreviewChange
from .planning import Plan, PlannedRow
from .tabular import BY_KEY, COLUMNS, PROBLEM_CODES, CensusReadResult, Problem
from .tabular.problems import advice_of, title_of
from .tabular.vocab import VOCABULARIES

_CHUNK: Final = 2000
# Fields of a change that are not template columns.
_EXTRA_LABELS: Final = {"party_organization": "党组织(覆盖)", "surveyed": "数据来源"}
_ORDER: Final = {c.key: i for i, c in enumerate(COLUMNS)} | {"party_organization": 17}
_UNIT_FIELDS: Final = frozenset({"township", "village"})
_CHOICE_FIELDS: Final = {"category": "category", "org_type": "org_type"} | {
    "operating_status": "operating_status",
    "owner_attitude": "owner_attitude",
}


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, bool, float)):
        return value
    return str(value)


def preview_changes(rows: Iterable[PlannedRow], batch: ImportBatch | None = None) -> Iterator[PreviewChange]:
    """One ``PreviewChange`` (unsaved) per planned organization that would be created or
    changed, with old → new per field: what the preview page stores for a batch, and what a
    campaign's review shows the county before it approves (no batch)."""
    for planned in rows:
        if planned.kind not in ("new", "changed"):
            continue
        name = planned.org_values.get("name") or planned.row.values.get("name") or ""
        pairs = dict(planned.changes)
        if planned.kind == "new":
            # A new organization's values are the plan's target values, not "changes".
            values = {**planned.org_values, **(planned.facts_values or {})}
            if planned.instructor:
                values["instructor"] = planned.instructor
            if planned.party_organization_label:
                values["party_organization"] = planned.party_organization_label
            pairs = {k: (None, v) for k, v in values.items() if v not in (None, "")} | pairs
        yield PreviewChange(
            batch=batch,
            row=planned.row.excel_row,
            kind=ChangeKind.NEW if planned.kind == "new" else ChangeKind.CHANGED,
            name=str(name)[:200],
            organization_id=planned.org_pk,
            changes={k: [_jsonable(old), _jsonable(new)] for k, (old, new) in pairs.items()},
        )


def store_preview_details(batch: ImportBatch, result: CensusReadResult, plan: Plan) -> None:
    """Keep the layout of the file and the plan's per-organization changes for the page."""
    with transaction.atomic():
        BatchLayout.objects.update_or_create(
            batch=batch,
            defaults={
                "columns": [[c.letter, c.written, c.key] for c in result.mapping],
                "skipped": [[row, why] for row, why in result.skipped],
            },
        )
        batch.preview_changes.all().delete()
        pending: list[PreviewChange] = []
        for change in preview_changes(plan.rows, batch):
            pending.append(change)
            if len(pending) >= _CHUNK:
                PreviewChange.objects.bulk_create(pending)
                pending = []
        PreviewChange.objects.bulk_create(pending)


def replan(batch: ImportBatch) -> tuple[CensusReadResult, Plan]:
    """The plan ``confirm_import`` would apply now (``services.replan``); writes nothing."""
    outcome = services.replan(batch=batch)
    return outcome.result, outcome.plan


def refresh_preview_details(batch: ImportBatch) -> None:
    """After a stale confirm re-previewed the batch: the changes shown must be the new plan's."""
    result, plan = replan(batch)
    store_preview_details(batch, result, plan)


# --- Showing changes ---------------------------------------------------------------------------


def field_label(key: str) -> str:
    column = BY_KEY.get(key)
    return column.label if column is not None else _EXTRA_LABELS.get(key, key)


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class ChangeRow:
    row: int | None
    kind: str
    kind_label: str
    name: str
    organization_id: int | None
    fields: list[FieldChange]


class _Names:
    """Codes of townships, villages and departments → names, looked up once per page."""

    def __init__(self, values: Iterable[tuple[str, Any]]) -> None:
        units: set[str] = set()
        departments: set[str] = set()
        for key, value in values:
            if not isinstance(value, str) or not value:
                continue
            if key in _UNIT_FIELDS:
                units.add(value)
            elif key == "department":
                departments.add(value)
        self.units = dict(
            AdministrativeUnit.objects.filter(code__in=units).order_by("valid_to").values_list("code", "name")
        )
        self.departments = dict(Department.objects.filter(code__in=departments).values_list("code", "name"))

    def show(self, key: str, value: Any) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return _("是") if value else _("否")
        if key in _UNIT_FIELDS:
            return self.units.get(value, str(value))
        if key == "department":
            return self.departments.get(value, str(value))
        vocabulary = _CHOICE_FIELDS.get(key)
        if vocabulary is not None:
            return VOCABULARIES[vocabulary].get(str(value), str(value))
        return str(value)


def _pairs(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    keys = set(after) | set(before or {})
    return {k: ((before or {}).get(k), after.get(k)) for k in keys}


def change_rows(
    items: Sequence[PreviewChange | ImportChange], organizations: Mapping[int, int] | None = None
) -> list[ChangeRow]:
    """Rows of the diff table, from the preview's stored plan or from an applied batch's
    changes; ``organizations`` (Excel row → organization) links the rows of an applied preview."""
    raw: list[tuple[PreviewChange | ImportChange, dict[str, tuple[Any, Any]]]] = []
    for item in items:
        if isinstance(item, PreviewChange):
            pairs = {k: (v[0], v[1]) for k, v in item.changes.items()}
        else:
            pairs = _pairs(item.before, item.after or {})
        raw.append((item, pairs))
    names = _Names((k, v) for _item, pairs in raw for k, pair in pairs.items() for v in pair)
    rows: list[ChangeRow] = []
    for item, pairs in raw:
        fields = [
            FieldChange(field_label(k), names.show(k, old), names.show(k, new))
            for k, (old, new) in sorted(pairs.items(), key=lambda kv: (_ORDER.get(kv[0], 99), kv[0]))
            if not (item.kind == ChangeKind.NEW and new in (None, ""))
        ]
        name = item.name if isinstance(item, PreviewChange) else str(item.after.get("name") or item.organization.name)
        rows.append(
            ChangeRow(
                row=item.row,
                kind=item.kind,
                kind_label=str(ChangeKind(item.kind).label),
                name=name,
                organization_id=item.organization_id or (organizations or {}).get(item.row or 0),
                fields=fields,
            )
        )
    return rows


# --- Problems ----------------------------------------------------------------------------------

_SUGGESTION = re.compile(r"(?:是否应为|模板中的)“([^”]+)”")


def suggestion_of(problem: ImportProblem | Problem) -> str:
    """What the clerk can do: change the cell to the value the message proposes ("是否应为“县工商联”?"),
    or else the problem kind's advice (``tabular.problems.PROBLEM_GUIDE``)."""
    found = _SUGGESTION.search(problem.message)
    if found:
        return _("改为“%(value)s”。") % {"value": found.group(1)}
    return advice_of(problem.code)


def problem_items(problems: Iterable[ImportProblem | Problem]) -> list[dict[str, Any]]:
    """Problems as the pages list them: each with its Chinese title, what the code means and the
    suggestion (templates/census/_problem_cells.html draws one)."""
    return [
        {"p": p, "title": title_of(p.code), "suggestion": suggestion_of(p), "about": code_description(p.code)}
        for p in problems
    ]


def code_description(code: str) -> str:
    entry = PROBLEM_CODES.get(code)
    return entry[1] if entry else ""


def as_problem(record: ImportProblem) -> Problem:
    """A stored problem as the reader's ``Problem`` (for the annotated file)."""
    return Problem(
        file=record.file,
        sheet=record.sheet or None,
        row=record.row,
        column=record.column or None,
        field=record.field or None,
        value=record.value,
        severity="error" if record.severity == "error" else "warning",
        code=record.code,
        message=record.message,
    )
