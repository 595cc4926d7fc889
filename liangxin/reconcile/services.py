"""Writes of a reconciliation (docs/reconciliation.md): a run kept as a batch, the decisions on its
rows, the revert of a batch. Keyword-only, one transaction each, every change audited.

The comparison itself writes nothing to the register; an accepted row is written through the
register's own services — ``registry.services.create_organization`` (missing),
``formation.services.deregister_organization`` (deregistered: closes plans too),
``registry.services.update_organization`` (changed) — so every rule of theirs applies.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import PurePath
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission, ScopeKind
from liangxin.audit.models import AuditAction
from liangxin.audit.services import log_change
from liangxin.census import jobs as census_jobs
from liangxin.census.models import ImportJob
from liangxin.census.selectors import importable_units
from liangxin.census.services.revert import restore_field
from liangxin.census.tabular.problems import Problem
from liangxin.core.errors import ServiceError
from liangxin.core.text import clean_text
from liangxin.formation import services as formation_services
from liangxin.formation.models import FormationPlan
from liangxin.geo.models import AdministrativeUnit, UnitLevel
from liangxin.registry import services as registry_services
from liangxin.registry.choices import ECONOMIC_TYPES, Category, FactSource, OrganizationType
from liangxin.registry.models import Employment, Organization, OrganizationFacts, PartyOrganizationCoverage
from liangxin.registry.tables import organization_data_of

from .engine import Reconciliation, kind_family
from .listfile import read_list
from .models import RESULT_LISTS, BatchStatus, Decision, ListSource, ReconcileBatch, ReconcileRow, RowKind
from .selectors import county_of, run_reconciliation

Progress = Callable[[str, int, int], None]
_STORE_CHUNK = 1000
# A missing entry whose type names no register type: the most common one of its list.
_DEFAULT_TYPE = {
    ListSource.MARKET: OrganizationType.PRIVATE_ENTERPRISE,
    ListSource.CIVIL: OrganizationType.SOCIAL_GROUP,
}
# The register's fields an accepted "changed" row may write (and the revert restores).
_CHANGED_FIELDS = ("name", "former_names", "org_type", "category", "uscc")


class ListRefused(ServiceError):
    """The file is no readable registration list: nothing was kept."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(_("名单文件有错误,没有保存,也没有开始比对。"))
        self.problems = list(problems)


# --- A run as a batch ------------------------------------------------------------------------


def start_batch(*, by: User, unit: AdministrativeUnit, source: str, data: bytes, file_name: str) -> ReconcileBatch:
    """Keep the list and queue its comparison. The file is read first: a file without a name
    column, or with a bad row, is refused whole (``ListRefused``) and nothing is written."""
    if not importable_units(user=by).filter(pk=unit.pk).exists():
        raise ServiceError(_("只能比对本单位的登记册。"))
    if source not in ListSource.values:
        raise ServiceError(_("请选择名单来源(市场监管或民政)。"), field="source")
    file_name = PurePath(file_name).name or "list.xlsx"
    listing = read_list(data, file_name)
    if listing.errors:
        raise ListRefused(listing.problems)
    if not listing.entries:
        raise ListRefused(
            [
                Problem(
                    file_name, listing.sheet, None, None, None, None, "error", "list_empty", _("名单中没有任何记录。")
                )
            ]
        )
    batch = ReconcileBatch(
        unit=unit,
        source=source,
        created_by=by,
        file_name=file_name[:255],
        file_sha256=hashlib.sha256(data).hexdigest(),
        entries=len(listing.entries),
        problems=[p.to_dict() for p in listing.problems],
    )
    batch.original.save(file_name[-100:], ContentFile(data), save=False)
    try:
        with transaction.atomic():
            batch.job = census_jobs.enqueue_compare(by=by, unit=unit, file_name=file_name, entries=batch.entries)
            batch.save()
            log_change(
                actor=by,
                action=AuditAction.RECONCILE_UPLOAD,
                obj=batch,
                changes={
                    "file": batch.file_name,
                    "bytes": len(data),
                    "sha256": batch.file_sha256,
                    "unit": unit.code,
                    "source": source,
                    "entries": batch.entries,
                },
            )
    except BaseException:
        if batch.original.name:
            batch.original.storage.delete(batch.original.name)
        raise
    return batch


def compare_now(*, by: User, unit: AdministrativeUnit, source: str, data: bytes, file_name: str) -> ReconcileBatch:
    """A batch kept and compared at once in this process (the command line), instead of by the
    worker: the same batch, rows and audit records as an upload in the browser."""
    batch = start_batch(by=by, unit=unit, source=source, data=data, file_name=file_name)
    assert batch.job is not None
    census_jobs.run_now(batch.job)
    batch.refresh_from_db()
    return batch


def run_batch(*, job: ImportJob, progress: Progress) -> str:
    """The comparison of the batch of ``job`` (the census worker calls it): its rows stored in one
    transaction, the counts on the batch. Returns the message the job shows."""
    batch = ReconcileBatch.objects.select_related("unit").get(job=job)
    try:
        return _run(batch, progress)
    except BaseException as exc:
        ReconcileBatch.objects.filter(pk=batch.pk, status=BatchStatus.PENDING).update(
            status=BatchStatus.FAILED,
            failure_reason=(_("比对出错:%(error)s") % {"error": exc})[:2000],
            finished_at=timezone.now(),
        )
        raise


def _run(batch: ReconcileBatch, progress: Progress) -> str:
    progress("reading", 0, batch.entries)
    with batch.original.open("rb") as fh:
        data = fh.read()
    progress("matching", 0, batch.entries)
    outcome = run_reconciliation(unit=batch.unit, data=data, file_name=batch.file_name, source=batch.source)  # type: ignore[arg-type]
    problems = [p.to_dict() for p in outcome.problems]
    if outcome.has_errors:
        reason = ";".join(p.message for p in outcome.problems if p.is_error)[:2000]
        ReconcileBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.FAILED, problems=problems, failure_reason=reason, finished_at=timezone.now()
        )
        return _("比对没有完成:") + reason
    rows = _rows(batch, outcome.result)
    with transaction.atomic():
        for start in range(0, len(rows), _STORE_CHUNK):
            ReconcileRow.objects.bulk_create(rows[start : start + _STORE_CHUNK])
            progress("storing", min(start + _STORE_CHUNK, len(rows)), len(rows))
        result = outcome.result
        counts = {
            "matched": result.matched,
            "out_of_scope": result.out_of_scope,
            "already_closed": result.already_closed,
            "missing_count": len(result.missing),
            "deregistered_count": len(result.deregistered),
            "changed_count": len(result.changed),
            "unregistered_count": len(result.unregistered),
            "duplicate_count": len(result.duplicates),
        }
        ReconcileBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.READY, problems=problems, finished_at=timezone.now(), **counts
        )
    return _(
        "比对完成:匹配 %(matched)s 条,漏报 %(missing)s,已注销 %(dereg)s,"
        "有变化 %(changed)s,未登记 %(unreg)s,疑似重复 %(dup)s。"
    ) % {
        "matched": result.matched,
        "missing": counts["missing_count"],
        "dereg": counts["deregistered_count"],
        "changed": counts["changed_count"],
        "unreg": counts["unregistered_count"],
        "dup": counts["duplicate_count"],
    }


def _rows(batch: ReconcileBatch, result: Reconciliation) -> list[ReconcileRow]:
    found = result.as_dict()
    codes = {item["township"] for key, _kind in RESULT_LISTS for item in found[key] if item.get("township")}
    units = dict(AdministrativeUnit.objects.filter(code__in=codes, valid_to__isnull=True).values_list("code", "pk"))
    rows = []
    for key, kind in RESULT_LISTS:
        for item in found[key]:
            organization = item.get("organization") or (item.get("organizations") or [None])[0]
            rows.append(
                ReconcileRow(
                    batch=batch,
                    kind=kind,
                    township_id=units.get(item.get("township") or ""),
                    organization_id=organization,
                    name=str(item["name"])[:200],
                    uscc=str(item.get("uscc") or "")[:18],
                    score=item.get("score"),
                    detail=item,
                )
            )
    return rows


# --- Decisions -------------------------------------------------------------------------------


def may_decide(*, by: User, row: ReconcileRow) -> bool:
    """A township's clerk decides its rows; the county those no township could be found for."""
    if not by.can(Permission.EDIT_ORGANIZATIONS):
        return False
    if row.township_id is None:
        return by.scope_kind is ScopeKind.COUNTY
    return by.scope_kind is ScopeKind.TOWNSHIP and by.township_id == row.township_id


def _locked_pending(by: User, row: ReconcileRow) -> ReconcileRow:
    if not may_decide(by=by, row=row):
        if row.township_id is None:
            raise ServiceError(_("名单地址没能确定乡镇的结果由县里确定。"))
        raise ServiceError(_("这条结果由所属乡镇确认。"))
    current = (
        ReconcileRow.objects.select_for_update(of=("self",)).select_related("batch", "organization").get(pk=row.pk)
    )
    if current.batch.status != BatchStatus.READY:
        raise ServiceError(_("本批次已撤销或没有完成比对,不能再处理。"))
    if current.decision != Decision.PENDING:
        raise ServiceError(_("“%(name)s”已经处理过了。") % {"name": current.name})
    return current


def accept_row(*, by: User, row: ReconcileRow, township: AdministrativeUnit | None = None) -> ReconcileRow:
    """Accept one row: its write through the register's services and the decision, one transaction.
    ``township`` places a missing organization the list's address could not (the county's rows)."""
    with transaction.atomic():
        current = _locked_pending(by, row)
        current.applied = _apply(by, current, township)
        current.decision = Decision.ACCEPTED
        current.decided_by = by
        current.decided_at = timezone.now()
        current.save()
        log_change(
            actor=by,
            action=AuditAction.RECONCILE_ACCEPT,
            obj=current,
            changes={"batch": current.batch_id, "kind": current.kind, "organization": current.organization_id}
            | {"applied": current.applied},
        )
    return current


def accept_rows(*, by: User, rows: Iterable[ReconcileRow]) -> int:
    """Accept a selected set in one transaction: all of them or, on the first refusal, none."""
    accepted = 0
    with transaction.atomic():
        for row in rows:
            try:
                accept_row(by=by, row=row)
            except ServiceError as exc:
                raise ServiceError(
                    _("“%(name)s”:%(why)s 选中的结果都没有采纳。") % {"name": row.name, "why": exc.message}
                ) from exc
            accepted += 1
    return accepted


def reject_row(*, by: User, row: ReconcileRow, reason: str) -> ReconcileRow:
    reason = clean_text(reason)
    if not reason:
        raise ServiceError(_("请填写驳回理由。"), field="reason")
    with transaction.atomic():
        current = _locked_pending(by, row)
        current.decision = Decision.REJECTED
        current.reason = reason
        current.decided_by = by
        current.decided_at = timezone.now()
        current.save()
        log_change(
            actor=by,
            action=AuditAction.RECONCILE_REJECT,
            obj=current,
            changes={"batch": current.batch_id, "kind": current.kind, "reason": reason},
        )
    return current


def _apply(by: User, row: ReconcileRow, township: AdministrativeUnit | None) -> dict[str, Any]:
    if row.kind == RowKind.MISSING:
        return _create_missing(by, row, township)
    if row.kind in (RowKind.UNREGISTERED, RowKind.DUPLICATE):
        return {}  # confirmed for verification or for the register's merge: nothing is written here
    organization = row.organization
    if organization is None or organization.merged_into_id is not None:
        raise ServiceError(_("登记册中已没有这个组织(可能已被删除或合并)。"))
    if row.kind == RowKind.DEREGISTERED:
        return _deregister(by, row, organization)
    return _change(by, row, organization)


def _create_missing(by: User, row: ReconcileRow, township: AdministrativeUnit | None) -> dict[str, Any]:
    place = row.township or township
    if place is None:
        raise ServiceError(_("名单地址没能确定乡镇:请选择这个组织所属的乡镇(街道)。"), field="township")
    if place.level != UnitLevel.TOWNSHIP or not place.path.startswith(county_of(row.batch.unit).path):
        raise ServiceError(_("请选择本县的乡镇(街道)。"), field="township")
    detail = row.detail
    family = kind_family(str(detail.get("kind") or ""))
    org_type = family[0] if family else _DEFAULT_TYPE[ListSource(row.batch.source)]
    data = registry_services.OrganizationData(
        name=str(detail.get("name") or row.name),
        category=Category.ECONOMIC if org_type in ECONOMIC_TYPES else Category.SOCIAL,
        org_type=org_type,
        township=place,
        uscc=row.uscc or None,
        address=str(detail.get("address") or "")[:200],
    )
    organization = registry_services.create_organization(
        by=by, data=data, facts=registry_services.FactsData(), source=FactSource.REGISTRATION
    )
    row.organization = organization
    if row.township_id is None:
        row.township = place
    return {"created": organization.pk, "version_after": organization.version}


def _deregister(by: User, row: ReconcileRow, organization: Organization) -> dict[str, Any]:
    facts_before = OrganizationFacts.objects.filter(organization=organization, valid_to__isnull=True).first()
    coverages = list(
        PartyOrganizationCoverage.objects.filter(organization=organization, valid_to__isnull=True).values_list(
            "pk", flat=True
        )
    )
    reason = _("登记名单(%(source)s,%(file)s 第%(row)s行)显示“%(status)s”") % {
        "source": row.batch.get_source_display(),
        "file": row.batch.file_name,
        "row": row.detail.get("row", ""),
        "status": row.detail.get("status", ""),
    }
    closed = formation_services.deregister_organization(by=by, organization=organization, reason=reason)
    organization.refresh_from_db()
    facts_after = OrganizationFacts.objects.get(organization=organization, valid_to__isnull=True)
    return {
        "organization": organization.pk,
        "version_after": organization.version,
        "facts_closed": facts_before.pk if facts_before is not None else None,
        "facts_created": facts_after.pk,
        "coverages_ended": coverages,
        "closed_plans": [[pk, status] for pk, status in sorted(closed)],
    }


def _change(by: User, row: ReconcileRow, organization: Organization) -> dict[str, Any]:
    changes: dict[str, dict[str, str]] = row.detail.get("changes") or {}
    before = {name: getattr(organization, name) for name in _CHANGED_FIELDS}
    data = organization_data_of(organization)
    if "name" in changes:
        former = [*data.former_names, organization.name] if organization.name not in data.former_names else None
        data = replace(data, name=changes["name"]["list"], former_names=former or data.former_names)
    if "org_type" in changes:
        org_type = changes["org_type"]["proposed"]
        category = Category.ECONOMIC if org_type in ECONOMIC_TYPES else Category.SOCIAL
        data = replace(data, org_type=org_type, category=category)
    if "uscc" in changes:
        data = replace(data, uscc=changes["uscc"]["list"])
    if not changes:
        return {}  # a similar name confirmed as the same organization: nothing to write
    updated = registry_services.update_organization(
        by=by, organization=organization, data=data, expected_version=organization.version
    )
    return {"organization": updated.pk, "version_after": updated.version, "before": before}


# --- Revert ----------------------------------------------------------------------------------


def may_revert(*, by: User, batch: ReconcileBatch) -> bool:
    """Who may start a run for the batch's unit may revert it (the county any)."""
    return batch.status == BatchStatus.READY and importable_units(user=by).filter(pk=batch.unit_id).exists()


def revert_batch(*, by: User, batch: ReconcileBatch) -> ReconcileBatch:
    """Undo every accepted row's write — organizations created deleted, deregistrations and
    changes undone, plans reopened — as long as nothing touched those organizations since."""
    if not may_revert(by=by, batch=batch):
        raise ServiceError(_("只能撤销本单位已完成比对、尚未撤销的批次。"))
    with transaction.atomic():
        batch = ReconcileBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != BatchStatus.READY:
            raise ServiceError(_("本批次已撤销或没有完成比对。"))
        rows = [
            row
            for row in batch.rows.filter(decision=Decision.ACCEPTED).order_by("-decided_at", "-pk")
            if row.applied.get("version_after") is not None
        ]
        organizations = Organization.objects.in_bulk([_organization_of(row) for row in rows])
        _refuse_if_touched_later(rows, organizations)
        counts = {"deleted": 0, "restored": 0, "reregistered": 0, "plans_reopened": 0}
        for row in rows:
            organization = organizations[_organization_of(row)]
            if "created" in row.applied:
                OrganizationFacts.objects.filter(organization=organization).delete()
                try:
                    organization.delete()
                except ProtectedError as exc:
                    raise ServiceError(
                        _("“%(name)s”后来已有其他记录引用,不能撤销。") % {"name": organization.name}
                    ) from exc
                counts["deleted"] += 1
                continue
            if "before" in row.applied:
                for name, value in row.applied["before"].items():
                    restore_field(organization, name, value)
                counts["restored"] += 1
            if "facts_created" in row.applied:
                OrganizationFacts.objects.filter(pk=row.applied["facts_created"]).delete()
                if row.applied["facts_closed"]:
                    OrganizationFacts.objects.filter(pk=row.applied["facts_closed"]).update(valid_to=None)
                PartyOrganizationCoverage.objects.filter(pk__in=row.applied["coverages_ended"]).update(valid_to=None)
                counts["reregistered"] += 1
            organization.version = row.applied["version_after"] + 1
            organization.save()
            if row.applied.get("closed_plans"):
                counts["plans_reopened"] += formation_services.reopen_plans(closed=row.applied["closed_plans"], by=by)
        batch.status = BatchStatus.REVERTED
        batch.reverted_at = timezone.now()
        batch.reverted_by = by
        batch.save()
        log_change(actor=by, action=AuditAction.RECONCILE_REVERT, obj=batch, changes=counts)
    return batch


def _organization_of(row: ReconcileRow) -> int:
    return int(row.applied.get("created") or row.applied["organization"])


def _refuse_if_touched_later(rows: Sequence[ReconcileRow], organizations: dict[int, Organization]) -> None:
    created = [_organization_of(row) for row in rows if "created" in row.applied]
    # An organization created from the list that has since got members, a party organization or a
    # formation plan is in use: three queries for all of them.
    in_use = {
        pk
        for model in (Employment, PartyOrganizationCoverage, FormationPlan)
        for pk in model.objects.filter(organization_id__in=created).values_list("organization_id", flat=True)
    }
    touched = []
    for row in rows:
        organization = organizations.get(_organization_of(row))
        if (
            organization is None
            or organization.version != row.applied["version_after"]
            or organization.merged_into_id is not None
        ):
            touched.append(organization.name if organization is not None else row.name)
            continue
        if "created" in row.applied and organization.pk in in_use:
            touched.append(organization.name)
    if touched:
        raise ServiceError(
            _("采纳后这些组织又被修改过(或已登记党员、党组织、组建方案):%(names)s,不能整批撤销。")
            % {"names": "、".join(touched[:5]) + (" 等" if len(touched) > 5 else "")}
        )
