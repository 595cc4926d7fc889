"""The county's progress board: one line per responsible unit and the DHIS2-style rates.

Figures per township: state, staged rows, how many of them matched an organization already in
the register, the organizations the register knows in the township, completeness (share of rows
with every census field filled), and timeliness against the survey deadline. A fixed number of
queries, whatever the number of units.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Final

from django.db.models import Count

from liangxin.core.dates import today as business_today
from liangxin.registry.models import Organization

from . import workflow
from .models import Campaign, DepartmentConfirmation, Submission, SubmissionEntry, SubmissionState

# The census figures every row must carry (DOMAIN.md §1: type, scale, operating status,
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


def is_complete(data: dict[str, str]) -> bool:
    return all(data.get(key) for key in REQUIRED_KEYS)


@dataclass(frozen=True)
class UnitLine:
    submission: Submission
    state_label: str
    rows: int
    matched: int  # rows of organizations already in the register
    known: int | None  # organizations the register knows in the township (None for departments)
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
    def missing(self) -> int | None:
        """Organizations of the register the township's rows do not cover (closed, moved, or
        forgotten: what the county asks about)."""
        return None if self.known is None else max(0, self.known - self.matched)

    @property
    def new(self) -> int:
        return self.rows - self.matched


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


def build_board(*, campaign: Campaign, today: dt.date | None = None) -> Board:
    today = today or business_today()
    submissions = list(campaign.submissions.select_related("township", "department"))
    per_submission: dict[int, list[dict[str, str]]] = defaultdict(list)
    matched: Counter[int] = Counter()
    supervised: Counter[str] = Counter()
    for submission_id, data, org_id, department_code in SubmissionEntry.objects.filter(
        submission__campaign=campaign
    ).values_list("submission_id", "data", "organization_id", "department_code"):
        per_submission[submission_id].append(data)
        if department_code:
            supervised[department_code] += 1
        if org_id is not None:
            matched[submission_id] += 1
    known = dict(
        Organization.objects.filter(
            township_id__in=[s.township_id for s in submissions if s.township_id], merged_into__isnull=True
        )
        .values("township_id")
        .annotate(n=Count("pk"))
        .values_list("township_id", "n")
    )
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
            matched=matched[s.pk],
            known=known.get(s.township_id, 0) if s.township_id else None,
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
