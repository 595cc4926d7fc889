"""Writes for campaigns: keyword-only, one transaction each, audited with ``log_change``.

Every change of a submission — a transition, an import, a row edit, a department's
confirmation — locks the submission row, checks the version the user saw (optimistic locking:
a stale version is a :class:`ConflictError`) and refuses anything on an approved (已审核)
submission or outside an open campaign.

Import: the file goes through ``census.services.plan_file`` for the township with the
campaign's "as of" date (validation, matching against the register, the problem list); codes
other townships already staged in the campaign are reported here as
``duplicate_uscc_other_unit`` errors. A file without errors replaces the submission's staged
rows; nothing reaches the register, and no census batch is kept (a kept preview could be
confirmed on the census import pages, past the campaign's review). Approval writes the staged
rows through ``census.services.import_file`` (a CSV in the template's columns made from the
rows), in the same transaction as the state change, so an approval either reaches the register
or nothing happens. Reopening an approved submission reverts that import
(``census.services.revert_batch``) in the same transaction, or is refused when the register has
moved on since (a later import or edit of the same organizations).

Audit: every transition writes one record on the submission with its own action
(:data:`AUDIT_ACTIONS`, e.g. ``campaigns.submit``); staging a file writes ``campaigns.stage``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liangxin.accounts.models import User
from liangxin.accounts.roles import Role
from liangxin.audit.models import AuditAction
from liangxin.audit.services import log_change
from liangxin.census import selectors as census_selectors
from liangxin.census import services as census_services
from liangxin.census import template
from liangxin.census.models import BatchStatus, ImportBatch
from liangxin.census.planning import PlannedRow
from liangxin.census.tabular import Problem, read_census
from liangxin.census.tabular.columns import BY_KEY, KEYS
from liangxin.core.dates import today
from liangxin.core.errors import ConflictError, ServiceError
from liangxin.geo.models import AdministrativeUnit, Department, UnitLevel

from . import selectors, workflow
from .models import (
    Campaign,
    CampaignStatus,
    DepartmentConfirmation,
    PendingUpload,
    Submission,
    SubmissionEntry,
    SubmissionState,
    Verdict,
)

ACTION_LABELS = {
    workflow.START: gettext_lazy("开始填报"),
    workflow.SUBMIT: gettext_lazy("上报"),
    workflow.RETURN: gettext_lazy("退回"),
    workflow.EDIT_AGAIN: gettext_lazy("重新填报"),
    workflow.APPROVE: gettext_lazy("审核通过"),
    workflow.REOPEN: gettext_lazy("重新打开"),
    workflow.WITHDRAW: gettext_lazy("撤回"),
    "edit": gettext_lazy("修改"),
    "confirm": gettext_lazy("核实"),
}
# Columns a clerk may correct on a staged row in the page (the code and the township are what
# the row is; changing them means another file).
EDITABLE_KEYS = (
    "name",
    "org_type",
    "operating_status",
    "employees",
    "full_members",
    "probationary_members",
    "owner_attitude",
    "secretary_candidate_available",
    "contact_person",
    "contact_phone",
)
DUPLICATE_OTHER_UNIT = "duplicate_uscc_other_unit"
NO_DATA_ROWS = "no_data_rows"
# The audit action of each transition of a submission, and of staging a file into it.
AUDIT_ACTIONS = {
    workflow.START: AuditAction.CAMPAIGN_START,
    workflow.SUBMIT: AuditAction.CAMPAIGN_SUBMIT,
    workflow.RETURN: AuditAction.CAMPAIGN_RETURN,
    workflow.EDIT_AGAIN: AuditAction.CAMPAIGN_EDIT_AGAIN,
    workflow.APPROVE: AuditAction.CAMPAIGN_APPROVE,
    workflow.REOPEN: AuditAction.CAMPAIGN_REOPEN,
    workflow.WITHDRAW: AuditAction.CAMPAIGN_WITHDRAW,
}
AUDIT_STAGE = AuditAction.CAMPAIGN_STAGE
AUDIT_DECLARE_NEW = AuditAction.CAMPAIGN_DECLARE_NEW


# --- Checks ----------------------------------------------------------------------------------


def _refusal(exc: workflow.TransitionRefused) -> ServiceError:
    action = ACTION_LABELS.get(exc.action, exc.action)
    state = SubmissionState(exc.state).label
    if exc.reason == "county_only":
        return ServiceError(_("只有县级管理员可以%(action)s。") % {"action": action})
    if exc.reason == "unit_only":
        return ServiceError(_("只有填报单位可以%(action)s。") % {"action": action})
    if exc.reason == "reason_required":
        return ServiceError(_("%(action)s必须填写原因。") % {"action": action}, field="reason")
    if exc.state == workflow.APPROVED:
        return ServiceError(
            _("填报已审核,数据已锁定,不能%(action)s。如需修改,请县级管理员重新打开。") % {"action": action}
        )
    return ServiceError(_("填报当前为“%(state)s”,不能%(action)s。") % {"state": state, "action": action})


def _require_county_admin(by: User) -> None:
    if by.role != Role.COUNTY_ADMIN:
        raise ServiceError(_("只有县级管理员可以进行此操作。"))


def _require_unit(by: User, submission: Submission) -> None:
    if submission.township_id is not None:
        ok = by.role == Role.TOWNSHIP_CLERK and by.township_id == submission.township_id
    else:
        ok = by.role == Role.DEPARTMENT_CLERK and by.department_id == submission.department_id
    if not ok:
        raise ServiceError(_("只有本单位的工作人员可以填报。"))


def _require_open(campaign: Campaign) -> None:
    if campaign.status != CampaignStatus.OPEN:
        raise ServiceError(
            _("摸底任务“%(name)s”%(status)s,不能修改。")
            % {"name": campaign.name, "status": campaign.get_status_display()}
        )


def _check_version(obj: Submission | SubmissionEntry | DepartmentConfirmation, expected: int | None) -> None:
    if expected is not None and obj.version != expected:
        raise ConflictError(
            _("数据已被他人修改(您看到的是第%(seen)s版,现在是第%(now)s版),您的操作没有执行。请查看最新内容后再操作。")
            % {"seen": expected, "now": obj.version}
        )


def _locked(submission: Submission) -> Submission:
    return (
        # Lock only the submission row: PostgreSQL refuses FOR UPDATE on the nullable side of
        # the outer joins to township/department.
        Submission.objects.select_for_update(of=("self",))
        .select_related("campaign", "township", "department")
        .get(pk=submission.pk)
    )


def _audit(by: User, submission: Submission, action: str, old_state: str, **changes: object) -> None:
    """One record of a transition (``action`` a workflow action) on the submission."""
    payload: dict[str, object] = dict(changes)
    if old_state != submission.state:
        payload["state"] = [old_state, submission.state]
    log_change(actor=by, action=AUDIT_ACTIONS[action], obj=submission, changes=payload)


def _start_editing(by: User, submission: Submission) -> str | None:
    """The unit is about to change a locked-for-update submission: refuse it when it may not,
    and move 未开始/已退回 to 填报中. Returns the transition made (``START``/``EDIT_AGAIN``),
    for the caller to audit once its change is saved, or None."""
    _require_unit(by, submission)
    _require_open(submission.campaign)
    old = submission.state
    try:
        action = workflow.edit_action(old)
        if action is not None:
            submission.state = workflow.next_state(old, action, by_county=False)
    except workflow.TransitionRefused as exc:
        raise _refusal(workflow.TransitionRefused(exc.reason, exc.state, "edit")) from None
    return action


def _audit_started(by: User, submission: Submission, action: str | None, **changes: object) -> None:
    if action is not None:
        before = workflow.NOT_STARTED if action == workflow.START else workflow.RETURNED
        _audit(by, submission, action, before, **changes)


# --- Campaigns -------------------------------------------------------------------------------


def create_campaign(
    *,
    by: User,
    name: str,
    code: str,
    as_of: dt.date,
    survey_deadline: dt.date,
    plan_deadline: dt.date,
    townships: Iterable[AdministrativeUnit] | None = None,
    departments: Iterable[Department] | None = None,
) -> Campaign:
    """A draft campaign with one submission per responsible township and department (every
    current township and active department unless a subset is given)."""
    _require_county_admin(by)
    if not name.strip() or not code.strip():
        raise ServiceError(_("请填写名称和编号。"))
    if survey_deadline < as_of:
        raise ServiceError(_("摸底上报截止日期不能早于数据截至日期。"), field="survey_deadline")
    if plan_deadline < survey_deadline:
        raise ServiceError(_("组建方案截止日期不能早于摸底上报截止日期。"), field="plan_deadline")
    chosen_townships = (
        list(townships)
        if townships is not None
        else list(AdministrativeUnit.objects.filter(level=UnitLevel.TOWNSHIP, valid_to__isnull=True))
    )
    if not chosen_townships or any(t.level != UnitLevel.TOWNSHIP for t in chosen_townships):
        raise ServiceError(_("请至少选择一个乡镇(街道)。"), field="townships")
    chosen_departments = (
        list(departments) if departments is not None else list(Department.objects.filter(is_active=True))
    )
    with transaction.atomic():
        if Campaign.objects.filter(code=code.strip()).exists():
            raise ServiceError(_("编号“%(code)s”已被使用。") % {"code": code}, field="code")
        campaign = Campaign.objects.create(
            name=name.strip(),
            code=code.strip(),
            as_of=as_of,
            survey_deadline=survey_deadline,
            plan_deadline=plan_deadline,
            created_by=by,
        )
        campaign.townships.set(chosen_townships)
        campaign.departments.set(chosen_departments)
        Submission.objects.bulk_create(
            [Submission(campaign=campaign, township=t) for t in chosen_townships]
            + [Submission(campaign=campaign, department=d) for d in chosen_departments]
        )
        log_change(
            actor=by,
            action=AuditAction.CREATE,
            obj=campaign,
            changes={
                "name": [None, campaign.name],
                "code": [None, campaign.code],
                "as_of": [None, as_of.isoformat()],
                "survey_deadline": [None, survey_deadline.isoformat()],
                "plan_deadline": [None, plan_deadline.isoformat()],
                "townships": [None, sorted(t.code for t in chosen_townships)],
                "departments": [None, sorted(d.code for d in chosen_departments)],
            },
        )
    return campaign


_CAMPAIGN_MOVES = {
    CampaignStatus.OPEN: (CampaignStatus.DRAFT,),
    CampaignStatus.CLOSED: (CampaignStatus.OPEN,),
}


def _move_campaign(*, by: User, campaign: Campaign, to: CampaignStatus) -> Campaign:
    _require_county_admin(by)
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status not in _CAMPAIGN_MOVES[to]:
            raise ServiceError(
                _("摸底任务当前为“%(status)s”,不能改为“%(to)s”。")
                % {"status": locked.get_status_display(), "to": to.label}
            )
        old = locked.status
        locked.status = to
        locked.version += 1
        locked.save(update_fields=["status", "version"])
        log_change(actor=by, action=AuditAction.UPDATE, obj=locked, changes={"status": [old, to.value]})
    return locked


def open_campaign(*, by: User, campaign: Campaign) -> Campaign:
    return _move_campaign(by=by, campaign=campaign, to=CampaignStatus.OPEN)


def close_campaign(*, by: User, campaign: Campaign) -> Campaign:
    return _move_campaign(by=by, campaign=campaign, to=CampaignStatus.CLOSED)


# --- Transitions -----------------------------------------------------------------------------


def _transition(
    *, by: User, submission: Submission, action: str, expected_version: int | None, reason: str = ""
) -> tuple[Submission, str]:
    locked = _locked(submission)
    if action in workflow.COUNTY_ACTIONS:
        _require_county_admin(by)
    else:
        _require_unit(by, locked)
    _require_open(locked.campaign)
    _check_version(locked, expected_version)
    old = locked.state
    try:
        locked.state = workflow.next_state(old, action, by_county=action in workflow.COUNTY_ACTIONS, reason=reason)
    except workflow.TransitionRefused as exc:
        raise _refusal(exc) from None
    locked.version += 1
    return locked, old


def submit_submission(*, by: User, submission: Submission, expected_version: int | None) -> Submission:
    """填报中 → 已上报, dated by the business day (what timeliness is measured by)."""
    with transaction.atomic():
        locked, old = _transition(
            by=by, submission=submission, action=workflow.SUBMIT, expected_version=expected_version
        )
        if locked.township_id is not None and not locked.entries.exists():
            raise ServiceError(_("还没有导入任何摸底数据,不能上报。"))
        locked.submitted_on = today()
        locked.submitted_by = by
        locked.save()
        _audit(by, locked, workflow.SUBMIT, old, submitted_on=locked.submitted_on.isoformat())
    return locked


def withdraw_submission(*, by: User, submission: Submission, expected_version: int | None) -> Submission:
    """已上报 → 填报中: the unit takes back what it sent, as long as the county has neither
    returned nor approved it (both lock the submission row first, so one of them wins). It
    counts as not reported again, so its submission date goes with it."""
    with transaction.atomic():
        locked, old = _transition(
            by=by, submission=submission, action=workflow.WITHDRAW, expected_version=expected_version
        )
        withdrawn_on = locked.submitted_on
        locked.submitted_on = None
        locked.submitted_by = None
        locked.save()
        _audit(
            by, locked, workflow.WITHDRAW, old, submitted_on=[withdrawn_on.isoformat() if withdrawn_on else None, None]
        )
    return locked


def return_submission(*, by: User, submission: Submission, reason: str, expected_version: int | None) -> Submission:
    """已上报 → 已退回, with the county's reason."""
    with transaction.atomic():
        locked, old = _transition(
            by=by, submission=submission, action=workflow.RETURN, expected_version=expected_version, reason=reason
        )
        locked.last_reason = reason.strip()
        locked.reviewed_by = by
        locked.reviewed_at = timezone.now()
        locked.save()
        _audit(by, locked, workflow.RETURN, old, reason=locked.last_reason)
    return locked


def approve_submission(
    *, by: User, submission: Submission, expected_version: int | None, expected_fingerprint: str | None = None
) -> Submission:
    """已上报 → 已审核. A township's staged rows are written to the register as of the
    campaign's date, in the same transaction: if the import is refused nothing changes. With
    ``expected_fingerprint`` (the plan the review page showed, ``review.review_of``) the
    approval is refused when what it would write differs from what the county saw."""
    with transaction.atomic():
        locked, old = _transition(
            by=by, submission=submission, action=workflow.APPROVE, expected_version=expected_version
        )
        if locked.township is not None:
            locked.register_batch = _write_register(by=by, submission=locked, expected_fingerprint=expected_fingerprint)
        locked.reviewed_by = by
        locked.reviewed_at = timezone.now()
        locked.save()
        _audit(by, locked, workflow.APPROVE, old, register_batch=locked.register_batch_id)
    return locked


def reopen_submission(*, by: User, submission: Submission, reason: str, expected_version: int | None) -> Submission:
    """已审核 → 填报中, with the county's reason. The register import the approval made is
    reverted in the same transaction, so that only approved campaign data is in the register
    (the next approval imports the corrected rows again). When it can no longer be reverted —
    a later import or an edit touched those organizations — the reopen is refused and says why:
    the register has moved on, and the correction belongs there or in the next campaign."""
    with transaction.atomic():
        locked, old = _transition(
            by=by, submission=submission, action=workflow.REOPEN, expected_version=expected_version, reason=reason
        )
        reverted = _revert_register(by=by, submission=locked)
        locked.last_reason = reason.strip()
        locked.register_batch = None
        locked.save()
        _audit(
            by,
            locked,
            workflow.REOPEN,
            old,
            reason=locked.last_reason,
            reverted_batch=reverted.pk if reverted is not None else None,
        )
    return locked


def _revert_register(*, by: User, submission: Submission) -> ImportBatch | None:
    """Undo the approval's import (inside the caller's transaction), or refuse the reopen."""
    batch = submission.register_batch
    if batch is None or batch.status != BatchStatus.APPLIED:
        return None
    if not census_services.may_revert(by=by, batch=batch):
        raise ServiceError(_("审核时写入登记册的导入批次 #%(batch)s 不能由您撤销,不能重新打开。") % {"batch": batch.pk})
    try:
        return census_services.revert_batch(by=by, batch=batch)
    except ServiceError as exc:
        raise ServiceError(
            _(
                "不能重新打开:审核时写入登记册的数据(导入批次 #%(batch)s)已无法撤销——%(why)s"
                "审核后登记册中这些组织已有新的变化,请直接在登记册中更正,或在下一次摸底中报送。"
            )
            % {"batch": batch.pk, "why": exc.message}
        ) from None


TRANSITION_SERVICES = {
    workflow.SUBMIT: submit_submission,
    workflow.WITHDRAW: withdraw_submission,
    workflow.APPROVE: approve_submission,
}
REASONED_SERVICES = {
    workflow.RETURN: return_submission,
    workflow.REOPEN: reopen_submission,
}


def _csv(keys: Sequence[str], rows: Iterable[Mapping[str, str]]) -> bytes:
    """A census file in the template's columns, cells exactly as the clerk wrote them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([BY_KEY[k].label for k in keys])
    for row in rows:
        writer.writerow([row.get(k) or "" for k in keys])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# The file row of the first staged row in ``register_file`` (the header is row 1).
FIRST_ROW = 2


def register_file(*, submission: Submission, entries: Sequence[SubmissionEntry]) -> tuple[bytes, str]:
    """The staged rows (in this order) as the census file the approval imports, and its name:
    entry ``i`` is file row ``FIRST_ROW + i``. The county's review plans the same file."""
    assert submission.township is not None
    keys = [k for k in KEYS if any(entry.data.get(k) for entry in entries)]
    data = _csv(keys, (entry.data for entry in entries))
    return data, f"{submission.campaign.code}-{submission.township.code}.csv"


def _write_register(*, by: User, submission: Submission, expected_fingerprint: str | None) -> ImportBatch:
    assert submission.township is not None
    entries = list(submission.entries.order_by("row", "pk"))
    data, file_name = register_file(submission=submission, entries=entries)
    try:
        outcome = census_services.import_file(
            by=by,
            unit=submission.township,
            data=data,
            file_name=file_name,
            as_of=submission.campaign.as_of,
            new_organizations=submission.new_organizations,
        )
    except census_services.ImportRefused as exc:
        found = "; ".join(f"{p.row or ''} {p.message}" for p in exc.outcome.problems if p.severity == "error")
        raise ServiceError(
            _("写入登记册时发现错误,审核没有通过,数据未改变:%(problems)s") % {"problems": found[:1000]}
        ) from None
    if expected_fingerprint is not None and outcome.plan.fingerprint != expected_fingerprint:
        # Rolls the import back with the approval: the county approves what it was shown.
        raise ConflictError(
            _(
                "审核页面打开之后,登记册或本填报已有变化,写入登记册的结果会与您看到的不同,审核没有通过。"
                "请查看最新的变化后再审核。"
            )
        )
    _link_entries(by=by, submission=submission, entries=entries, data=data, file_name=file_name)
    return outcome.batch


def _link_entries(
    *, by: User, submission: Submission, entries: Sequence[SubmissionEntry], data: bytes, file_name: str
) -> None:
    """After the approval's import every row is in the register: link each row to its
    organization — the ones the import created too, which the staging could not know — so that
    the organizations the submission reported are never counted as "in the register, not
    reported". The same file planned again against the register as it now is: the census
    matching decides, as it did for the import."""
    assert submission.township is not None
    planned = census_services.plan_file(
        by=by,
        unit=submission.township,
        data=data,
        file_name=file_name,
        as_of=submission.campaign.as_of,
        new_organizations=submission.new_organizations,
    )
    organization_of_row = {r.row.excel_row: r.org_pk for r in planned.plan.rows}
    for file_row, entry in enumerate(entries, start=FIRST_ROW):
        entry.organization_id = organization_of_row.get(file_row)
    SubmissionEntry.objects.bulk_update(entries, ["organization"], batch_size=2000)


# --- Import and row edits ---------------------------------------------------------------------


@dataclass(frozen=True)
class Replacement:
    """What making a file's rows the staged rows does to the rows staged now. A row keeps its
    identity when its code was staged already (``kept``: the same cells, so the departments'
    confirmations stay; ``changed``: other cells); a row without a code, or with a new one, is
    ``added``; a staged row the file does not have is ``removed``."""

    kept: list[tuple[SubmissionEntry, PlannedRow]]
    changed: list[tuple[SubmissionEntry, PlannedRow]]
    added: list[PlannedRow]
    removed: list[SubmissionEntry]


def _cells(planned: PlannedRow) -> dict[str, str]:
    """The row's cells as staged: each template column's text as written, blanks left out."""
    return {k: v for k, v in planned.row.raw.items() if v != ""}


def _replacement(staged: Iterable[SubmissionEntry], planned: Sequence[PlannedRow]) -> Replacement:
    by_code = {e.uscc: e for e in staged if e.uscc}
    others = [e for e in staged if not e.uscc]
    kept: list[tuple[SubmissionEntry, PlannedRow]] = []
    changed: list[tuple[SubmissionEntry, PlannedRow]] = []
    added: list[PlannedRow] = []
    for r in planned:
        entry = by_code.pop(r.row.values.get("uscc") or "", None)
        if entry is None:
            added.append(r)
        elif entry.data == _cells(r):
            kept.append((entry, r))
        else:
            changed.append((entry, r))
    return Replacement(kept=kept, changed=changed, added=added, removed=[*by_code.values(), *others])


@dataclass
class Staging:
    """What an upload came to: the rows staged; or nothing and the problems why; or, for a
    submission that has staged rows, the file kept (``pending``) until the clerk confirms the
    ``replacement`` it would make."""

    staged: int
    problems: list[Problem] = field(default_factory=list)
    pending: PendingUpload | None = None
    replacement: Replacement | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def _duplicate_problems(
    problems_file: str, rows: Iterable[tuple[int, str, str]], others: Mapping[str, str]
) -> list[Problem]:
    """The census reader's ``duplicate_uscc_other_unit`` check, against the rows other townships
    staged in this campaign."""
    label = BY_KEY["uscc"].label
    return [
        Problem(
            file=problems_file,
            sheet=sheet,
            row=row,
            column=label,
            field=label,
            value=uscc,
            severity="error",
            code=DUPLICATE_OTHER_UNIT,
            message=_(
                "该统一社会信用代码已由“%(unit)s”在本次摸底中报送。请与该单位核实该组织归谁填报,不归本单位的请删除此行。"
            )
            % {"unit": others[uscc]},
        )
        for row, sheet, uscc in rows
        if uscc in others
    ]


def _no_rows_problem(file_name: str) -> Problem:
    return Problem(
        file=file_name,
        sheet=None,
        row=None,
        column=None,
        field=None,
        value=None,
        severity="error",
        code=NO_DATA_ROWS,
        message=_("文件只有表头,没有数据行,没有导入任何数据;本单位已导入的数据保持不变。"),
    )


def _late_duplicates(submission: Submission, planned: Sequence[PlannedRow], file_name: str) -> list[Problem]:
    others = selectors.other_unit_usccs(submission=submission)
    return _duplicate_problems(
        file_name,
        (
            (r.row.excel_row, r.row.sheet, r.row.values.get("uscc") or "")
            for r in planned
            if (r.row.values.get("uscc") or "") in others
        ),
        others,
    )


def _check_file(*, by: User, submission: Submission, data: bytes, file_name: str) -> tuple[list[PlannedRow], Staging]:
    """Everything an upload is checked for, writing nothing: the census reader and matching for
    the township on the campaign's date, the codes other townships staged, and at least one row.
    The planned rows, and a ``Staging`` holding the problems (no rows staged)."""
    assert submission.township is not None
    outcome = census_services.plan_file(
        by=by,
        unit=submission.township,
        data=data,
        file_name=file_name,
        as_of=submission.campaign.as_of,
        new_organizations=submission.new_organizations,
    )
    planned = [r for r in outcome.plan.rows if r.kind != "rejected"]
    problems = sorted(
        [*outcome.problems, *_late_duplicates(submission, planned, file_name)],
        key=lambda p: (p.row or 0, p.severity != "error", p.code),
    )
    staging = Staging(staged=0, problems=problems)
    if not planned and not staging.errors:  # a header alone must not empty the submission
        staging.problems.insert(0, _no_rows_problem(file_name))
    return planned, staging


def _require_editable_by_township(by: User, submission: Submission, expected_version: int | None) -> None:
    """The checks an upload makes before reading the file (and repeats under the lock)."""
    if submission.township is None:
        raise ServiceError(_("部门不导入摸底表,请在页面中核实本部门主管的组织。"))
    _require_unit(by, submission)
    _require_open(submission.campaign)
    _check_version(submission, expected_version)
    if submission.state not in workflow.EDITABLE:
        raise _refusal(workflow.TransitionRefused("wrong_state", submission.state, "edit"))


def _lock_for_staging(submission: Submission, expected_version: int | None) -> Submission:
    # One staging at a time per campaign, so two townships cannot stage one code at once.
    Campaign.objects.select_for_update().filter(pk=submission.campaign_id).exists()
    locked = _locked(submission)
    _check_version(locked, expected_version)
    return locked


def _stage(
    *, by: User, locked: Submission, planned: Sequence[PlannedRow], data: bytes, file_name: str, started: str | None
) -> None:
    """Make the file's rows the staged rows of the locked submission, and audit it."""
    counts = _replace_entries(by=by, submission=locked, replacement=_replacement(locked.entries.all(), planned))
    locked.version += 1
    locked.save()
    _audit_started(by, locked, started, file=file_name)
    log_change(
        actor=by,
        action=AUDIT_STAGE,
        obj=locked,
        changes={"file": file_name, "sha256": hashlib.sha256(data).hexdigest(), "rows": len(planned), **counts},
    )
    PendingUpload.objects.filter(submission=locked).delete()  # a file waiting to replace these is moot


def import_into_submission(
    *, by: User, submission: Submission, data: bytes, file_name: str, expected_version: int | None
) -> Staging:
    """Check a township's file. A file with any problem that blocks it — an error, or no data
    row — changes nothing. A clean file becomes the staged rows of a submission that has none;
    for one that has rows it is kept as the submission's pending upload, and ``Staging`` says
    what replacing the staged rows with it would do: the clerk confirms that
    (:func:`confirm_pending_upload`) or not. Never writes the register, and keeps no census
    batch (see the module's docstring)."""
    _require_editable_by_township(by, submission, expected_version)
    planned, staging = _check_file(by=by, submission=submission, data=data, file_name=file_name)
    if staging.errors:
        return staging
    with transaction.atomic():
        locked = _lock_for_staging(submission, expected_version)
        started = _start_editing(by, locked)
        # Re-checked under the lock: another township may have staged the same codes meanwhile.
        if late := _late_duplicates(locked, planned, file_name):
            staging.problems = late
            return staging
        if locked.entries.exists():
            staging.replacement = _replacement(locked.entries.all(), planned)
            staging.pending = _keep_pending(by=by, submission=locked, data=data, file_name=file_name)
            return staging
        _stage(by=by, locked=locked, planned=planned, data=data, file_name=file_name, started=started)
    staging.staged = len(planned)
    return staging


def declare_new_organizations(
    *, by: User, submission: Submission, codes: Sequence[str], expected_version: int | None
) -> Submission:
    """The township says the rows with these USCCs are other organizations than the registered
    ones of the same name: its uploads plan them, and the approval writes them, as new
    organizations. Takes effect on the next upload; the staged rows do not change."""
    _require_editable_by_township(by, submission, expected_version)
    with transaction.atomic():
        locked = _locked(submission)
        _check_version(locked, expected_version)
        old = list(locked.new_organizations)
        locked.new_organizations = sorted(set(codes))
        if locked.new_organizations == old:
            return locked
        locked.version += 1
        locked.save()
        log_change(
            actor=by,
            action=AUDIT_DECLARE_NEW,
            obj=locked,
            changes={"new_organizations": {"old": old, "new": locked.new_organizations}},
        )
    return locked


def _keep_pending(*, by: User, submission: Submission, data: bytes, file_name: str) -> PendingUpload:
    """Keep the file until the clerk decides (replacing any file kept before). The submission
    itself does not change: its rows and state stay as they are until the confirmation."""
    PendingUpload.objects.filter(submission=submission).delete()
    pending = PendingUpload.objects.create(
        submission=submission,
        file_name=file_name[:255],
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        submission_version=submission.version,
        uploaded_by=by,
    )
    log_change(
        actor=by,
        action=AuditAction.CREATE,
        obj=pending,
        changes={"submission": submission.pk, "file": pending.file_name, "sha256": pending.sha256},
    )
    return pending


def _pending_or_conflict(submission: Submission, sha256: str, *, lock: bool) -> PendingUpload:
    """The kept file the page showed (by its SHA-256), or a conflict: another upload or a
    cancel came in between."""
    pendings = PendingUpload.objects.filter(submission=submission)
    pending = (pendings.select_for_update() if lock else pendings).first()
    if pending is None or pending.sha256 != sha256:
        raise ConflictError(_("要确认的文件已被替换或取消,没有导入任何数据。请重新上传。"))
    return pending


def confirm_pending_upload(*, by: User, submission: Submission, sha256: str, expected_version: int | None) -> Staging:
    """The clerk confirms that the kept file (identified by its SHA-256, the one the page
    showed) replaces every staged row. Refused when the staged rows changed since the file was
    checked (the summary shown no longer holds). The file is checked again against the register
    as it is now; a problem leaves everything, the kept file included, as it was."""
    _require_editable_by_township(by, submission, expected_version)
    pending = _pending_or_conflict(submission, sha256, lock=False)
    data = bytes(pending.data)
    planned, staging = _check_file(by=by, submission=submission, data=data, file_name=pending.file_name)
    if staging.errors:
        return staging
    with transaction.atomic():
        locked = _lock_for_staging(submission, expected_version)
        pending = _pending_or_conflict(locked, sha256, lock=True)
        if pending.submission_version != locked.version:
            raise ConflictError(
                _("上传之后本单位的填报已有变化,确认时看到的替换结果已不准确,没有导入任何数据。请重新上传。")
            )
        started = _start_editing(by, locked)
        if late := _late_duplicates(locked, planned, pending.file_name):
            staging.problems = late
            return staging
        _stage(by=by, locked=locked, planned=planned, data=data, file_name=pending.file_name, started=started)
    staging.staged = len(planned)
    return staging


def discard_pending_upload(*, by: User, submission: Submission) -> None:
    """The clerk does not want the kept file: it goes, the staged rows stay."""
    _require_unit(by, submission)
    with transaction.atomic():
        locked = _locked(submission)
        pending = PendingUpload.objects.select_for_update().filter(submission=locked).first()
        if pending is None:
            return
        log_change(
            actor=by,
            action=AuditAction.DELETE,
            obj=pending,
            changes={"submission": locked.pk, "file": pending.file_name, "sha256": pending.sha256},
        )
        pending.delete()


def prefill_submission(*, by: User, submission: Submission, expected_version: int | None) -> Staging:
    """Stage the township's organizations as the register holds them (after an earlier
    campaign's approval, that campaign's data), so that the clerk only corrects what changed:
    the second census is a diff, not a re-typing. Only into a submission with no rows yet."""
    if submission.township is None:
        raise ServiceError(_("部门不导入摸底表,请在页面中核实本部门主管的组织。"))
    if submission.entries.exists():
        raise ServiceError(_("本单位已有填报数据,不能再用登记册预填。"))
    organizations = template.organizations_of_unit(submission.township)
    if not organizations.exists():
        raise ServiceError(_("登记册中本单位还没有组织,请导入摸底表。"))
    rows = template.template_rows(organizations)
    data = ("\ufeff" + "".join(template.csv_lines(rows))).encode("utf-8")
    return import_into_submission(
        by=by,
        submission=submission,
        data=data,
        file_name=f"{submission.campaign.code}-{submission.township.code}-登记册预填.csv",
        expected_version=expected_version,
    )


def _replace_entries(*, by: User, submission: Submission, replacement: Replacement) -> dict[str, int]:
    """Make the file's rows the staged rows (``replacement``). A row whose code was already
    staged keeps its identity (and, if its data did not change, the departments' confirmations
    of it); a changed row gets a new version, so an edit of the old one in another window
    conflicts."""
    now = timezone.now()
    kept: list[SubmissionEntry] = []
    created: list[SubmissionEntry] = []
    pairs = [
        *replacement.kept,
        *replacement.changed,
        *((SubmissionEntry(submission=submission), r) for r in replacement.added),
    ]
    for entry, r in pairs:
        values = r.row.values
        if entry.pk is None:
            created.append(entry)
        else:
            kept.append(entry)
        entry.row = r.row.excel_row
        entry.uscc = values.get("uscc") or ""
        entry.name = str(values.get("name") or "")
        entry.department_code = values.get("department_code") or ""
        entry.organization_id = r.org_pk if r.kind in ("changed", "unchanged") else None
        entry.data = _cells(r)
        entry.updated_by = by
        entry.updated_at = now
    changed = [entry.pk for entry, _r in replacement.changed]
    for entry, _r in replacement.changed:
        entry.version += 1
    _total, deleted = submission.entries.filter(pk__in=[e.pk for e in replacement.removed]).delete()
    removed = deleted.get(SubmissionEntry._meta.label, 0)
    DepartmentConfirmation.objects.filter(entry_id__in=changed).delete()  # they confirmed other data
    SubmissionEntry.objects.bulk_update(
        kept, ["row", "name", "department_code", "organization", "data", "version", "updated_by", "updated_at"]
    )
    SubmissionEntry.objects.bulk_create(created)
    return {"new_rows": len(created), "changed_rows": len(changed), "removed_rows": removed}


def _check_row(submission: Submission, data: Mapping[str, str]) -> None:
    """Validate one edited row exactly as an import would (the census reader, the township's
    reference data); refuse it with the reader's messages."""
    assert submission.township is not None
    keys = [k for k in KEYS if data.get(k)]
    data_bytes = _csv(keys, [data])
    reference = census_selectors.reference_for(unit=submission.township)
    result = read_census(data_bytes, "row.csv", reference)
    errors = [p for p in result.problems if p.severity == "error"]
    if errors:
        raise ServiceError(" ".join(f"{p.field or ''}:{p.message}" for p in errors))


def update_entry(
    *, by: User, entry: SubmissionEntry, values: Mapping[str, str], expected_version: int
) -> SubmissionEntry:
    """Correct a staged row in the page. A row changed by someone else since it was loaded is
    refused with a :class:`ConflictError` (the page then shows the other person's values)."""
    with transaction.atomic():
        submission = _locked(entry.submission)
        started = _start_editing(by, submission)
        try:
            locked = SubmissionEntry.objects.select_for_update().get(pk=entry.pk, submission=submission)
        except SubmissionEntry.DoesNotExist:
            raise ConflictError(_("该行已被重新导入的数据替换,请刷新页面。")) from None
        if locked.version != expected_version:
            who = locked.updated_by.get_username() if locked.updated_by else "-"
            raise ConflictError(
                _("该行已被 %(who)s 于 %(at)s 修改,您的修改没有保存。下面是现在的内容,请核对后重新修改。")
                % {"who": who, "at": timezone.localtime(locked.updated_at).strftime("%Y-%m-%d %H:%M")}
            )
        new_data = dict(locked.data)
        changes: dict[str, list[str]] = {}
        for key in EDITABLE_KEYS:
            if key not in values:
                continue
            value = (values[key] or "").strip()
            if value != (new_data.get(key) or ""):
                changes[key] = [new_data.get(key) or "", value]
                if value:
                    new_data[key] = value
                else:
                    new_data.pop(key, None)
        if not changes:
            return locked
        _check_row(submission, new_data)
        locked.data = new_data
        locked.name = new_data.get("name") or locked.name
        locked.version += 1
        locked.updated_by = by
        locked.save()
        submission.version += 1
        submission.save()
        log_change(actor=by, action=AuditAction.UPDATE, obj=locked, changes={**changes, "submission": submission.pk})
        _audit_started(by, submission, started, edited_entry=locked.pk)
    return locked


# --- Departments ------------------------------------------------------------------------------


def confirm_entry(
    *,
    by: User,
    submission: Submission,
    entry: SubmissionEntry,
    verdict: str,
    comment: str = "",
    expected_version: int | None = None,
) -> DepartmentConfirmation:
    """A department confirms, or comments on, a row of an organization it supervises."""
    if submission.department_id is None:
        raise ServiceError(_("只有行业主管部门核实本部门主管的组织。"))
    if verdict not in Verdict.values:
        raise ServiceError(_("请选择核实意见。"), field="verdict")
    if verdict == Verdict.COMMENTED and not comment.strip():
        raise ServiceError(_("有意见时请写明意见。"), field="comment")
    with transaction.atomic():
        locked = _locked(submission)
        started = _start_editing(by, locked)
        if not selectors.supervised_entries(submission=locked).filter(pk=entry.pk).exists():
            raise ServiceError(_("该组织不由本部门主管。"))
        # The row belongs to the township's submission: once the county approved it, it is
        # locked for everyone, the departments too (locked here, so an approval waits for us
        # or we see it).
        township_submission = _locked(entry.submission)
        if township_submission.is_locked:
            raise _refusal(workflow.TransitionRefused("wrong_state", township_submission.state, "confirm"))
        current = DepartmentConfirmation.objects.select_for_update().filter(entry=entry, submission=locked).first()
        if current is None:
            if expected_version:
                raise ConflictError(_("该行的核实意见已被删除或替换,请刷新页面。"))
            current = DepartmentConfirmation(entry=entry, submission=locked, by=by, verdict=verdict)
            before: list[str] = ["", ""]
        else:
            _check_version(current, expected_version)
            before = [current.verdict, current.comment]
            current.version += 1
        current.verdict = verdict
        current.comment = comment.strip()
        current.by = by
        current.save()
        locked.version += 1
        locked.save()
        log_change(
            actor=by,
            action=AuditAction.UPDATE,
            obj=current,
            changes={"verdict": [before[0], verdict], "comment": [before[1], current.comment], "entry": entry.pk},
        )
        _audit_started(by, locked, started, confirmed_entry=entry.pk)
    return current
