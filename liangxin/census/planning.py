"""What a census file would do to the register: pure planning, no Django.

The Django layer loads the register state (:class:`Existing`) for the importing unit, and this
module matches every valid row to an organization (by USCC, then by the name key —
``core.text.normalize_name`` — within the township) and computes, field by field, what would
change. The plan is deterministic: the
same file against the same register state gives the same plan and the same fingerprint, which is
how "confirm applies exactly the preview" is enforced.

Rules:
- A blank cell in a column the file has keeps the register's value (a new organization gets 0
  for counts and nothing for the rest); a column the file lacks is left alone. Exporting the
  register and importing the export therefore changes nothing.
- Counts, status, attitude and the other census figures are dated facts: a change opens a new
  interval from the import's "as of" date. Registry fields (name, type, address …) are updated.
- A name match never changes a legal identifier: a row whose name matches an organization with
  another USCC is refused (``name_uscc_conflict``) unless the clerk declared its code a new
  organization. Rows of one file with the same name key in one township are one organization
  (``duplicate_row``) unless both carry codes, which differ: the same conflict.
- 是否已建党组织=是 with a 党组织名称 links the organization to the party organization of that
  normalised name in the township, or to one the import creates (one name on several rows: one
  party organization covering them all).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final, Literal

from liangxin.core.text import normalize_name

from .tabular import BY_KEY, CensusRow, Problem
from .tabular.problems import problem

ORG_FIELDS: Final = (
    "uscc",
    "name",
    "category",
    "org_type",
    "township",
    "village",
    "department",
    "industry_code",
    "above_designated_size",
    "address",
    "contact_person",
    "contact_phone",
    "owner_is_member",
)
FACT_FIELDS: Final = (
    "operating_status",
    "employees",
    "full_members",
    "probationary_members",
    "owner_attitude",
    "secretary_candidate_available",
    "payroll",
    "has_union",
    "has_youth_league",
    "has_womens_federation",
)
COUNT_FIELDS: Final = frozenset({"employees", "full_members", "probationary_members"})
# The change a file's counts make to an organization known only from a registration list when they
# equal its placeholders (the figures' source, shown in the preview and kept by the batch).
SURVEY_BEFORE: Final = "登记名单(未摸排)"
SURVEY_AFTER: Final = "摸底数据"
# Where a template column's resolved value lives in a row (validate_rows resolves the names).
_ROW_KEY: Final = {"township": "township_code", "village": "village_code", "department": "department_code"}
# Registry fields whose "nothing" is the empty string rather than None.
_TEXT_FIELDS: Final = frozenset({"industry_code", "address", "contact_person", "contact_phone"})
DEFAULT_TYPE: Final = {"economic": "private_enterprise", "social": "social_group"}

Kind = Literal["new", "changed", "unchanged", "rejected"]


@dataclass(frozen=True, slots=True)
class ExistingOrg:
    """An organization of the register as the planner sees it (values in template terms)."""

    pk: int
    version: int
    township: str  # township code
    name_normalized: str
    fields: Mapping[str, Any]  # ORG_FIELDS, codes for township/village/department
    facts: Mapping[str, Any] | None  # FACT_FIELDS of the open interval, None without facts
    facts_pk: int | None = None
    facts_valid_from: Any = None  # datetime.date
    # Its open interval is known only from a registration list: counts (COUNT_FIELDS) in the file
    # survey it, even counts equal to its placeholders.
    registration_only: bool = False
    party_organizations: frozenset[str] = frozenset()  # normalised names of covering party orgs
    instructor: str | None = None  # the open instructor assignment's name


@dataclass(frozen=True)
class Existing:
    by_pk: Mapping[int, ExistingOrg]
    by_uscc: Mapping[str, int]
    by_name: Mapping[tuple[str, str], int]  # (township code, normalised name) → pk
    # (township code, normalised name) → pk of an active party organization
    party_organizations: Mapping[tuple[str, str], int] = field(default_factory=dict)
    # township codes the importing unit may write; None = the whole county
    writable_townships: frozenset[str] | None = None


@dataclass(slots=True)
class PlannedRow:
    row: CensusRow
    kind: Kind
    org_pk: int | None = None
    version: int | None = None
    org_values: dict[str, Any] = field(default_factory=dict)  # full target registry fields
    facts_values: dict[str, Any] | None = None  # full target facts when they change, else None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field → (old, new)
    party_organization: str | None = None  # normalised name to link, when a link is added
    party_organization_label: str | None = None  # as written
    party_organization_pk: int | None = None  # existing party organization to link, if any
    previous_facts_pk: int | None = None
    instructor: str | None = None
    covered_by: frozenset[str] = frozenset()  # normalised names of the party orgs covering it now


@dataclass
class Plan:
    rows: list[PlannedRow]
    problems: list[Problem]
    new_party_organizations: dict[tuple[str, str], str]  # (township, normalised) → name as written
    fingerprint_value: str = ""

    def count(self, kind: Kind) -> int:
        return sum(1 for r in self.rows if r.kind == kind)

    @property
    def fingerprint(self) -> str:
        return self.fingerprint_value


def _digest_line(entry: PlannedRow) -> bytes:
    """What the fingerprint covers of a row. A new organization's row depends only on the file
    (which is fixed), so its number and kind suffice; a row matched to the register also carries
    the organization, its version and every planned change, which is where a change made to
    the register between preview and confirm shows."""
    if entry.kind == "new":
        return f"{entry.row.excel_row}:new:{entry.party_organization}\n".encode()
    return (
        json.dumps(
            [entry.row.excel_row, entry.kind, entry.org_pk, entry.version, entry.changes, entry.party_organization],
            default=_json_default,
            ensure_ascii=False,
            sort_keys=True,
        )
        + "\n"
    ).encode()


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _row_problem(
    row: CensusRow, code: str, message: str, *, key: str | None = None, value: str | None = None
) -> Problem:
    """A problem of ``row`` in column ``key``; ``value`` is the cell as written unless given (the
    USCC as read, which the preview page's "new organization" choice names)."""
    return problem(
        code,
        message,
        file=row.file,
        sheet=row.sheet,
        row=row.excel_row,
        column=row.column_headers.get(key) if key else None,
        field=BY_KEY[key].label if key else None,
        value=value if value is not None else (row.raw_text(key) if key else None),
    )


# How a clerk resolves a name that matches an organization with another code.
_CONFLICT_ADVICE: Final = (
    "同名不会改动已登记的代码。如果是同一组织,请核对代码;如果确是另一个组织,请在预览页“同名不同代码”处"
    "勾选“作为新组织登记”(命令行加 --new-organization {uscc})后重新校验。"
)


def _target(row: CensusRow, key: str) -> tuple[bool, Any]:
    """(present, value) of a template column in a row, with references resolved to codes."""
    values = row.values
    if key in _ROW_KEY:
        if key not in values:
            return False, None
        return True, values.get(_ROW_KEY[key])
    if key not in values:
        return False, None
    return True, values[key]


def _empty(key: str) -> Any:
    return "" if key in _TEXT_FIELDS else None


def _initial_fact(key: str) -> Any:
    """A new organization's figure when the file leaves it blank."""
    if key in COUNT_FIELDS:
        return 0
    return {"operating_status": "operating", "owner_attitude": ""}.get(key)


_EMPTY_ORG: Final = {key: _empty(key) for key in ORG_FIELDS}
_INITIAL_FACTS: Final = {key: _initial_fact(key) for key in FACT_FIELDS}


class Planner:
    """Plans a file chunk by chunk, keeping what must hold across chunks: which organizations are
    already claimed by a row, which new organizations the file creates (so a second row for the
    same one is a duplicate, also in a later chunk, and also after an earlier chunk was written),
    the party organizations to create, the counts and the fingerprint."""

    def __init__(
        self, *, as_of: Any, default_township: str | None = None, new_organizations: Iterable[str] = ()
    ) -> None:
        self.as_of = as_of
        self.default_township = default_township
        # USCCs the clerk said are new organizations: never matched to the register by name.
        self.new_organizations = frozenset(new_organizations)
        self.claimed: dict[int, int] = {}  # org pk → Excel row that matched it first
        # Township → hash of the name key of every row planned so far → its Excel row, negative for
        # a row without a USCC. Kept for the whole file, so it holds ints, not the keys: about 80
        # bytes a row instead of 125 (a million-row import must stay under 1 GiB). Two different
        # names sharing a 64-bit hash would be reported as one — about n²/2⁶⁵ for n rows of one
        # township (3·10⁻⁸ for a million), and a refused row, never a wrong write.
        self.names: dict[str, dict[int, int]] = {}
        self.new_party_organizations: dict[tuple[str, str], str] = {}
        self.counts: dict[str, int] = {"new": 0, "changed": 0, "unchanged": 0, "rejected": 0}
        self._digest = hashlib.sha256()

    @property
    def fingerprint(self) -> str:
        """Identifies the plan and the register state it was computed from."""
        return self._digest.hexdigest()

    def plan(self, rows: Iterable[CensusRow], existing: Existing) -> Plan:
        planned: list[PlannedRow] = []
        problems: list[Problem] = []
        for row in rows:
            entry = self._plan_row(row, existing, problems)
            self.counts[entry.kind] += 1
            self._digest.update(_digest_line(entry))
            planned.append(entry)
        return Plan(rows=planned, problems=problems, new_party_organizations=self.new_party_organizations)

    def _duplicate(self, row: CensusRow, problems: list[Problem], first: int, name: str) -> PlannedRow:
        return self._reject(
            row,
            problems,
            "duplicate_row",
            f"第{row.excel_row}行与第{first}行是同一个组织“{name}”,请合并为一行。",
            "name",
        )

    def _reject(
        self, row: CensusRow, problems: list[Problem], code: str, message: str, key: str, value: str | None = None
    ) -> PlannedRow:
        problems.append(_row_problem(row, code, message, key=key, value=value))
        row.has_errors = True
        return PlannedRow(row=row, kind="rejected")

    def _plan_row(self, row: CensusRow, existing: Existing, problems: list[Problem]) -> PlannedRow:
        if row.has_errors:
            return PlannedRow(row=row, kind="rejected")
        values = row.values
        uscc = values.get("uscc") or None
        township = values.get("township_code") or self.default_township
        name = values.get("name") or ""
        key = normalize_name(name)
        declared_new = uscc is not None and uscc in self.new_organizations

        match: ExistingOrg | None = None
        if uscc and uscc in existing.by_uscc:
            match = existing.by_pk[existing.by_uscc[uscc]]
        # Same name in the same township as an earlier row: the same organization, unless both
        # rows carry codes (never the same one: the reader refuses a code written twice), which
        # is a conflict the clerk resolves, as with the register below. Checked before the
        # register, which may already hold the earlier row's organization when chunks are
        # written. A row matched by its code is that organization whatever its name, and is only
        # a duplicate of an earlier row without a code.
        names = self.names.setdefault(township, {}) if township else None
        name_hash = hash(key)
        earlier = names.get(name_hash) if names is not None else None
        if earlier is not None and not declared_new:
            first_row = abs(earlier)
            if uscc is not None and earlier > 0:
                if match is None:
                    return self._reject(
                        row, problems, "name_uscc_conflict",
                        f"本行“{name}”与第{first_row}行同名,但两行的统一社会信用代码不同(本行为 {uscc})。"
                        f"{_CONFLICT_ADVICE.format(uscc=uscc)}",
                        "uscc", uscc,
                    )  # fmt: skip
            elif match is None or earlier < 0:
                return self._duplicate(row, problems, first_row, name)

        if match is None and township and not declared_new and (township, key) in existing.by_name:
            match = existing.by_pk[existing.by_name[(township, key)]]
            registered = match.fields.get("uscc")
            if uscc and registered and registered != uscc:
                # A name match never changes a legal identifier.
                return self._reject(
                    row, problems, "name_uscc_conflict",
                    f"“{name}”与登记册中的“{match.fields.get('name')}”同名,但统一社会信用代码不同"
                    f"(登记册中为 {registered},本行为 {uscc})。{_CONFLICT_ADVICE.format(uscc=uscc)}",
                    "uscc", uscc,
                )  # fmt: skip

        writable = existing.writable_townships
        if match is not None and writable is not None and match.township not in writable:
            # Another township's organization: its name is not this unit's to see.
            return self._reject(
                row, problems, "uscc_other_township",
                f"统一社会信用代码 {uscc} 在登记册中属于其他乡镇的组织,本单位不能修改。"
                "请核实代码;如该组织确已迁入本乡镇,请由县级管理员办理迁移。",
                "uscc",
            )  # fmt: skip
        if match is not None:
            first = self.claimed.get(match.pk)
            if first is not None:
                return self._reject(
                    row, problems, "duplicate_row",
                    f"第{row.excel_row}行与第{first}行对应同一个组织“{match.fields.get('name')}”,请合并为一行。",
                    "name",
                )  # fmt: skip
            self.claimed[match.pk] = row.excel_row
            entry = _plan_existing(row, match, as_of=self.as_of, problems=problems)
        else:
            entry = _plan_new(row, township=township, problems=problems)
        if names is not None and earlier is None and entry.kind != "rejected":
            names[name_hash] = (
                row.excel_row if uscc or (match is not None and match.fields.get("uscc")) else -row.excel_row
            )

        if entry.kind != "rejected":
            _plan_party_organization(
                entry, existing, township=entry.org_values.get("township"), new=self.new_party_organizations
            )
        if entry.kind == "unchanged" and entry.changes:
            entry.kind = "changed"
        return entry


def _plan_new(row: CensusRow, *, township: str | None, problems: list[Problem]) -> PlannedRow:
    values = row.values
    # Straight-line on purpose: this runs once per new organization of a million-row file.
    org_values: dict[str, Any] = {
        key: (value if (value := values.get(_ROW_KEY.get(key, key))) is not None else _EMPTY_ORG[key])
        for key in ORG_FIELDS
    }
    org_values["township"] = township
    if not org_values["org_type"]:
        category = org_values["category"]
        org_values["org_type"] = DEFAULT_TYPE.get(category, "private_enterprise")
        problems.append(
            _row_problem(
                row,
                "org_type_missing",
                f"新组织“{org_values['name']}”未填写组织类型,已按类别暂记为"
                f"“{'私营企业' if category == 'economic' else '社会团体'}”,请核实后补填。",
                key="org_type",
            )
        )
    facts: dict[str, Any] = {
        key: (value if (value := values.get(key)) is not None else _INITIAL_FACTS[key]) for key in FACT_FIELDS
    }
    # A new organization's "changes" are its values (org_values, facts_values): not repeated here.
    return PlannedRow(
        row=row,
        kind="new",
        org_values=org_values,
        facts_values=facts,
        instructor=values.get("instructor") or None,
    )


def _plan_existing(row: CensusRow, match: ExistingOrg, *, as_of: Any, problems: list[Problem]) -> PlannedRow:
    changes: dict[str, tuple[Any, Any]] = {}
    org_values = dict(match.fields)
    for key in ORG_FIELDS:
        present, value = _target(row, key)
        if not present or value is None or value == "":
            continue
        if org_values.get(key) != value:
            changes[key] = (org_values.get(key), value)
            org_values[key] = value
    facts_values: dict[str, Any] | None = None
    current = dict(match.facts) if match.facts is not None else None
    target = dict(current) if current is not None else {k: _initial_fact(k) for k in FACT_FIELDS}
    fact_changes: dict[str, tuple[Any, Any]] = {}
    surveys = False
    for key in FACT_FIELDS:
        present, value = _target(row, key)
        if not present or value is None or (key == "owner_attitude" and value == ""):
            continue
        surveys = surveys or (match.registration_only and key in COUNT_FIELDS)
        if target.get(key) != value:
            fact_changes[key] = (target.get(key), value)
            target[key] = value
    if fact_changes or current is None or surveys:
        if match.facts_valid_from is not None and as_of < match.facts_valid_from:
            problems.append(
                _row_problem(
                    row,
                    "facts_before_current",
                    f"登记册中“{match.fields.get('name')}”已有 {match.facts_valid_from} 起的普查数据,"
                    f"本次数据日期 {as_of} 更早,不能覆盖。请核对数据日期。",
                )
            )
            row.has_errors = True
            return PlannedRow(row=row, kind="rejected")
        facts_values = target
        changes.update(fact_changes)
        if surveys and not fact_changes:
            changes["surveyed"] = (SURVEY_BEFORE, SURVEY_AFTER)
    entry = PlannedRow(
        row=row,
        kind="changed" if changes else "unchanged",
        org_pk=match.pk,
        version=match.version,
        org_values=org_values,
        facts_values=facts_values,
        changes=changes,
        previous_facts_pk=match.facts_pk if facts_values is not None else None,
    )
    instructor = row.values.get("instructor") or None
    if instructor and instructor != match.instructor:
        entry.instructor = instructor
        entry.changes["instructor"] = (match.instructor, instructor)
    present, has_po = _target(row, "has_party_organization")
    if present and has_po is False and match.party_organizations:
        problems.append(
            _row_problem(
                row,
                "coverage_not_in_file",
                f"文件填写“{match.fields.get('name')}”未建党组织,但登记册中它由党组织覆盖。"
                "登记册保持不变;如党组织已撤销,请在党组织页面办理撤销。",
                key="has_party_organization",
            )
        )
    # Linking a party organization that already covers it is no change.
    entry.covered_by = match.party_organizations
    return entry


def _plan_party_organization(
    entry: PlannedRow, existing: Existing, *, township: str | None, new: dict[tuple[str, str], str]
) -> None:
    values = entry.row.values
    if not values.get("has_party_organization") or not values.get("party_organization_name") or not township:
        return
    label = str(values["party_organization_name"])
    key = normalize_name(label)
    if key in entry.covered_by:
        return
    entry.party_organization = key
    entry.party_organization_label = label
    entry.changes["party_organization"] = (None, label)
    pk = existing.party_organizations.get((township, key))
    if pk is not None:
        entry.party_organization_pk = pk
    else:
        new.setdefault((township, key), label)
