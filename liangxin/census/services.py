"""The census import: read and validate every row, plan, then write in one transaction.

Two phases, always: ``preview_import`` reads, validates and plans without writing the register
(the batch, its original file and its problems are kept); ``confirm_import`` re-reads the kept
file, re-plans, refuses if the plan's fingerprint differs from the preview's (somebody changed
the register in between), and applies it in a single transaction. ``import_file`` does both at
once for the command line. ``revert_batch`` restores the values before a batch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission, ScopeKind
from liangxin.audit.models import AuditAction
from liangxin.audit.services import log_change
from liangxin.core.dates import today
from liangxin.core.errors import ConflictError, ServiceError
from liangxin.core.text import normalize_name, pinyin_keys
from liangxin.geo.models import AdministrativeUnit, Department, UnitLevel
from liangxin.registry.choices import FactSource, FormationMethod
from liangxin.registry.models import (
    Employment,
    InstructorAssignment,
    Organization,
    OrganizationFacts,
    PartyOrganization,
    PartyOrganizationCoverage,
    PartyRelation,
)

from . import selectors
from .models import BatchStatus, ChangeKind, ImportBatch, ImportChange, ImportMode, ImportProblem
from .planning import EXTRA_PROBLEMS, FACT_FIELDS, Plan, PlannedRow, party_org_kind, plan_import
from .tabular import CensusReadResult, Problem, read_census

Progress = Callable[[int, int], None]
T = TypeVar("T")
_WRITE_CHUNK = 2000


class StalePreview(ConflictError):
    """The register changed between preview and confirm; the batch now holds a new preview."""


@dataclass
class ImportOutcome:
    batch: ImportBatch
    result: CensusReadResult
    plan: Plan

    @property
    def problems(self) -> list[Problem]:
        return sorted(
            [*self.result.problems, *self.plan.problems],
            key=lambda p: (p.row or 0, p.severity != "error", p.code),
        )

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


def _chunks(items: Sequence[T], size: int = _WRITE_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _check_unit(by: User | None, unit: AdministrativeUnit) -> None:
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


def _read_and_plan(
    *,
    unit: AdministrativeUnit,
    data: bytes,
    file_name: str,
    as_of: dt.date,
    mapping_override: Mapping[str, str | None] | None,
) -> tuple[CensusReadResult, Plan]:
    reference = selectors.reference_for(unit=unit)
    result = read_census(data, file_name, reference, mapping_override)
    existing = selectors.existing_for(unit=unit, rows=result.rows)
    default_township = unit.code if unit.level == UnitLevel.TOWNSHIP else None
    plan = plan_import(result.rows, existing, as_of=as_of, default_township=default_township)
    return result, plan


def _store_preview(batch: ImportBatch, result: CensusReadResult, plan: Plan) -> None:
    problems = [*result.problems, *plan.problems]
    batch.sheet_name = result.sheet_name or ""
    batch.header_row = result.header_row
    batch.mapping = {c.written: c.key for c in result.mapping if getattr(c, "written", None)}
    batch.rows_total = len(result.rows)
    batch.new_count = plan.count("new")
    batch.changed_count = plan.count("changed")
    batch.unchanged_count = plan.count("unchanged")
    batch.rejected_count = plan.count("rejected")
    batch.error_count = sum(1 for p in problems if p.severity == "error")
    batch.warning_count = sum(1 for p in problems if p.severity == "warning")
    batch.preview_fingerprint = plan.fingerprint
    batch.save()
    batch.problems.all().delete()
    ImportProblem.objects.bulk_create(
        (
            ImportProblem(
                batch=batch,
                file=p.file,
                sheet=p.sheet or "",
                row=p.row,
                column=p.column or "",
                field=p.field or "",
                value="" if p.value is None else str(p.value)[:1000],
                severity=p.severity,
                code=p.code,
                message=p.message,
            )
            for p in problems
        ),
        batch_size=_WRITE_CHUNK,
    )


def preview_import(
    *,
    by: User | None,
    unit: AdministrativeUnit,
    data: bytes,
    file_name: str,
    as_of: dt.date | None = None,
    mapping_override: Mapping[str, str | None] | None = None,
    mode: str = ImportMode.ALL_OR_NOTHING,
) -> ImportOutcome:
    """Dry run: validate and plan; keep the file, the problems and the plan's fingerprint."""
    _check_unit(by, unit)
    as_of = as_of or today()
    result, plan = _read_and_plan(
        unit=unit, data=data, file_name=file_name, as_of=as_of, mapping_override=mapping_override
    )
    with transaction.atomic():
        batch = ImportBatch(
            unit=unit,
            created_by=by,
            file_name=file_name[:255],
            file_sha256=hashlib.sha256(data).hexdigest(),
            as_of=as_of,
            mode=mode,
            status=BatchStatus.PREVIEWED,
        )
        batch.original.save(file_name[-100:] or "census", ContentFile(data), save=False)
        if mapping_override:
            batch.mapping = dict(mapping_override)
        _store_preview(batch, result, plan)
    return ImportOutcome(batch=batch, result=result, plan=plan)


def confirm_import(
    *, by: User | None, batch: ImportBatch, mode: str | None = None, progress: Progress | None = None
) -> ImportOutcome:
    """Apply exactly what the preview showed, or refuse (and re-preview) if the register moved."""
    _check_unit(by, batch.unit)
    if batch.status != BatchStatus.PREVIEWED:
        raise ServiceError(_("该批次已处理(%(status)s),不能再次导入。") % {"status": batch.get_status_display()})
    mode = mode or batch.mode
    with batch.original.open("rb") as fh:
        data = fh.read()
    override = batch.mapping or None
    result, plan = _read_and_plan(
        unit=batch.unit, data=data, file_name=batch.file_name, as_of=batch.as_of, mapping_override=override
    )
    if plan.fingerprint != batch.preview_fingerprint:
        with transaction.atomic():
            _store_preview(batch, result, plan)
        raise StalePreview(_("预览之后登记册中的数据已有变化,导入结果会与预览不同。已重新生成预览,请核对后再确认。"))
    batch.mode = mode
    return _apply(by=by, batch=batch, result=result, plan=plan, progress=progress)


def import_file(
    *,
    by: User | None,
    unit: AdministrativeUnit,
    data: bytes,
    file_name: str,
    as_of: dt.date | None = None,
    mode: str = ImportMode.ALL_OR_NOTHING,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportOutcome:
    """Preview and, unless ``dry_run`` or refused, apply in one go (the command line)."""
    outcome = preview_import(by=by, unit=unit, data=data, file_name=file_name, as_of=as_of, mode=mode)
    if dry_run:
        return outcome
    return _apply(by=by, batch=outcome.batch, result=outcome.result, plan=outcome.plan, progress=progress)


class ImportRefused(ServiceError):
    """Nothing was written; ``outcome`` holds the preview with its problems."""

    def __init__(self, message: str, outcome: ImportOutcome) -> None:
        super().__init__(message)
        self.outcome = outcome


def _apply(
    *, by: User | None, batch: ImportBatch, result: CensusReadResult, plan: Plan, progress: Progress | None
) -> ImportOutcome:
    outcome = ImportOutcome(batch=batch, result=result, plan=plan)
    file_errors = [p for p in result.problems if p.severity == "error" and p.row is None]
    if result.sheet_name is None or result.header_row is None or file_errors:
        raise ImportRefused(_("文件本身有错误(见问题列表),没有导入任何数据。"), outcome)
    if outcome.error_count and batch.mode != ImportMode.ACCEPT_VALID:
        raise ImportRefused(
            _(
                "文件中有 %(n)s 个错误,按“全部导入或全部不导入”方式没有导入任何数据。"
                "请改正后重新导入,或选择只导入有效行。"
            )
            % {"n": outcome.error_count},
            outcome,
        )
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if batch.status != BatchStatus.PREVIEWED:
                raise ServiceError(_("该批次已处理,不能再次导入。"))
            _write(by=by, batch=batch, plan=plan, progress=progress)
            batch.status = BatchStatus.APPLIED
            batch.applied_at = timezone.now()
            batch.save()
            log_change(
                actor=by,
                action=AuditAction.IMPORT,
                obj=batch,
                changes={
                    "file": batch.file_name,
                    "sha256": batch.file_sha256,
                    "unit": batch.unit.code,
                    "as_of": batch.as_of.isoformat(),
                    "new": batch.new_count,
                    "changed": batch.changed_count,
                    "unchanged": batch.unchanged_count,
                    "rejected": batch.rejected_count,
                    "changes_digest": _changes_digest(batch),
                },
            )
    except Exception as exc:
        # The transaction rolled back; record why on the batch so the user sees it.
        ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.PREVIEWED).update(
            status=BatchStatus.FAILED, failure_reason=str(exc)[:2000]
        )
        raise
    outcome.batch = batch
    return outcome


def _changes_digest(batch: ImportBatch) -> str:
    """Seals the per-organization change rows into the hash-chained audit record."""
    digest = hashlib.sha256()
    for row in batch.changes.order_by("pk").values_list("organization_id", "kind", "before", "after"):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def _code_maps() -> tuple[dict[str, int], dict[str, int]]:
    units = dict(AdministrativeUnit.objects.filter(valid_to__isnull=True).values_list("code", "pk"))
    departments = dict(Department.objects.values_list("code", "pk"))
    return units, departments


def _org_kwargs(values: Mapping[str, Any], units: Mapping[str, int], departments: Mapping[str, int]) -> dict[str, Any]:
    initials, full = pinyin_keys(values["name"])
    return {
        "uscc": values["uscc"] or None,
        "name": values["name"],
        "name_normalized": normalize_name(values["name"]),
        "name_initials": initials,
        "name_pinyin": full,
        "category": values["category"],
        "org_type": values["org_type"],
        "township_id": units[values["township"]],
        "village_id": units.get(values["village"]) if values.get("village") else None,
        "department_id": departments.get(values["department"]) if values.get("department") else None,
        "industry_code": values["industry_code"] or "",
        "above_designated_size": bool(values["above_designated_size"]),
        "address": values["address"] or "",
        "contact_person": values["contact_person"] or "",
        "contact_phone": values["contact_phone"] or "",
        "owner_is_member": values["owner_is_member"],
    }


def _facts(batch: ImportBatch, by: User | None, org_id: int, values: Mapping[str, Any]) -> OrganizationFacts:
    return OrganizationFacts(
        organization_id=org_id,
        valid_from=batch.as_of,
        source=FactSource.IMPORT,
        recorded_by=by,
        import_batch=batch,
        **{k: values[k] for k in FACT_FIELDS},
    )


def _jsonable_changes(changes: Mapping[str, tuple[Any, Any]], side: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, pair in changes.items():
        value = pair[side]
        out[key] = str(value) if value is not None and not isinstance(value, (str, int, bool, float)) else value
    return out


def _write(*, by: User | None, batch: ImportBatch, plan: Plan, progress: Progress | None) -> None:
    units, departments = _code_maps()
    new_rows = [r for r in plan.rows if r.kind == "new"]
    changed_rows = [r for r in plan.rows if r.kind == "changed"]
    total = len(new_rows) + len(changed_rows)
    done = 0

    party_orgs = _create_party_organizations(by=by, batch=batch, plan=plan, units=units)

    change_rows: list[ImportChange] = []
    for chunk in _chunks(new_rows):
        orgs = Organization.objects.bulk_create(
            [Organization(**_org_kwargs(r.org_values, units, departments)) for r in chunk]
        )
        facts = OrganizationFacts.objects.bulk_create(
            [_facts(batch, by, org.pk, r.facts_values or {}) for org, r in zip(orgs, chunk, strict=True)]
        )
        for org, fact, r in zip(orgs, facts, chunk, strict=True):
            r.org_pk = org.pk
            change_rows.append(
                ImportChange(
                    batch=batch,
                    organization_id=org.pk,
                    kind=ChangeKind.NEW,
                    row=r.row.excel_row,
                    before=None,
                    after=_jsonable_changes(r.changes, 1),
                    facts_created_id=fact.pk,
                    version_after=1,
                )
            )
        done += len(chunk)
        if progress:
            progress(done, total)

    now = timezone.now()
    for chunk in _chunks(changed_rows):
        by_pk = {o.pk: o for o in Organization.objects.select_for_update().filter(pk__in=[r.org_pk for r in chunk])}
        to_update: list[Organization] = []
        closing: list[int] = []
        new_facts: list[tuple[PlannedRow, OrganizationFacts]] = []
        for r in chunk:
            found = by_pk.get(r.org_pk or 0)
            if found is None or found.version != r.version:
                raise StalePreview(_("导入过程中登记册数据被修改,已全部撤回,请重新预览。"))
            org = found
            kwargs = _org_kwargs(r.org_values, units, departments)
            for name, value in kwargs.items():
                setattr(org, name, value)
            org.version += 1
            org.updated_at = now
            to_update.append(org)
            if r.facts_values is not None:
                if r.previous_facts_pk:
                    closing.append(r.previous_facts_pk)
                new_facts.append((r, _facts(batch, by, org.pk, r.facts_values)))
        Organization.objects.bulk_update(to_update, _UPDATE_FIELDS)
        if closing:
            OrganizationFacts.objects.filter(pk__in=closing, valid_to__isnull=True).update(valid_to=batch.as_of)
        created = OrganizationFacts.objects.bulk_create([f for _, f in new_facts])
        facts_of = {r.org_pk: f.pk for (r, _), f in zip(new_facts, created, strict=True)}
        for r in chunk:
            assert r.org_pk is not None  # every changed row matched an organization
            change_rows.append(
                ImportChange(
                    batch=batch,
                    organization_id=r.org_pk,
                    kind=ChangeKind.CHANGED,
                    row=r.row.excel_row,
                    before=_jsonable_changes(r.changes, 0),
                    after=_jsonable_changes(r.changes, 1),
                    facts_created_id=facts_of.get(r.org_pk),
                    facts_closed_id=r.previous_facts_pk if r.facts_values is not None else None,
                    version_after=(r.version or 0) + 1,
                )
            )
        done += len(chunk)
        if progress:
            progress(done, total)

    _link_party_organizations(batch=batch, plan=plan, party_orgs=party_orgs)
    _assign_instructors(batch=batch, plan=plan)
    ImportChange.objects.bulk_create(change_rows, batch_size=_WRITE_CHUNK)


_UPDATE_FIELDS = [
    "uscc",
    "name",
    "name_normalized",
    "name_initials",
    "name_pinyin",
    "category",
    "org_type",
    "township_id",
    "village_id",
    "department_id",
    "industry_code",
    "above_designated_size",
    "address",
    "contact_person",
    "contact_phone",
    "owner_is_member",
    "version",
    "updated_at",
]


def _create_party_organizations(
    *, by: User | None, batch: ImportBatch, plan: Plan, units: Mapping[str, int]
) -> dict[tuple[str, str], int]:
    created: dict[tuple[str, str], int] = {}
    for (township, key), label in sorted(plan.new_party_organizations.items()):
        kind = party_org_kind(label)
        party_org = PartyOrganization.objects.create(
            name=label,
            name_normalized=key,
            kind=kind,
            formation_method=FormationMethod.JOINT if kind == "joint_branch" else FormationMethod.INDEPENDENT,
            township_id=units[township],
            founded_on=batch.as_of,
        )
        created[(township, key)] = party_org.pk
        log_change(
            actor=by,
            action=AuditAction.CREATE,
            obj=party_org,
            changes={"name": [None, label], "kind": [None, kind], "import_batch": [None, batch.pk]},
        )
    batch.created_party_organizations = sorted(created.values())
    return created


def _link_party_organizations(*, batch: ImportBatch, plan: Plan, party_orgs: Mapping[tuple[str, str], int]) -> None:
    links = []
    for r in plan.rows:
        if r.kind not in ("new", "changed") or not r.party_organization:
            continue
        pk = r.party_organization_pk or party_orgs.get((r.org_values["township"], r.party_organization))
        if pk is not None and r.org_pk is not None:
            links.append(
                PartyOrganizationCoverage(party_organization_id=pk, organization_id=r.org_pk, valid_from=batch.as_of)
            )
    created = PartyOrganizationCoverage.objects.bulk_create(links, batch_size=_WRITE_CHUNK)
    batch.created_coverages = [c.pk for c in created]


def _assign_instructors(*, batch: ImportBatch, plan: Plan) -> None:
    rows = [r for r in plan.rows if r.kind in ("new", "changed") and r.instructor and r.org_pk]
    for chunk in _chunks(rows):
        InstructorAssignment.objects.filter(
            organization_id__in=[r.org_pk for r in chunk], valid_to__isnull=True
        ).update(valid_to=batch.as_of)
    InstructorAssignment.objects.bulk_create(
        [
            InstructorAssignment(
                organization_id=r.org_pk, instructor_name=r.instructor, valid_from=batch.as_of, import_batch=batch
            )
            for r in rows
            if r.org_pk is not None and r.instructor
        ],
        batch_size=_WRITE_CHUNK,
    )


# --- Revert -----------------------------------------------------------------------------------


REVERT_WINDOW_DAYS = 7


def may_revert(*, by: User, batch: ImportBatch) -> bool:
    if batch.status != BatchStatus.APPLIED or not by.can(Permission.EDIT_ORGANIZATIONS):
        return False
    if by.scope_kind is ScopeKind.COUNTY:
        return True
    applied = batch.applied_at or batch.created_at
    return (
        by.scope_kind is ScopeKind.TOWNSHIP
        and by.township_id == batch.unit_id
        and timezone.now() - applied <= dt.timedelta(days=REVERT_WINDOW_DAYS)
    )


def revert_batch(*, by: User | None, batch: ImportBatch) -> ImportBatch:
    """Restore the values before the batch, as long as nothing after it touched the same rows."""
    if by is not None and not may_revert(by=by, batch=batch):
        raise ServiceError(_("只有县级管理员,或本单位在导入后7天内,可以撤销已导入的批次。"))
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != BatchStatus.APPLIED:
            raise ServiceError(_("只能撤销已导入的批次。"))
        changes = list(batch.changes.select_related("organization"))
        _refuse_if_touched_later(batch, changes)
        org_ids = [c.organization_id for c in changes]
        PartyOrganizationCoverage.objects.filter(pk__in=batch.created_coverages).delete()
        InstructorAssignment.objects.filter(import_batch=batch).delete()
        for chunk in _chunks(org_ids):
            InstructorAssignment.objects.filter(organization_id__in=chunk, valid_to=batch.as_of).update(valid_to=None)
        new_ids = [c.organization_id for c in changes if c.kind == ChangeKind.NEW]
        changed = [c for c in changes if c.kind == ChangeKind.CHANGED]
        for change in changed:
            org = change.organization
            for key, value in (change.before or {}).items():
                _restore_field(org, key, value)
            org.version = change.version_after + 1
            org.save()
            # The organization is again as the previous batch that touched it left it, so that
            # batch stays revertible: it now ends at this version.
            previous = (
                ImportChange.objects.filter(organization=org, batch__pk__lt=batch.pk, batch__status=BatchStatus.APPLIED)
                .order_by("-batch__pk")
                .first()
            )
            if previous is not None and previous.version_after == change.version_after - 1:
                previous.version_after = org.version
                previous.save(update_fields=["version_after"])
        reopen = [c.facts_closed_id for c in changed if c.facts_closed_id]
        OrganizationFacts.objects.filter(import_batch=batch).delete()
        for chunk in _chunks(reopen):
            OrganizationFacts.objects.filter(pk__in=chunk).update(valid_to=None)
        for chunk in _chunks(new_ids):
            Organization.objects.filter(pk__in=chunk).delete()
        PartyOrganization.objects.filter(pk__in=batch.created_party_organizations).delete()
        batch.status = BatchStatus.REVERTED
        batch.reverted_at = timezone.now()
        batch.reverted_by = by
        batch.save()
        log_change(
            actor=by,
            action=AuditAction.REVERT,
            obj=batch,
            changes={"deleted_new": len(new_ids), "restored": len(changed)},
        )
    return batch


def _refuse_if_touched_later(batch: ImportBatch, changes: list[ImportChange]) -> None:
    org_ids = [c.organization_id for c in changes]
    later: set[int] = set()
    for chunk in _chunks(org_ids):
        later.update(
            ImportChange.objects.filter(
                organization_id__in=chunk, batch__pk__gt=batch.pk, batch__status=BatchStatus.APPLIED
            ).values_list("batch_id", flat=True)
        )
    if later:
        raise ServiceError(
            _("后来的导入批次(%(ids)s)修改了同一批组织,不能撤销本批次。请先撤销后来的批次。")
            % {"ids": "、".join(f"#{i}" for i in sorted(later))}
        )
    edited = [c.organization.name for c in changes if c.organization.version != c.version_after][:5]
    if edited:
        raise ServiceError(_("导入后这些组织又被修改过:%(names)s 等,不能整批撤销。") % {"names": "、".join(edited)})
    new_ids = [c.organization_id for c in changes if c.kind == ChangeKind.NEW]
    for chunk in _chunks(new_ids):
        if (
            Employment.objects.filter(organization_id__in=chunk).exists()
            or PartyOrganizationCoverage.objects.filter(organization_id__in=chunk)
            .exclude(pk__in=batch.created_coverages)
            .exists()
            or OrganizationFacts.objects.filter(organization_id__in=chunk).exclude(import_batch=batch).exists()
        ):
            raise ServiceError(_("本批次新增的组织后来已登记党员、党组织或新的普查数据,不能整批撤销。"))
    if PartyRelation.objects.filter(party_organization_id__in=batch.created_party_organizations).exists():
        raise ServiceError(_("本批次新建的党组织已有党员转入组织关系,不能整批撤销。"))


def _restore_field(org: Organization, key: str, value: Any) -> None:
    if key in FACT_FIELDS or key in ("party_organization", "instructor"):
        return  # facts come back by reopening the closed interval; links are deleted above
    if key in ("township", "village"):
        setattr(
            org, f"{key}_id", AdministrativeUnit.objects.get(code=value, valid_to__isnull=True).pk if value else None
        )
        return
    if key == "department":
        org.department_id = Department.objects.get(code=value).pk if value else None
        return
    if key == "name":
        org.name = value
        org.name_normalized = normalize_name(value)
        org.name_initials, org.name_pinyin = pinyin_keys(value)
        return
    setattr(org, key, value)


__all__ = [
    "EXTRA_PROBLEMS",
    "ImportOutcome",
    "ImportRefused",
    "StalePreview",
    "confirm_import",
    "import_file",
    "may_revert",
    "preview_import",
    "revert_batch",
]
