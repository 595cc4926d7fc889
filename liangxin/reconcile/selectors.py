"""What a reconciliation reads: the register of a unit as plain records, its places, and the list;
and the batches and rows a user may see.

A run writes nothing to the register: every result is a proposal a person decides on
(docs/reconciliation.md)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission, Role, ScopeKind
from liangxin.census.models import JobStatus
from liangxin.census.tabular.problems import Problem
from liangxin.core.shortcuts import get_in_scope_or_404
from liangxin.geo.models import AdministrativeUnit, UnitLevel
from liangxin.registry.choices import OperatingStatus
from liangxin.registry.models import Organization, OrganizationFacts

from .engine import OUT_OF_SCOPE_RULE, Reconciliation, RegisterRecord, Township, reconcile
from .keys import prefixes_of
from .listfile import Source, read_list
from .models import RESULT_LISTS, BatchStatus, ReconcileBatch, ReconcileRow


def _current(unit: AdministrativeUnit) -> tuple[AdministrativeUnit, ...]:
    return tuple(AdministrativeUnit.objects.filter(valid_to__isnull=True, path__startswith=unit.path).order_by("code"))


def register_records(unit: AdministrativeUnit) -> list[RegisterRecord]:
    """Every organization of the unit not merged into another; deregistered ones marked."""
    organizations = Organization.objects.filter(
        township__path__startswith=unit.path, merged_into__isnull=True
    ).order_by()
    closed = set(
        OrganizationFacts.objects.filter(
            organization__in=organizations.values("pk"),
            valid_to__isnull=True,
            operating_status=OperatingStatus.DEREGISTERED,
        )
        .order_by()
        .values_list("organization_id", flat=True)
    )
    return [
        RegisterRecord(
            pk=pk, name=name, township=township, uscc=uscc or "", org_type=org_type, deregistered=pk in closed
        )
        for pk, name, township, uscc, org_type in organizations.values_list(
            "pk", "name", "township__code", "uscc", "org_type"
        ).iterator(chunk_size=20_000)
    ]


def townships(unit: AdministrativeUnit) -> list[Township]:
    units = _current(unit)
    villages: dict[int, list[str]] = {}
    for u in units:
        if u.level == UnitLevel.VILLAGE and u.parent_id is not None:
            villages.setdefault(u.parent_id, []).append(u.name)
    return [
        Township(code=u.code, name=u.name, villages=tuple(villages.get(u.pk, ())))
        for u in units
        if u.level == UnitLevel.TOWNSHIP
    ]


def county_of(unit: AdministrativeUnit) -> AdministrativeUnit:
    county = unit
    while county.parent_id is not None and county.level != UnitLevel.COUNTY:
        county = county.parent  # type: ignore[assignment]
    return county


def name_prefixes(unit: AdministrativeUnit) -> tuple[str, ...]:
    """The county's name (and its short form) that registered names often start with."""
    return prefixes_of([county_of(unit).name])


# A list of which fewer than this share of entries matches the register or names one of the unit's
# places is most likely another county's list.
_OTHER_COUNTY_SHARE = 0.05


@dataclass
class Outcome:
    result: Reconciliation
    problems: list[Problem]
    entries: int

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)

    def as_dict(self) -> dict[str, object]:
        return self.result.as_dict() | {
            "entries": self.entries,
            "already_closed": self.result.already_closed,
            "out_of_scope_rule": self.result.out_of_scope_rule,
            "problems": [p.to_dict() for p in self.problems],
        }


def run_reconciliation(*, unit: AdministrativeUnit, data: bytes, file_name: str, source: Source) -> Outcome:
    listing = read_list(data, file_name)
    if listing.errors:
        return Outcome(result=Reconciliation(), problems=listing.problems, entries=len(listing.entries))
    result = reconcile(
        listing.entries,
        register_records(unit),
        source=source,
        townships=townships(unit),
        prefixes=name_prefixes(unit),
    )
    problems = list(listing.problems)
    in_scope = len(listing.entries) - result.out_of_scope
    if in_scope and result.matched + result.inferred < _OTHER_COUNTY_SHARE * in_scope:
        problems.append(
            Problem(
                file_name,
                listing.sheet,
                None,
                None,
                None,
                None,
                "error",
                "list_other_county",
                f"名单中 {in_scope} 条记录几乎没有一条能与{unit.name}的登记册或乡镇、村(社区)对应:"
                "请确认这是本县(本乡镇)登记机关导出的名单。",
            )
        )
        return Outcome(result=Reconciliation(), problems=problems, entries=len(listing.entries))
    return Outcome(result=result, problems=problems, entries=len(listing.entries))


# --- Batches and their rows, through the user's scope --------------------------------------------


def batches_for(*, user: User) -> QuerySet[ReconcileBatch]:
    """The county sees every batch; a township's clerk the batches of his township and those with
    rows in it (a county run), nobody else any."""
    qs = ReconcileBatch.objects.select_related("unit", "created_by", "reverted_by", "job")
    if user.scope_kind is ScopeKind.COUNTY and (user.can(Permission.EDIT_ORGANIZATIONS) or user.role == Role.LEADER):
        return qs
    if user.scope_kind is ScopeKind.TOWNSHIP and user.can(Permission.EDIT_ORGANIZATIONS):
        township = user.township_id or 0
        own_rows = ReconcileRow.objects.filter(batch=OuterRef("pk"), township_id=township)
        return qs.filter(Q(unit_id=township) | Exists(own_rows))
    return qs.none()


def rows_for(*, user: User, batch: ReconcileBatch) -> QuerySet[ReconcileRow]:
    """The rows of a batch the user sees: the county all, a township's clerk his township's."""
    qs = batch.rows.select_related("township", "organization", "decided_by")
    if user.scope_kind is ScopeKind.COUNTY:
        return qs
    if user.scope_kind is ScopeKind.TOWNSHIP:
        return qs.filter(township_id=user.township_id or 0)
    return qs.none()


def row_in_scope(*, user: User, pk: int) -> ReconcileRow:
    """A row the user sees, or 404 (another township's row answers like a missing one)."""
    batches = batches_for(user=user)
    qs = ReconcileRow.objects.select_related("batch", "batch__unit", "township", "organization").filter(
        batch__in=batches.values("pk")
    )
    if user.scope_kind is not ScopeKind.COUNTY:
        qs = qs.filter(township_id=user.township_id or 0)
    return get_in_scope_or_404(qs, pk=pk)


def original_in_scope(*, user: User, batch: ReconcileBatch) -> bool:
    """Whether the user may download the batch's file: it lists the whole unit, so the county
    (who sees every batch) or the township that ran it, not a township that only has rows in a
    county run."""
    return user.scope_kind is ScopeKind.COUNTY or batch.unit_id == user.township_id


def state_of(batch: ReconcileBatch) -> str:
    """The batch's status, as far as anyone can see now: a pending batch whose job failed (its
    worker died, say) has failed."""
    if batch.status == BatchStatus.PENDING and batch.job is not None and batch.job.status == JobStatus.FAILED:
        return BatchStatus.FAILED
    return batch.status


# The engine's lists by the kind of row they became.
_LIST_OF_KIND: dict[str, str] = {kind.value: key for key, kind in RESULT_LISTS}


def run_result(batch: ReconcileBatch) -> dict[str, object]:
    """A stored run in the shape of ``Outcome.as_dict`` (the command line prints a kept run as it
    prints a dry run; the command acts as the user who ran it, for the unit it ran for)."""
    result: dict[str, object] = {
        "batch": batch.pk,
        "status": state_of(batch),
        "matched": batch.matched,
        "out_of_scope": batch.out_of_scope,
        "entries": batch.entries,
        "already_closed": batch.already_closed,
        "out_of_scope_rule": OUT_OF_SCOPE_RULE,
        "problems": list(batch.problems),
    }
    lists: dict[str, list[object]] = {key: [] for key in _LIST_OF_KIND.values()}
    for kind, detail in batch.rows.order_by("pk").values_list("kind", "detail"):
        lists[_LIST_OF_KIND[kind]].append(detail)
    return result | lists
