"""Writes for mobile members: keyword-only, typed, one transaction each, audited. One function per
transition (registrations, certificates, transfers); a refusal is a ``ServiceError`` with the
reason. Rules in words: ``docs/mobile-members.md``."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission
from liangxin.audit.models import AuditAction
from liangxin.audit.services import diff, log_change, snapshot
from liangxin.census.models import ImportMode
from liangxin.census.tabular.problems import Problem
from liangxin.core import crypto
from liangxin.core.dates import today
from liangxin.core.errors import ConflictError, ServiceError
from liangxin.core.text import clean_name, clean_text, normalize_name
from liangxin.geo.models import AdministrativeUnit, UnitLevel
from liangxin.registry import services as registry_services
from liangxin.registry.identifiers import mask_id_number
from liangxin.registry.models import Employment, Member, Organization, PartyOrganization, PartyRelation
from liangxin.registry.scoping import party_organization_scope

from . import divisions, intake, matching
from . import transitions as t
from .models import (
    ActivityCertificate,
    BatchStatus,
    CertificateCheck,
    CheckResult,
    Contact,
    ContactMethod,
    Direction,
    ExternalPartyOrganization,
    ExternalRelation,
    HelpKind,
    HelpRecord,
    IntakeBatch,
    IntakeProblem,
    IntroductionLetter,
    MatchKind,
    MigrantRecord,
    MobileMember,
    NumberKind,
    NumberSequence,
    RecordStatus,
    RelationTransfer,
    TransferDirection,
    VoidReason,
)
from .scoping import batch_scope, mobile_member_scope, record_scope, transfer_scope

# --- Settings ------------------------------------------------------------------------------------


def verify_days() -> int:
    """Days a township has to verify a registration (凡登必核)."""
    return int(getattr(settings, "MOBILITY_VERIFY_DAYS", 30))


def contact_days() -> int:
    """Days after which the last contact with a mobile member is too old."""
    return int(getattr(settings, "MOBILITY_CONTACT_DAYS", 90))


def transfer_days() -> int:
    """Days after which a transfer not yet completed is flagged."""
    return int(getattr(settings, "MOBILITY_TRANSFER_DAYS", 30))


CERTIFICATE_VALID_DAYS = 365  # issued for a year; each annual check extends it by a year
LETTER_VALID_DAYS = 180


# --- Helpers -------------------------------------------------------------------------------------


def _require_editor(by: User) -> None:
    if not by.can(Permission.EDIT_ORGANIZATIONS):
        raise ServiceError(_("您的角色无权进行此操作。"))


def _in_scope(by: User, obj: Model, scope: Q) -> None:
    """The object must be in the user's scope: outside it is refused like a missing one."""
    if not type(obj)._default_manager.filter(scope, pk=obj.pk).exists():
        raise ServiceError(_("该记录不在您的管辖范围内。"))


def _require_mobile_member(by: User, mobile_member: MobileMember) -> None:
    _require_editor(by)
    _in_scope(by, mobile_member, mobile_member_scope(by))


def _local_party_organization(by: User, party_organization: PartyOrganization | None, field_name: str) -> None:
    if party_organization is None:
        return
    if not PartyOrganization.objects.filter(
        party_organization_scope(by), pk=party_organization.pk, dissolved_on__isnull=True
    ).exists():
        raise ServiceError(_("只能选择您管辖范围内现存的党组织。"), field=field_name)


def _audit(by: User | None, obj: Model, before: dict[str, Any] | None, action: str = "") -> None:
    log_change(
        actor=by,
        action=action or (AuditAction.CREATE if before is None else AuditAction.UPDATE),
        obj=obj,
        changes=diff(before, snapshot(obj)),
    )


def _saved(by: User, obj: Any, before: dict[str, Any]) -> None:
    """A new version of a record whose state changed, saved and audited with its diff."""
    obj.version += 1
    obj.save()
    _audit(by, obj, before)


def _required_reason(reason: str, message: str) -> str:
    reason = clean_text(reason)
    if not reason:
        raise ServiceError(message, field="reason")
    return reason[:200]


def _past(on: dt.date, what: str, field_name: str) -> None:
    if on > today():
        raise ServiceError(_("%(what)s不能晚于今天。") % {"what": what}, field=field_name)


def county_code() -> str:
    county = AdministrativeUnit.objects.filter(level=UnitLevel.COUNTY, valid_to__isnull=True).first()
    return county.code if county else ""


def open_relation(member: Member) -> PartyRelation | None:
    return (
        PartyRelation.objects.filter(member=member, valid_to__isnull=True).select_related("party_organization").first()
    )


def external_party_organization(*, name: str, place: str = "", contact: str = "") -> ExternalPartyOrganization:
    """The external party organization of this name in the county the place names (one row per
    name and county, reused)."""
    name = clean_name(name)
    if not name:
        raise ServiceError(_("请填写县外党组织名称。"), field="external_name")
    place = clean_text(place)
    code = divisions.county_of_address(place) or ""
    found, _created = ExternalPartyOrganization.objects.get_or_create(
        name=name, place_code=code, defaults={"place": place, "contact": clean_text(contact)}
    )
    return found


def _next_serial(kind: str, issuer: PartyOrganization, year: int) -> int:
    """The next serial of ``kind`` for ``issuer`` in ``year``: the sequence row is created if
    missing (a concurrent creation is ignored, not an error) and locked until the caller's
    transaction ends, so two issues at once get two serials, and a serial is never given twice."""
    NumberSequence.objects.bulk_create(
        [NumberSequence(kind=kind, issuer=issuer, year=year, last=0)], ignore_conflicts=True
    )
    sequence = NumberSequence.objects.select_for_update().get(kind=kind, issuer=issuer, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return sequence.last


_NUMBER_PREFIX = {NumberKind.CERTIFICATE: "LDZ", NumberKind.LETTER: "ZMX", NumberKind.TRANSFER: "JSX"}


def format_number(kind: str, issuer: PartyOrganization, year: int, serial: int) -> str:
    """``LDZ-2026-0042-0007``: kind, year, issuing party organization, serial."""
    return f"{_NUMBER_PREFIX[NumberKind(kind)]}-{year}-{issuer.pk:04d}-{serial:04d}"


# --- Intake: reading, matching, batches --------------------------------------------------------------


def reference_for(unit: AdministrativeUnit) -> intake.Reference:
    townships = AdministrativeUnit.objects.filter(level=UnitLevel.TOWNSHIP, valid_to__isnull=True)
    villages = AdministrativeUnit.objects.filter(level=UnitLevel.VILLAGE, valid_to__isnull=True)
    township_code = {u.pk: u.code for u in townships}
    units: list[tuple[str, str, str | None]] = [(u.code, u.name, None) for u in townships]
    units += [(v.code, v.name, township_code.get(v.parent_id or 0)) for v in villages if v.parent_id in township_code]
    names, village_names = intake.township_names(units)
    return intake.Reference(
        today=today(),
        townships=names,
        villages=village_names,
        unit_township=unit.code if unit.level == UnitLevel.TOWNSHIP else None,
    )


@dataclass
class PlannedRecord:
    row: intake.MigrantRow
    result: str  # new / changed / unchanged
    match: str  # MatchKind
    member_id: int | None = None
    candidates: list[matching.Candidate] = field(default_factory=list)
    existing_id: int | None = None  # the pending registration a "changed" row updates

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row.row,
            "result": self.result,
            "township": self.row.township,
            "origin": self.row.origin_code or None,
            "match": self.match,
            "member": self.member_id,
            "candidates": [c.to_dict() for c in self.candidates],
        }


@dataclass
class IntakeOutcome:
    read: intake.ReadResult
    planned: list[PlannedRecord]
    batch: IntakeBatch | None = None

    @property
    def problems(self) -> list[Problem]:
        return self.read.problems

    @property
    def error_count(self) -> int:
        return self.read.error_count

    def counts(self) -> dict[str, int]:
        by = {"new": 0, "changed": 0, "unchanged": 0}
        for p in self.planned:
            by[p.result] += 1
        return {**by, "rejected": len(self.read.rejected_rows())}

    def report(self) -> dict[str, Any]:
        """The command's JSON: the census report's keys, plus each record's match result."""
        return {
            **self.counts(),
            "problems": [p.to_dict() for p in self.problems],
            "records": [p.to_dict() for p in self.planned],
        }


def _member_person(member_id: int, name: str, birth: dt.date, encrypted: str) -> matching.Person:
    number = crypto.decrypt(encrypted)
    return matching.Person(member_id, normalize_name(name), birth, divisions.county_of_id_number(number))


_RECORD_FIELDS = ("name", "household_address", "current_address", "employer_name", "phone", "arrived_on")


def _record_values(row: intake.MigrantRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "household_address": row.household_address,
        "current_address": row.current_address,
        "employer_name": row.employer,
        "phone": row.phone,
        "arrived_on": row.arrived_on,
    }


def plan_rows(rows: list[intake.MigrantRow]) -> list[PlannedRecord]:
    """Match each valid row: a pending registration of the same person (changed / unchanged), a
    member already on the ledger (unchanged), else a new registration with its match."""
    hashes = {crypto.keyed_hash(r.id_number): r for r in rows}
    pending = {
        rec.id_number_hash: rec
        for rec in MigrantRecord.objects.filter(
            id_number_hash__in=list(hashes), status=RecordStatus.PENDING
        ).select_related("township")
    }
    members = dict(Member.objects.filter(id_number_hash__in=list(hashes)).values_list("id_number_hash", "pk"))
    on_ledger = set(
        MobileMember.objects.filter(member_id__in=list(members.values()), ended_on__isnull=True).values_list(
            "member_id", flat=True
        )
    )
    dates = {r.birth_date for r in rows}
    names = {r.name for r in rows} | {normalize_name(r.name) for r in rows}
    pool = [
        _member_person(pk, name, birth, encrypted)
        for pk, name, birth, encrypted in Member.objects.filter(
            Q(birth_date__in=dates) | Q(name__in=names)
        ).values_list("pk", "name", "birth_date", "id_number_encrypted")
    ]
    planned = []
    for id_hash, row in hashes.items():
        existing = pending.get(id_hash)
        member_id = members.get(id_hash)
        if existing is not None:
            values = _record_values(row)
            same = all(getattr(existing, k) == v for k, v in values.items()) and existing.township.code == row.township
            planned.append(
                PlannedRecord(
                    row,
                    "unchanged" if same else "changed",
                    existing.match_kind,
                    existing.matched_member_id,
                    existing_id=existing.pk,
                )
            )
            continue
        if member_id is not None and member_id in on_ledger:
            planned.append(PlannedRecord(row, "unchanged", MatchKind.EXACT, member_id))
            continue
        if member_id is not None:
            planned.append(PlannedRecord(row, "new", MatchKind.EXACT, member_id))
            continue
        person = matching.Person(0, row.name_key, row.birth_date, row.origin_code or None)
        found = matching.candidates(person, pool)
        planned.append(PlannedRecord(row, "new", MatchKind.CANDIDATES if found else MatchKind.NONE, candidates=found))
    planned.sort(key=lambda p: p.row.row)
    return planned


def _check_unit(by: User | None, unit: AdministrativeUnit) -> None:
    if unit.level not in (UnitLevel.COUNTY, UnitLevel.TOWNSHIP):
        raise ServiceError(_("请选择县或乡镇(街道)。"), field="unit")
    if by is None:
        return
    _require_editor(by)
    if unit.level == UnitLevel.COUNTY and by.township_id is not None:
        raise ServiceError(_("乡镇只能导入本乡镇的流动人口信息。"), field="unit")
    if unit.level == UnitLevel.TOWNSHIP and by.township_id not in (None, unit.pk):
        raise ServiceError(_("乡镇只能导入本乡镇的流动人口信息。"), field="unit")


def read_file(*, unit: AdministrativeUnit, data: bytes, file_name: str) -> IntakeOutcome:
    """Read, validate and match a police file; writes nothing."""
    read = intake.read_migrants(data, file_name, reference_for(unit))
    return IntakeOutcome(read, plan_rows(read.rows))


def _refusal(outcome: IntakeOutcome, mode: str) -> str | None:
    if outcome.read.file_errors:
        return _("文件有错误,没有导入。")
    if mode == ImportMode.ALL_OR_NOTHING and outcome.error_count:
        return _("有 %(n)d 个错误,按“全部导入或全部不导入”没有导入。请改正后重新导入,或选择只导入有效行。") % {
            "n": outcome.error_count
        }
    return None


class ImportRefused(ServiceError):
    def __init__(self, message: str, outcome: IntakeOutcome) -> None:
        super().__init__(message)
        self.outcome = outcome


def _save_batch(
    *, by: User | None, unit: AdministrativeUnit, data: bytes, file_name: str, mode: str, outcome: IntakeOutcome
) -> IntakeBatch:
    counts = outcome.counts()
    batch = IntakeBatch(
        unit=unit,
        created_by=by,
        file_name=file_name[:255],
        file_sha256=hashlib.sha256(data).hexdigest(),
        sheet_name=outcome.read.sheet_name or "",
        header_row=outcome.read.header_row,
        mode=mode,
        rows_total=outcome.read.rows_total,
        new_count=counts["new"],
        changed_count=counts["changed"],
        unchanged_count=counts["unchanged"],
        rejected_count=counts["rejected"],
        error_count=outcome.read.error_count,
        warning_count=outcome.read.warning_count,
    )
    batch.original.save(file_name[-80:] or "migrants.xlsx", ContentFile(data), save=False)
    batch.save()
    IntakeProblem.objects.bulk_create(
        IntakeProblem(
            batch=batch,
            sheet=p.sheet or "",
            row=p.row,
            column=(p.column or "")[:100],
            field=p.field or "",
            value=(p.value or "")[:1000],
            severity=p.severity,
            code=p.code,
            message=p.message,
        )
        for p in outcome.problems
    )
    log_change(
        actor=by,
        action=AuditAction.CREATE,
        obj=batch,
        changes={"file": file_name, "sha256": batch.file_sha256, "unit": unit.code, **counts},
    )
    return batch


def preview_file(
    *, by: User, unit: AdministrativeUnit, data: bytes, file_name: str, mode: str = ImportMode.ALL_OR_NOTHING
) -> IntakeOutcome:
    """The browser's first step: the batch is kept with its file and problems, nothing else."""
    _check_unit(by, unit)
    outcome = read_file(unit=unit, data=data, file_name=file_name)
    with transaction.atomic():
        outcome.batch = _save_batch(by=by, unit=unit, data=data, file_name=file_name, mode=mode, outcome=outcome)
    return outcome


def _write_records(by: User | None, batch: IntakeBatch, planned: Iterable[PlannedRecord]) -> None:
    townships = {u.code: u for u in AdministrativeUnit.objects.filter(level=UnitLevel.TOWNSHIP)}
    registered = today()
    due = registered + dt.timedelta(days=verify_days())
    for p in planned:
        row = p.row
        if p.result == "unchanged":
            continue
        if p.result == "changed":
            assert p.existing_id is not None
            record = MigrantRecord.objects.select_for_update().get(pk=p.existing_id)
            for key, value in _record_values(row).items():
                setattr(record, key, value)
            record.township = townships[row.township]
            record.batch = batch
            record.row = row.row
            record.version += 1
            record.save()
            log_change(
                actor=by,
                action=AuditAction.UPDATE,
                obj=record,
                changes={"batch": [None, batch.pk], "row": [None, row.row], "township": [None, row.township]},
            )
            continue
        record = MigrantRecord.objects.create(
            batch=batch,
            row=row.row,
            township=townships[row.township],
            name=row.name,
            id_number_encrypted=crypto.encrypt(row.id_number),
            id_number_hash=crypto.keyed_hash(row.id_number),
            id_number_masked=mask_id_number(row.id_number),
            birth_date=row.birth_date,
            sex=row.sex,
            origin_code=row.origin_code,
            registered_on=registered,
            due_on=due,
            match_kind=p.match,
            matched_member_id=p.member_id,
            candidates=[c.to_dict() for c in p.candidates],
            **{k: v for k, v in _record_values(row).items() if k != "name"},
        )
        # The audit record holds nothing personal: a registration verified "not a member" must
        # leave no trace of the person, and audit records cannot be changed.
        log_change(
            actor=by,
            action=AuditAction.CREATE,
            obj=record,
            object_repr=f"#{record.pk}",
            changes={"batch": batch.pk, "row": row.row, "township": row.township, "match": p.match},
        )


def _apply(by: User | None, batch: IntakeBatch, outcome: IntakeOutcome) -> None:
    rejected = outcome.read.rejected_rows()
    _write_records(by, batch, [p for p in outcome.planned if p.row.row not in rejected])
    batch.status = BatchStatus.APPLIED
    batch.applied_at = timezone.now()
    batch.save(update_fields=["status", "applied_at"])
    log_change(actor=by, action=AuditAction.IMPORT, obj=batch, changes=outcome.counts())


def confirm_batch(*, by: User, batch: IntakeBatch) -> IntakeOutcome:
    """Import a previewed batch: its kept file is read and matched again, then written in one
    transaction (all or nothing, or the valid rows, as the batch's mode says)."""
    _require_editor(by)
    _in_scope(by, batch, batch_scope(by))
    if batch.status != BatchStatus.PREVIEWED:
        raise ServiceError(_("该批次已%(status)s,不能再导入。") % {"status": batch.get_status_display()})
    if not batch.original:
        raise ServiceError(_("该批次的原始文件已删除,请重新上传。"))
    with batch.original.open("rb") as handle:
        data = handle.read()
    outcome = read_file(unit=batch.unit, data=data, file_name=batch.file_name)
    outcome.batch = batch
    refused = _refusal(outcome, batch.mode)
    if refused:
        raise ImportRefused(refused, outcome)
    with transaction.atomic():
        locked = IntakeBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != BatchStatus.PREVIEWED:
            raise ConflictError(_("该批次已由他人导入或撤销。"))
        _apply(by, locked, outcome)
    batch.refresh_from_db()
    return outcome


def import_file(
    *,
    by: User | None,
    unit: AdministrativeUnit,
    data: bytes,
    file_name: str,
    mode: str = ImportMode.ALL_OR_NOTHING,
    dry_run: bool = False,
) -> IntakeOutcome:
    """The command line: read, match and (unless ``dry_run``) write, in one transaction; with an
    error in all-or-nothing mode nothing is written (``ImportRefused``)."""
    _check_unit(by, unit)
    outcome = read_file(unit=unit, data=data, file_name=file_name)
    if dry_run:
        return outcome
    refused = _refusal(outcome, mode)
    if refused:
        raise ImportRefused(refused, outcome)
    with transaction.atomic():
        outcome.batch = _save_batch(by=by, unit=unit, data=data, file_name=file_name, mode=mode, outcome=outcome)
        _apply(by, outcome.batch, outcome)
    return outcome


def revert_batch(*, by: User, batch: IntakeBatch) -> IntakeBatch:
    """Undo an import: its registrations are deleted, refused once one of them is verified."""
    _require_editor(by)
    _in_scope(by, batch, batch_scope(by))
    with transaction.atomic():
        batch = IntakeBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != BatchStatus.APPLIED:
            raise ServiceError(_("只有已导入的批次可以撤销。"))
        verified = batch.records.exclude(status=RecordStatus.PENDING).count()
        if verified:
            raise ServiceError(_("该批次已有 %(n)d 条登记核实完毕,不能撤销。") % {"n": verified})
        if MigrantRecord.objects.filter(
            batch__gt=batch.pk, id_number_hash__in=batch.records.values("id_number_hash")
        ).exists():
            raise ServiceError(_("之后的导入更新了本批次的登记,不能撤销。"))
        deleted, _detail = batch.records.all().delete()
        batch.status = BatchStatus.REVERTED
        batch.reverted_at = timezone.now()
        batch.reverted_by = by
        batch.save(update_fields=["status", "reverted_at", "reverted_by"])
        log_change(actor=by, action=AuditAction.REVERT, obj=batch, changes={"deleted_new": deleted})
    return batch


# --- Verification (凡登必核): one function per outcome ------------------------------------------------------


def _pending(by: User, record: MigrantRecord) -> MigrantRecord:
    _require_editor(by)
    _in_scope(by, record, record_scope(by))
    locked = MigrantRecord.objects.select_for_update().get(pk=record.pk)
    if locked.status != RecordStatus.PENDING:
        raise ServiceError(_("该登记已核实(%(status)s)。") % {"status": locked.get_status_display()})
    return locked


def _verified(by: User, record: MigrantRecord, status: str, on: dt.date, note: str) -> None:
    before = {"status": record.status}
    record.status = status
    record.verified_on = on
    record.verified_by = by
    record.verification_note = clean_text(note)[:200]
    record.version += 1
    record.save()
    log_change(
        actor=by,
        action=AuditAction.UPDATE,
        obj=record,
        object_repr=f"#{record.pk}",
        changes={"status": [before["status"], status], "verified_on": [None, on.isoformat()]},
    )


def _record_id_number(record: MigrantRecord) -> str:
    return crypto.decrypt(record.id_number_encrypted)


def confirm_existing_member(
    *, by: User, record: MigrantRecord, member: Member, on: dt.date | None = None, note: str = ""
) -> MigrantRecord:
    """The record is a member already in the register (the exact match, or a candidate the clerk
    checked): the member goes on the ledger as coming in, unless already on it."""
    on = on or today()
    _past(on, _("核实日期"), "verified_on")
    with transaction.atomic():
        record = _pending(by, record)
        exact = member.id_number_hash == record.id_number_hash
        if not exact and member.pk not in {c["member"] for c in record.candidates}:
            raise ServiceError(_("只能确认为身份号码一致的党员或列出的疑似党员。"), field="member")
        if not exact and not clean_text(note):
            raise ServiceError(_("所选党员与公安登记的公民身份号码不一致,请在核实说明中写明核对经过。"), field="note")
        ledger = MobileMember.objects.filter(member=member, ended_on__isnull=True).first()
        # A member whose relation the county holds is on its rosters already: confirmed, no entry.
        if ledger is None and open_relation(member) is None:
            ledger = _new_ledger(
                by=by,
                member=member,
                direction=Direction.INFLOW,
                township=record.township,
                origin_code=record.origin_code,
                place=record.current_address,
                employer_name=record.employer_name,
                phone=record.phone,
                since=record.arrived_on or on,
                registration=record,
            )
        record.mobile_member = ledger
        _verified(by, record, RecordStatus.CONFIRMED, on, note)
    return record


@dataclass(frozen=True)
class NewMemberData:
    status: str
    admitted_on: dt.date
    full_membership_on: dt.date | None
    external_name: str
    external_place: str = ""
    external_contact: str = ""


def register_new_mobile_member(
    *, by: User, record: MigrantRecord, data: NewMemberData, on: dt.date | None = None, note: str = ""
) -> MigrantRecord:
    """The record is a member not in the register, whose relation is held outside the county:
    registered as a member with that external relation, and on the ledger as coming in."""
    on = on or today()
    _past(on, _("核实日期"), "verified_on")
    with transaction.atomic():
        record = _pending(by, record)
        if Member.objects.filter(id_number_hash=record.id_number_hash).exists():
            raise ServiceError(_("该公民身份号码已在党员登记册中,请选择“确认为已登记党员”。"))
        external = external_party_organization(
            name=data.external_name, place=data.external_place, contact=data.external_contact
        )
        member = registry_services.create_member(
            by=by,
            data=registry_services.MemberData(
                name=record.name,
                id_number=_record_id_number(record),
                status=data.status,
                admitted_on=data.admitted_on,
                full_membership_on=data.full_membership_on,
                phone=record.phone,
            ),
            party_organization=None,
            employer=None,
            as_of=on,
        )
        ExternalRelation.objects.create(member=member, party_organization=external, valid_from=on)
        ledger = _new_ledger(
            by=by,
            member=member,
            direction=Direction.INFLOW,
            township=record.township,
            origin_code=record.origin_code or external.place_code,
            place=record.current_address,
            employer_name=record.employer_name,
            phone=record.phone,
            since=record.arrived_on or on,
            registration=record,
        )
        record.mobile_member = ledger
        _verified(by, record, RecordStatus.NEW_MOBILE, on, note)
    return record


_PERSONAL = {
    "name": "",
    "id_number_encrypted": "",
    "id_number_hash": "",
    "id_number_masked": "",
    "birth_date": None,
    "household_address": "",
    "current_address": "",
    "employer_name": "",
    "phone": "",
}


def mark_not_member(*, by: User, record: MigrantRecord, on: dt.date | None = None, note: str = "") -> MigrantRecord:
    """Not a party member: the police file's personal fields are deleted from the record (the
    township, origin, sex and arrival date stay, for the statistics), and the batch's original file
    with them, since it holds this person's data too."""
    on = on or today()
    _past(on, _("核实日期"), "verified_on")
    with transaction.atomic():
        record = _pending(by, record)
        for name, value in _PERSONAL.items():
            setattr(record, name, value)
        record.candidates = []
        record.matched_member = None
        record.erased_at = timezone.now()
        _verified(by, record, RecordStatus.NOT_MEMBER, on, "")
        log_change(
            actor=by,
            action=AuditAction.DELETE,
            obj=record,
            object_repr=f"#{record.pk}",
            changes={"erased": sorted(_PERSONAL)},
        )
        batch = record.batch
        if batch is not None and batch.original:
            stored, storage = batch.original.name or "", batch.original.storage
            transaction.on_commit(lambda: storage.delete(stored))
            batch.original = ""
            batch.original_erased_at = timezone.now()
            batch.save(update_fields=["original", "original_erased_at"])
            log_change(actor=by, action=AuditAction.DELETE, obj=batch, changes={"file": [batch.file_name, None]})
    return record


def mark_not_found(*, by: User, record: MigrantRecord, on: dt.date | None = None, note: str = "") -> MigrantRecord:
    """The person could not be found at the address (moved on, never there)."""
    on = on or today()
    _past(on, _("核实日期"), "verified_on")
    if not clean_text(note):
        raise ServiceError(_("请说明核实经过(如走访日期、所问的人)。"), field="note")
    with transaction.atomic():
        record = _pending(by, record)
        _verified(by, record, RecordStatus.NOT_FOUND, on, note)
    return record


# --- The ledger -----------------------------------------------------------------------------------------


def _new_ledger(
    *,
    by: User | None,
    member: Member,
    direction: str,
    township: AdministrativeUnit,
    origin_code: str = "",
    destination_code: str = "",
    place: str = "",
    employer: Organization | None = None,
    employer_name: str = "",
    phone: str = "",
    takes_part_in: PartyOrganization | None = None,
    liaison: PartyOrganization | None = None,
    since: dt.date,
    temporary: bool = False,
    registration: MigrantRecord | None = None,
) -> MobileMember:
    if MobileMember.objects.filter(member=member, ended_on__isnull=True).exists():
        raise ServiceError(_("该党员已在流动党员台账中。"))
    here = county_code()
    ledger = MobileMember.objects.create(
        member=member,
        direction=direction,
        township=township,
        origin_code=origin_code if direction == Direction.INFLOW else here,
        destination_code=here if direction == Direction.INFLOW else destination_code,
        place=clean_text(place)[:200],
        employer=employer,
        employer_name=clean_name(employer_name or (employer.name if employer else ""))[:200],
        phone=clean_text(phone)[:32],
        takes_part_in=takes_part_in,
        liaison=liaison,
        since=since,
        registered_on=today(),
        temporary=temporary,
        registration=registration,
        created_by=by,
    )
    _audit(by, ledger, None)
    return ledger


def register_inflow(
    *,
    by: User,
    member: Member,
    township: AdministrativeUnit,
    since: dt.date,
    place: str = "",
    employer: Organization | None = None,
    employer_name: str = "",
    phone: str = "",
    takes_part_in: PartyOrganization | None = None,
    external: ExternalPartyOrganization | None = None,
    temporary: bool = False,
) -> MobileMember:
    """A member coming in (流入登记) whose relation is held outside the county."""
    _require_editor(by)
    if by.township_id is not None and by.township_id != township.pk:
        raise ServiceError(_("只能登记在本乡镇居住或务工的流动党员。"), field="township")
    _local_party_organization(by, takes_part_in, "takes_part_in")
    _past(since, _("流入日期"), "since")
    if open_relation(member) is not None:
        raise ServiceError(_("该党员的组织关系在本县,应作流出登记或直接编入本县党组织。"))
    number = crypto.decrypt(member.id_number_encrypted)
    with transaction.atomic():
        if external is not None and not ExternalRelation.objects.filter(member=member, valid_to__isnull=True).exists():
            ExternalRelation.objects.create(member=member, party_organization=external, valid_from=since)
        return _new_ledger(
            by=by,
            member=member,
            direction=Direction.INFLOW,
            township=township,
            origin_code=(external.place_code if external else "") or divisions.county_of_id_number(number) or "",
            place=place,
            employer=employer,
            employer_name=employer_name,
            phone=phone or member.phone,
            takes_part_in=takes_part_in,
            since=since,
            temporary=temporary,
        )


def register_unrostered_as_mobile(*, by: User, member: Member, on: dt.date | None = None) -> MobileMember:
    """A member found working here on no roster, whose relation is held elsewhere: on the ledger as
    coming in, at the employer's township (the "一个不能少" list's action)."""
    employment = Employment.objects.filter(member=member, valid_to__isnull=True).select_related("organization").first()
    if employment is None:
        raise ServiceError(_("该党员没有在本县两新组织工作的记录。"))
    organization = employment.organization
    return register_inflow(
        by=by,
        member=member,
        township=organization.township,
        since=on or today(),
        place=organization.address,
        employer=organization,
    )


def register_outflow(
    *,
    by: User,
    member: Member,
    destination: str,
    since: dt.date,
    employer_name: str = "",
    phone: str = "",
    liaison: PartyOrganization | None = None,
    temporary: bool = False,
) -> MobileMember:
    """A member leaving the county (流出登记): destination, employer, contact, and the local party
    organization that keeps in touch (by default the one holding the relation)."""
    _require_editor(by)
    relation = open_relation(member)
    if (
        relation is None
        or not PartyOrganization.objects.filter(
            party_organization_scope(by), pk=relation.party_organization_id
        ).exists()
    ):
        raise ServiceError(_("只能为组织关系在您管辖范围内的党员作流出登记。"))
    liaison = liaison or relation.party_organization
    _local_party_organization(by, liaison, "liaison")
    _past(since, _("流出日期"), "since")
    destination = clean_text(destination)
    if not destination:
        raise ServiceError(_("请填写流向地。"), field="destination")
    with transaction.atomic():
        return _new_ledger(
            by=by,
            member=member,
            direction=Direction.OUTFLOW,
            township=relation.party_organization.township,
            destination_code=divisions.county_of_address(destination) or "",
            place=destination,
            employer_name=employer_name,
            phone=phone or member.phone,
            liaison=liaison,
            since=since,
            temporary=temporary,
        )


@dataclass(frozen=True)
class LedgerData:
    place: str
    employer_name: str
    phone: str
    takes_part_in: PartyOrganization | None
    liaison: PartyOrganization | None
    temporary: bool


def update_ledger(*, by: User, mobile_member: MobileMember, data: LedgerData, version: int) -> MobileMember:
    """Current place, employer, contact and the party organizations; placing a member in a party
    organization (参加活动的党组织) takes it off the list of those not yet placed."""
    _require_mobile_member(by, mobile_member)
    _local_party_organization(by, data.takes_part_in, "takes_part_in")
    _local_party_organization(by, data.liaison, "liaison")
    with transaction.atomic():
        current = MobileMember.objects.select_for_update().get(pk=mobile_member.pk)
        if current.version != version:
            raise ConflictError(_("该记录已被他人修改,请刷新后重试。"))
        if current.ended_on is not None:
            raise ServiceError(_("该流动党员登记已结束。"))
        before = snapshot(current)
        current.place = clean_text(data.place)[:200]
        current.employer_name = clean_name(data.employer_name)[:200]
        current.phone = clean_text(data.phone)[:32]
        current.takes_part_in = data.takes_part_in
        current.liaison = data.liaison
        current.temporary = data.temporary
        if current.direction == Direction.OUTFLOW:
            current.destination_code = divisions.county_of_address(current.place) or current.destination_code
        _saved(by, current, before)
    return current


def end_mobility(*, by: User, mobile_member: MobileMember, on: dt.date, reason: str) -> MobileMember:
    """The member is no longer mobile (returned home, moved on, relation transferred)."""
    _require_mobile_member(by, mobile_member)
    _past(on, _("结束日期"), "ended_on")
    reason = _required_reason(reason, _("请填写结束原因。"))
    with transaction.atomic():
        current = MobileMember.objects.select_for_update().get(pk=mobile_member.pk)
        if current.ended_on is not None:
            raise ServiceError(_("该流动党员登记已结束。"))
        if on < current.registered_on:
            raise ServiceError(_("结束日期不能早于登记日期。"), field="ended_on")
        before = snapshot(current)
        current.ended_on = on
        current.end_reason = reason
        _saved(by, current, before)
    return current


def record_contact(
    *,
    by: User,
    mobile_member: MobileMember,
    contacted_on: dt.date,
    method: str,
    situation: str,
    thoughts: str = "",
    whereabouts: str = "",
) -> Contact:
    """A contact recording the three knows: current situation, thoughts, whereabouts."""
    _require_mobile_member(by, mobile_member)
    _past(contacted_on, _("联系日期"), "contacted_on")
    if method not in ContactMethod.values:
        raise ServiceError(_("请选择联系方式。"), field="method")
    situation = clean_text(situation)
    if not situation:
        raise ServiceError(_("请填写现状。"), field="situation")
    with transaction.atomic():
        contact = Contact.objects.create(
            mobile_member=mobile_member,
            contacted_on=contacted_on,
            method=method,
            situation=situation[:1000],
            thoughts=clean_text(thoughts)[:1000],
            whereabouts=clean_text(whereabouts)[:1000],
            recorded_by=by,
        )
        _audit(by, contact, None)
    return contact


def issue_letter(
    *, by: User, mobile_member: MobileMember, addressee: str, on: dt.date | None = None
) -> IntroductionLetter:
    """A party member's letter (党员证明信) for a temporary or seasonal worker, numbered by the
    party organization holding the relation."""
    _require_mobile_member(by, mobile_member)
    on = on or today()
    _past(on, _("开具日期"), "issued_on")
    if not mobile_member.temporary:
        raise ServiceError(_("党员证明信开给临时性、季节性务工的党员;长期流出的请办理组织关系转接或活动证。"))
    relation = open_relation(mobile_member.member)
    if relation is None:
        raise ServiceError(_("该党员的组织关系不在本县,证明信由其组织关系所在党组织开具。"))
    addressee = clean_name(addressee)
    if not addressee:
        raise ServiceError(_("请填写接收的党组织。"), field="addressee")
    issuer = relation.party_organization
    with transaction.atomic():
        serial = _next_serial(NumberKind.LETTER, issuer, on.year)
        letter = IntroductionLetter.objects.create(
            mobile_member=mobile_member,
            issuer=issuer,
            year=on.year,
            serial=serial,
            number=format_number(NumberKind.LETTER, issuer, on.year, serial),
            issued_on=on,
            valid_until=on + dt.timedelta(days=LETTER_VALID_DAYS),
            addressee=addressee[:200],
            created_by=by,
        )
        _audit(by, letter, None)
    return letter


# --- The activity certificate: one function per transition -------------------------------------------------


def _certificate(by: User, certificate: ActivityCertificate, action: str) -> tuple[ActivityCertificate, str]:
    _require_editor(by)
    _in_scope(by, certificate.mobile_member, mobile_member_scope(by))
    locked = ActivityCertificate.objects.select_for_update().get(pk=certificate.pk)
    try:
        target = t.certificate_step(action, locked.status)
    except t.TransitionRefused as exc:
        raise ServiceError(exc.message) from exc
    return locked, target


def apply_certificate(
    *, by: User, mobile_member: MobileMember, on: dt.date | None = None, note: str = ""
) -> ActivityCertificate:
    """申请: for an outgoing member, issued by the party organization holding the relation."""
    _require_mobile_member(by, mobile_member)
    on = on or today()
    _past(on, _("申请日期"), "applied_on")
    if mobile_member.ended_on is not None:
        raise ServiceError(_("该流动党员登记已结束,不能申请活动证。"))
    relation = open_relation(mobile_member.member)
    if relation is None:
        raise ServiceError(_("该党员的组织关系不在本县:活动证由组织关系所在党组织发放。"))
    with transaction.atomic():
        if ActivityCertificate.objects.filter(mobile_member=mobile_member, status__in=t.LIVE_CERTIFICATE).exists():
            raise ServiceError(_("该党员已有申请中或有效的活动证;遗失或损坏的请办理补发。"))
        certificate = ActivityCertificate.objects.create(
            mobile_member=mobile_member,
            issuer=relation.party_organization,
            applied_on=on,
            application_note=clean_text(note)[:200],
            created_by=by,
        )
        _audit(by, certificate, None)
    return certificate


def approve_certificate(
    *, by: User, certificate: ActivityCertificate, on: dt.date | None = None, note: str = ""
) -> ActivityCertificate:
    """审核通过."""
    on = on or today()
    _past(on, _("审核日期"), "reviewed_on")
    with transaction.atomic():
        certificate, target = _certificate(by, certificate, "approve")
        if on < certificate.applied_on:
            raise ServiceError(_("审核日期不能早于申请日期。"), field="reviewed_on")
        before = snapshot(certificate)
        certificate.status, certificate.reviewed_on = target, on
        certificate.review_note = clean_text(note)[:200]
        _saved(by, certificate, before)
    return certificate


def reject_certificate(
    *, by: User, certificate: ActivityCertificate, reason: str, on: dt.date | None = None
) -> ActivityCertificate:
    """审核不通过, with the reason."""
    on = on or today()
    reason = _required_reason(reason, _("请填写审核不通过的原因。"))
    with transaction.atomic():
        certificate, target = _certificate(by, certificate, "reject")
        before = snapshot(certificate)
        certificate.status, certificate.reviewed_on, certificate.review_note = target, on, reason
        _saved(by, certificate, before)
    return certificate


def _give_number(certificate: ActivityCertificate, on: dt.date) -> None:
    serial = _next_serial(NumberKind.CERTIFICATE, certificate.issuer, on.year)
    certificate.year, certificate.serial = on.year, serial
    certificate.number = format_number(NumberKind.CERTIFICATE, certificate.issuer, on.year, serial)
    certificate.issued_on = on
    certificate.valid_until = on + dt.timedelta(days=CERTIFICATE_VALID_DAYS)


def issue_certificate(*, by: User, certificate: ActivityCertificate, on: dt.date | None = None) -> ActivityCertificate:
    """发放: the next number of the issuing party organization in the year, never used before."""
    on = on or today()
    _past(on, _("发放日期"), "issued_on")
    with transaction.atomic():
        certificate, target = _certificate(by, certificate, "issue")
        if certificate.reviewed_on and on < certificate.reviewed_on:
            raise ServiceError(_("发放日期不能早于审核日期。"), field="issued_on")
        before = snapshot(certificate)
        _give_number(certificate, on)
        certificate.status = target
        _saved(by, certificate, before)
    return certificate


def check_certificate(
    *,
    by: User,
    certificate: ActivityCertificate,
    year: int,
    result: str,
    on: dt.date | None = None,
    note: str = "",
) -> CertificateCheck:
    """年度查验: once a year; a passed check extends the validity by a year."""
    on = on or today()
    _past(on, _("查验日期"), "checked_on")
    if result not in CheckResult.values:
        raise ServiceError(_("请选择查验结果。"), field="result")
    if result == CheckResult.FAILED and not clean_text(note):
        raise ServiceError(_("查验不合格的,请说明原因。"), field="note")
    with transaction.atomic():
        certificate, _target = _certificate(by, certificate, "check")
        if certificate.issued_on and year < certificate.issued_on.year:
            raise ServiceError(_("查验年度不能早于发证年度。"), field="year")
        if certificate.checks.filter(year=year).exists():
            raise ServiceError(_("该活动证 %(year)d 年度已查验。") % {"year": year}, field="year")
        check = CertificateCheck.objects.create(
            certificate=certificate,
            year=year,
            checked_on=on,
            result=result,
            note=clean_text(note)[:200],
            checked_by=by,
        )
        _audit(by, check, None)
        if result == CheckResult.PASSED and certificate.valid_until is not None:
            before = snapshot(certificate)
            certificate.valid_until = max(certificate.valid_until, on) + dt.timedelta(days=CERTIFICATE_VALID_DAYS)
            certificate.version += 1
            certificate.save()
            _audit(by, certificate, before)
    return check


def reissue_certificate(
    *, by: User, certificate: ActivityCertificate, reason: str, on: dt.date | None = None
) -> ActivityCertificate:
    """补发 (lost or damaged): the old certificate is voided with its number, which is never used
    again, and a new one issued with the next number. Returns the new certificate."""
    on = on or today()
    _past(on, _("补发日期"), "issued_on")
    if reason not in VoidReason.values:
        raise ServiceError(_("请选择补发原因(遗失或损坏)。"), field="reason")
    with transaction.atomic():
        old, target = _certificate(by, certificate, "reissue")
        before = snapshot(old)
        old.status, old.voided_on, old.void_reason = target, on, reason
        _saved(by, old, before)
        new = ActivityCertificate(
            mobile_member=old.mobile_member,
            issuer=old.issuer,
            status=t.ISSUED,
            applied_on=on,
            application_note=_("补发"),
            reviewed_on=on,
            replaces=old,
            created_by=by,
        )
        _give_number(new, on)
        new.save()
        _audit(by, new, None)
    return new


def revoke_certificate(
    *, by: User, certificate: ActivityCertificate, reason: str, on: dt.date | None = None
) -> ActivityCertificate:
    """收回/注销 (returned home, relation transferred, no longer mobile)."""
    on = on or today()
    _past(on, _("收回日期"), "revoked_on")
    reason = _required_reason(reason, _("请填写收回注销的原因。"))
    with transaction.atomic():
        certificate, target = _certificate(by, certificate, "revoke")
        before = snapshot(certificate)
        certificate.status, certificate.revoked_on, certificate.revoke_reason = target, on, reason
        _saved(by, certificate, before)
    return certificate


# --- Relation transfers: one function per transition --------------------------------------------------------


def open_transfer(
    *,
    by: User,
    member: Member,
    direction: str,
    local: PartyOrganization,
    external: ExternalPartyOrganization,
    on: dt.date | None = None,
    letter_number: str = "",
    mobile_member: MobileMember | None = None,
) -> RelationTransfer:
    """开出. Out of the county: from the local party organization holding the relation, the letter
    numbered by it. Into the county: the external letter's number as written on it."""
    _require_editor(by)
    on = on or today()
    _past(on, _("开出日期"), "issued_on")
    _local_party_organization(by, local, "local")
    relation = open_relation(member)
    letter_number = clean_text(letter_number)
    if direction == TransferDirection.OUT:
        if relation is None or relation.party_organization_id != local.pk:
            raise ServiceError(_("转出的党员,组织关系须在所选的本县党组织。"), field="local")
    elif direction == TransferDirection.IN:
        if relation is not None:
            raise ServiceError(_("该党员的组织关系已在本县。"))
        if not letter_number:
            raise ServiceError(_("请填写县外党组织开出的介绍信编号。"), field="letter_number")
    else:
        raise ServiceError(_("请选择转接方向。"), field="direction")
    with transaction.atomic():
        if RelationTransfer.objects.filter(member=member, state__in=t.PENDING_TRANSFER).exists():
            raise ServiceError(_("该党员已有一个尚未办结的组织关系转接。"))
        if direction == TransferDirection.OUT and not letter_number:
            serial = _next_serial(NumberKind.TRANSFER, local, on.year)
            letter_number = format_number(NumberKind.TRANSFER, local, on.year, serial)
        transfer = RelationTransfer.objects.create(
            member=member,
            mobile_member=mobile_member,
            direction=direction,
            letter_number=letter_number[:40],
            local=local,
            external=external,
            township=local.township,
            issued_on=on,
            created_by=by,
        )
        _audit(by, transfer, None)
    return transfer


def _transfer(by: User, transfer: RelationTransfer, action: str) -> tuple[RelationTransfer, str]:
    _require_editor(by)
    _in_scope(by, transfer, transfer_scope(by))
    locked = RelationTransfer.objects.select_for_update().get(pk=transfer.pk)
    try:
        return locked, t.transfer_step(action, locked.state)
    except t.TransitionRefused as exc:
        raise ServiceError(exc.message) from exc


def receive_transfer(*, by: User, transfer: RelationTransfer, on: dt.date | None = None) -> RelationTransfer:
    """接收: the receiving side has the letter."""
    on = on or today()
    _past(on, _("接收日期"), "received_on")
    with transaction.atomic():
        transfer, target = _transfer(by, transfer, "receive")
        if on < transfer.issued_on:
            raise ServiceError(_("接收日期不能早于开出日期。"), field="received_on")
        before = snapshot(transfer)
        transfer.state, transfer.received_on = target, on
        _saved(by, transfer, before)
    return transfer


def complete_transfer(*, by: User, transfer: RelationTransfer, on: dt.date | None = None) -> RelationTransfer:
    """完成: the member's dated relation moves — out: the local relation ends and the external one
    begins; in: the external one ends and the local one begins (``registry.services``)."""
    on = on or today()
    _past(on, _("办结日期"), "completed_on")
    with transaction.atomic():
        transfer, target = _transfer(by, transfer, "complete")
        if transfer.received_on and on < transfer.received_on:
            raise ServiceError(_("办结日期不能早于接收日期。"), field="completed_on")
        member = transfer.member
        relation = open_relation(member)
        external_open = ExternalRelation.objects.filter(member=member, valid_to__isnull=True)
        if transfer.direction == TransferDirection.OUT:
            if relation is None or relation.party_organization_id != transfer.local_id:
                raise ServiceError(_("该党员的组织关系已不在转出的党组织,不能办结。"))
            registry_services.change_relation(by=by, member=member, party_organization=None, on=on)
            external_open.update(valid_to=on)
            ExternalRelation.objects.create(member=member, party_organization=transfer.external, valid_from=on)
        else:
            if relation is not None:
                raise ServiceError(_("该党员的组织关系已在本县,不能办结。"))
            external_open.update(valid_to=on)
            registry_services.change_relation(by=by, member=member, party_organization=transfer.local, on=on)
        before = snapshot(transfer)
        transfer.state, transfer.completed_on = target, on
        _saved(by, transfer, before)
    return transfer


def return_transfer(
    *, by: User, transfer: RelationTransfer, reason: str, on: dt.date | None = None
) -> RelationTransfer:
    """退回, with the reason: the relation stays where it was."""
    on = on or today()
    _past(on, _("退回日期"), "returned_on")
    reason = _required_reason(reason, _("请填写退回原因。"))
    with transaction.atomic():
        transfer, target = _transfer(by, transfer, "return")
        before = snapshot(transfer)
        transfer.state, transfer.returned_on, transfer.return_reason = target, on, reason
        _saved(by, transfer, before)
    return transfer


# --- Help records --------------------------------------------------------------------------------------------


def add_help_record(
    *, by: User, mobile_member: MobileMember, kind: str, helped_on: dt.date, description: str
) -> HelpRecord:
    _require_mobile_member(by, mobile_member)
    _past(helped_on, _("帮扶日期"), "helped_on")
    if kind not in HelpKind.values:
        raise ServiceError(_("请选择帮扶类别。"), field="kind")
    description = clean_text(description)
    if not description:
        raise ServiceError(_("请填写帮扶内容。"), field="description")
    with transaction.atomic():
        record = HelpRecord.objects.create(
            mobile_member=mobile_member,
            township=mobile_member.township,
            kind=kind,
            helped_on=helped_on,
            description=description[:2000],
            recorded_by=by,
        )
        _audit(by, record, None)
    return record
