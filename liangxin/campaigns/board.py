"""The county's progress board: one line per responsible unit and the DHIS2-style rates.

Figures per township: state, staged rows, how many of them are organizations new to the register
(for an approved submission: the ones its approval created), the organizations the register knows
in the township and those of them the township did not report (``selectors.unreported_organizations``,
the list its submission page shows), completeness (share of rows with every census field filled),
and timeliness against the survey deadline. A fixed number of queries, whatever the number of
units.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from django.db.models import Count, QuerySet

from liangxin.core.dates import today as business_today
from liangxin.registry.models import Organization

from . import selectors, workflow
from .models import Campaign, DepartmentConfirmation, Submission, SubmissionEntry, SubmissionState

# The census figures every row must carry (docs/domain.md §1: type, scale, operating status,
# employees, full and probationary members, secretary candidate, owner's attitude).
REQUIRED_KEYS: Final = (
    "name",
    "category",
    "org_type",
    "township",
    "operating_status",
    "employees",
    "full_members",
    "probationary_members",
    "owner_attitude",
    "secretary_candidate_available",
)


def missing_required(data: Mapping[str, str]) -> list[str]:
    """The required columns a staged row leaves blank (template keys, in template order)."""
    return [key for key in REQUIRED_KEYS if not data.get(key)]


def is_complete(data: Mapping[str, str]) -> bool:
    return not missing_required(data)


@dataclass(frozen=True)
class UnitLine:
    submission: Submission
    state_label: str
    rows: int
    new: int  # rows of organizations new to the register (approved: the ones the approval created)
    known: int | None  # organizations the register knows in the township (None for departments)
    # Of those, the ones no row of the township reports (closed, moved, or forgotten: what the
    # county asks about); None for departments.
    missing: int | None
    complete_pct: float | None
    timeliness: workflow.Timeliness
    days_left: int
    confirmed: int = 0  # departments: rows confirmed / commented
    commented: int = 0

    @property
    def reported(self) -> bool:
        return self.submission.state in workflow.DONE

    @property
    def overdue_days(self) -> int:
        return max(0, -self.days_left)

    @property
    def matched(self) -> int:
        """Rows of organizations already in the register."""
        return self.rows - self.new


@dataclass(frozen=True)
class Board:
    campaign: Campaign
    today: dt.date
    townships: list[UnitLine]
    departments: list[UnitLine]
    rates: workflow.Rates
    survey_days_left: int
    plan_days_left: int

    @property
    def reminders(self) -> list[UnitLine]:
        """Units that have not reported, townships first."""
        return [line for line in [*self.townships, *self.departments] if not line.reported]


def _per_township(organizations: QuerySet[Organization]) -> dict[int, int]:
    return dict(organizations.values("township_id").annotate(n=Count("pk")).values_list("township_id", "n"))


def _new_rows(submission: Submission, unmatched: int) -> int:
    """Rows new to the register: before the approval the rows that match no organization; once
    approved (every row then matches one), the organizations its import created."""
    batch = submission.register_batch
    if submission.state == workflow.APPROVED and batch is not None:
        return batch.new_count
    return unmatched


def build_board(*, campaign: Campaign, today: dt.date | None = None) -> Board:
    today = today or business_today()
    submissions = list(campaign.submissions.select_related("township", "department", "register_batch"))
    per_submission: dict[int, list[dict[str, str]]] = defaultdict(list)
    unmatched: Counter[int] = Counter()
    supervised: Counter[str] = Counter()
    for submission_id, data, org_id, department_code in SubmissionEntry.objects.filter(
        submission__campaign=campaign
    ).values_list("submission_id", "data", "organization_id", "department_code"):
        per_submission[submission_id].append(data)
        if department_code:
            supervised[department_code] += 1
        if org_id is None:
            unmatched[submission_id] += 1
    township_ids = [s.township_id for s in submissions if s.township_id]
    known = _per_township(selectors.expected_organizations(township_ids=township_ids))
    missing = _per_township(selectors.unreported_organizations(campaign=campaign))
    verdicts: dict[tuple[int, str], int] = {
        (submission_id, verdict): n
        for submission_id, verdict, n in DepartmentConfirmation.objects.filter(submission__campaign=campaign)
        .values("submission_id", "verdict")
        .annotate(n=Count("pk"))
        .values_list("submission_id", "verdict", "n")
    }
    townships: list[UnitLine] = []
    departments: list[UnitLine] = []
    for s in submissions:
        rows = per_submission.get(s.pk, [])
        when = workflow.timeliness(
            state=s.state, submitted_on=s.submitted_on, deadline=campaign.survey_deadline, today=today
        )
        line = UnitLine(
            submission=s,
            state_label=str(SubmissionState(s.state).label),
            rows=len(rows) if s.department is None else supervised[s.department.code],
            new=_new_rows(s, unmatched[s.pk]),
            known=known.get(s.township_id, 0) if s.township_id else None,
            missing=missing.get(s.township_id, 0) if s.township_id else None,
            complete_pct=round(100 * sum(1 for r in rows if is_complete(r)) / len(rows), 1) if rows else None,
            timeliness=when,
            days_left=workflow.days_left(campaign.survey_deadline, today),
            confirmed=verdicts.get((s.pk, "confirmed"), 0),
            commented=verdicts.get((s.pk, "commented"), 0),
        )
        (townships if s.township_id else departments).append(line)
    return Board(
        campaign=campaign,
        today=today,
        townships=townships,
        departments=departments,
        rates=workflow.rates(line.timeliness for line in townships),
        survey_days_left=workflow.days_left(campaign.survey_deadline, today),
        plan_days_left=workflow.days_left(campaign.plan_deadline, today),
    )
