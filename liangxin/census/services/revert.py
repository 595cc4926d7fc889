"""Revert: restore the register as it was before a batch, as long as nothing after it touched the
same organizations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission, ScopeKind
from liangxin.audit.models import AuditAction
from liangxin.audit.services import log_change
from liangxin.core.errors import ServiceError
from liangxin.core.text import normalize_name, pinyin_keys
from liangxin.formation import services as formation_services
from liangxin.geo.models import AdministrativeUnit, Department
from liangxin.registry.models import (
    Employment,
    Organization,
    OrganizationFacts,
    PartyOrganization,
    PartyOrganizationCoverage,
    PartyRelation,
)
from liangxin.talent.models import InstructorAssignment, PoolEntry, PostAssignment

from ..models import BatchStatus, ChangeKind, ImportBatch, ImportChange
from ..planning import FACT_FIELDS
from .scan import chunks

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
        # The pool entries the batch's names made go with it, unless somebody completed or assigned them since.
        PoolEntry.objects.filter(import_batch=batch, to_complete=True).exclude(
            Exists(InstructorAssignment.objects.filter(person=OuterRef("pk")))
        ).exclude(Exists(PostAssignment.objects.filter(person=OuterRef("pk")))).delete()
        for chunk in chunks(org_ids):
            # The assignments the batch ended (an end with a reason was a clerk's, not the census's).
            InstructorAssignment.objects.filter(organization_id__in=chunk, valid_to=batch.as_of, end_reason="").update(
                valid_to=None
            )
        new_ids = [c.organization_id for c in changes if c.kind == ChangeKind.NEW]
        changed = [c for c in changes if c.kind == ChangeKind.CHANGED]
        for change in changed:
            org = change.organization
            for key, value in (change.before or {}).items():
                restore_field(org, key, value)
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
        for chunk in chunks(reopen):
            OrganizationFacts.objects.filter(pk__in=chunk).update(valid_to=None)
        # The organizations operate again (their figures are back): so do the plans the batch closed.
        reopened = formation_services.reopen_plans(closed=batch.closed_plans, by=by)
        for chunk in chunks(new_ids):
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
            changes={"deleted_new": len(new_ids), "restored": len(changed), "plans_reopened": reopened},
        )
    return batch


def _refuse_if_touched_later(batch: ImportBatch, changes: list[ImportChange]) -> None:
    org_ids = [c.organization_id for c in changes]
    later: set[int] = set()
    for chunk in chunks(org_ids):
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
    # Whatever wrote the figures after the batch (a service, a script), it closed the interval the
    # batch opened: restoring the one before would leave two open intervals.
    refigured = list(
        OrganizationFacts.objects.filter(import_batch=batch, valid_to__isnull=False)
        .order_by("organization__name")
        .values_list("organization__name", flat=True)[:5]
    )
    if refigured:
        raise ServiceError(
            _("导入后这些组织又记录了新的普查数据:%(names)s 等,不能整批撤销。") % {"names": "、".join(refigured)}
        )
    new_ids = [c.organization_id for c in changes if c.kind == ChangeKind.NEW]
    for chunk in chunks(new_ids):
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


def restore_field(org: Organization, key: str, value: Any) -> None:
    """Put back one field of an organization as a batch's "before" holds it (a reconciliation's too)."""
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
