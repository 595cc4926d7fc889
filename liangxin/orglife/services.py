"""Writes of organization life: keyword-only, one transaction, audited. Who may write: the party
organization's secretary or its township's clerk (``Permission.RECORD_ORGANIZATION_LIFE`` and
the party organization in the user's scope)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission
from liangxin.audit.models import AuditAction
from liangxin.audit.services import log_change, log_many
from liangxin.core.dates import today
from liangxin.core.errors import ServiceError
from liangxin.registry.models import Member, Organization, PartyOrganization, PartyRelation
from liangxin.security import evidence as evidence_files

from . import compliance, selectors
from .choices import GuestKind, Involvement
from .models import (
    MAX_MINUTES,
    Activity,
    ActivityFile,
    ActivityOrganization,
    ActivityType,
    Attendance,
    Guest,
    LifePolicyVersion,
)


@dataclass(frozen=True)
class ActivityData:
    party_organization: PartyOrganization
    activity_type: ActivityType
    held_on: dt.date
    duration_minutes: int
    place: str
    topic: str
    content: str
    present: Sequence[Member] = ()
    absent: Sequence[tuple[Member, str]] = ()  # (member, reason)
    guests: Sequence[tuple[str, str]] = ()  # (name, GuestKind)
    held_in: Organization | None = None
    took_part: Sequence[Organization] = field(default_factory=tuple)


def _require(by: User, *parties: PartyOrganization) -> None:
    if not by.can(Permission.RECORD_ORGANIZATION_LIFE):
        raise ServiceError(_("您的角色不能记录组织生活。"))
    ids = {p.pk for p in parties}
    if selectors.party_organizations_for(user=by).filter(pk__in=ids).count() != len(ids):
        raise ServiceError(_("该党组织不在您的管辖范围内。"))


Rosters = dict[int, list[tuple[int, dt.date, dt.date | None]]]


def _rosters(items: Sequence[ActivityData]) -> Rosters:
    """Every relation ever held by the party organizations of ``items``: one query for a batch."""
    found: Rosters = {}
    ids = {d.party_organization.pk for d in items if d.present or d.absent}
    rows = PartyRelation.objects.filter(party_organization_id__in=ids).values_list(
        "party_organization_id", "member_id", "valid_from", "valid_to"
    )
    for party_id, member_id, start, end in rows:
        found.setdefault(party_id, []).append((member_id, start, end))
    return found


def _check(data: ActivityData, *, by: User, on: dt.date, rosters: Rosters) -> None:
    """Every problem of one activity, refused before anything is written."""
    party = data.party_organization
    if data.held_on > on:
        raise ServiceError(_("活动日期不能晚于今天:记录的是已经开展的活动。"), field="held_on")
    if data.held_on < party.founded_on or (party.dissolved_on is not None and data.held_on >= party.dissolved_on):
        raise ServiceError(_("活动日期须在党组织存续期间。"), field="held_on")
    if not 1 <= data.duration_minutes <= MAX_MINUTES:
        raise ServiceError(_("时长须在1分钟到24小时之间。"), field="duration")
    if not data.topic.strip():
        raise ServiceError(_("请填写活动主题。"), field="topic")
    members = [m.pk for m in data.present] + [m.pk for m, _reason in data.absent]
    if len(set(members)) != len(members):
        raise ServiceError(_("同一名党员不能既出席又缺席,也不能重复填写。"), field="present")
    if any(not reason.strip() for _m, reason in data.absent):
        raise ServiceError(_("缺席的党员须填写缺席原因。"), field="absences")
    day = data.held_on
    roster = {m for m, start, end in rosters.get(party.pk, []) if start <= day and (end is None or end > day)}
    if not set(members) <= roster:
        raise ServiceError(_("出席、缺席的党员须是活动当天本党组织的党员。"), field="present")
    if any(kind not in GuestKind.values or not name.strip() for name, kind in data.guests):
        raise ServiceError(_("其他参加人员须有姓名和类别。"), field="guests")
    allowed = selectors.organizations_for(user=by)
    named = [o.pk for o in ([data.held_in] if data.held_in else []) + list(data.took_part)]
    if named and allowed.filter(pk__in=named).count() != len(set(named)):
        raise ServiceError(_("活动涉及的两新组织须在您的管辖范围内。"), field="took_part")


def _months_on() -> Callable[[dt.date], int]:
    """The work-coverage window (months) of the life policy version in force on a day."""
    window = {v.effective_from: v.work_coverage_months for v in LifePolicyVersion.objects.all()}

    def months_on(day: dt.date) -> int:
        starts = [start for start in window if start <= day]
        if not starts:
            raise ServiceError(_("活动日期早于第一个组织生活制度版本。"), field="held_on")
        return window[max(starts)]

    return months_on


Children = tuple[list[Attendance], list[Guest], list[ActivityOrganization]]


def _children(activity: Activity, d: ActivityData, months: int) -> Children:
    """The attendance, guests and organizations reached of one activity, as ``d`` says."""
    attendance = [Attendance(activity=activity, member=m, present=True) for m in d.present]
    attendance += [
        Attendance(activity=activity, member=m, present=False, absence_reason=reason.strip()) for m, reason in d.absent
    ]
    guests = [Guest(activity=activity, name=name.strip(), kind=kind) for name, kind in d.guests]
    start, end = compliance.participation_interval(d.held_on, months)
    involved = {}
    for organization in d.took_part:
        involved[organization.pk] = (organization, Involvement.TOOK_PART)
    if d.held_in is not None:
        involved[d.held_in.pk] = (d.held_in, Involvement.HELD_IN)
    reached = [
        ActivityOrganization(activity=activity, organization=o, involvement=how, valid_from=start, valid_to=end)
        for o, how in involved.values()
    ]
    return attendance, guests, reached


def _write_children(rows: Sequence[Children]) -> None:
    Attendance.objects.bulk_create([a for attendance, _g, _r in rows for a in attendance])
    Guest.objects.bulk_create([g for _a, guests, _r in rows for g in guests])
    ActivityOrganization.objects.bulk_create([o for _a, _g, reached in rows for o in reached])


def _summary(d: ActivityData) -> dict[str, object]:
    """What the audit record keeps of an activity."""
    return {
        "party_organization": d.party_organization.pk,
        "activity_type": d.activity_type.code,
        "held_on": d.held_on.isoformat(),
        "duration_minutes": d.duration_minutes,
        "place": d.place,
        "topic": d.topic,
        "present": sorted(m.pk for m in d.present),
        "absent": sorted(m.pk for m, _reason in d.absent),
        "guests": len(d.guests),
        "held_in": d.held_in.pk if d.held_in else None,
        "took_part": sorted(o.pk for o in d.took_part),
    }


def record_activities(*, by: User, items: Sequence[ActivityData]) -> list[Activity]:
    """Record activities (one from the page, many from a load): everything checked first, then
    written in one transaction with one audit record each."""
    on = today()
    _require(by, *(data.party_organization for data in items))
    rosters = _rosters(items)
    for data in items:
        _check(data, by=by, on=on, rosters=rosters)
    months_on = _months_on()
    months = [months_on(d.held_on) for d in items]
    with transaction.atomic():
        activities = Activity.objects.bulk_create(
            Activity(
                party_organization=d.party_organization,
                activity_type=d.activity_type,
                held_on=d.held_on,
                duration_minutes=d.duration_minutes,
                place=d.place,
                topic=d.topic,
                content=d.content,
                recorded_by=by,
            )
            for d in items
        )
        _write_children([_children(a, d, m) for a, d, m in zip(activities, items, months, strict=True)])
        log_many(
            actor=by,
            action=AuditAction.CREATE,
            entries=(
                (activity, {key: [None, value] for key, value in _summary(d).items()})
                for activity, d in zip(activities, items, strict=True)
            ),
        )
    return activities


def update_activity(*, by: User, activity: Activity, data: ActivityData, version: int | None = None) -> Activity:
    """Correct a recorded activity: its fields, attendance, guests and organizations become those
    of ``data`` (its files stay), checked as a new record is, in one transaction, audited with
    what changed. The party organization stays the activity's. ``version`` is the one the form
    showed: if someone corrected the activity since, the correction is refused."""
    if data.party_organization.pk != activity.party_organization_id:
        raise ServiceError(_("不能把活动改到另一个党组织名下:请删除后在该党组织下重新记录。"))
    _require(by, data.party_organization)
    _check(data, by=by, on=today(), rosters=_rosters([data]))
    months = _months_on()(data.held_on)
    with transaction.atomic():
        locked = Activity.objects.select_for_update().select_related("activity_type").get(pk=activity.pk)
        if version is not None and locked.version != version:
            raise ServiceError(_("该记录已被他人修改,请刷新后再改。"))
        before = _summary(recorded_data(locked)) | {"content": locked.content}
        for name in ("activity_type", "held_on", "duration_minutes", "place", "topic", "content"):
            setattr(locked, name, getattr(data, name))
        locked.version += 1
        locked.save()
        locked.attendance.all().delete()
        locked.guests.all().delete()
        locked.organizations.all().delete()
        _write_children([_children(locked, data, months)])
        after = _summary(data) | {"content": data.content}
        changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
        log_change(actor=by, action=AuditAction.UPDATE, obj=locked, changes=changes)
    return locked


def recorded_data(activity: Activity) -> ActivityData:
    """An activity as it is stored, in the shape of its data: the audit's before of a correction,
    and what the correction form shows (members by name, guests and organizations as entered)."""
    attendance = list(activity.attendance.select_related("member").order_by("member__name", "pk"))
    reached = list(activity.organizations.select_related("organization").order_by("pk"))
    held_in = next((r.organization for r in reached if r.involvement == Involvement.HELD_IN), None)
    return ActivityData(
        party_organization=activity.party_organization,
        activity_type=activity.activity_type,
        held_on=activity.held_on,
        duration_minutes=activity.duration_minutes,
        place=activity.place,
        topic=activity.topic,
        content=activity.content,
        present=[a.member for a in attendance if a.present],
        absent=[(a.member, a.absence_reason) for a in attendance if not a.present],
        guests=[(g.name, g.kind) for g in activity.guests.order_by("pk")],
        held_in=held_in,
        took_part=[r.organization for r in reached if r.involvement == Involvement.TOOK_PART],
    )


def record_activity(*, by: User, data: ActivityData) -> Activity:
    (activity,) = record_activities(by=by, items=[data])
    return activity


def delete_activity(*, by: User, activity: Activity) -> None:
    """A mistaken record goes, with its attendance, organizations and files (audited)."""
    _require(by, activity.party_organization)
    files = list(activity.files.all())
    with transaction.atomic():
        log_change(
            actor=by,
            action=AuditAction.DELETE,
            obj=activity,
            changes={
                "party_organization": [activity.party_organization_id, None],
                "held_on": [activity.held_on.isoformat(), None],
                "topic": [activity.topic, None],
                "files": [[f.name for f in files], None],
            },
        )
        activity.delete()
        transaction.on_commit(lambda: _delete_files(files))


def _delete_files(files: list[ActivityFile]) -> None:
    for row in files:
        row.file.delete(save=False)


def add_file(*, by: User, activity: Activity, upload: UploadedFile) -> ActivityFile:
    """A photo or file that has passed the upload gate (``security.uploads.UploadField`` of kind
    evidence: ``upload.checked_kind``)."""
    _require(by, activity.party_organization)
    checked = evidence_files.checked(upload)
    with transaction.atomic():
        row = ActivityFile(
            activity=activity, name=checked.name, kind=checked.kind, sha256=checked.sha256, uploaded_by=by
        )
        with evidence_files.stored(row.file, upload, checked):
            row.save()
            log_change(
                actor=by,
                action=AuditAction.CREATE,
                obj=row,
                changes={"activity": [None, activity.pk], "file": [None, row.name], "sha256": [None, row.sha256]},
            )
    return row
