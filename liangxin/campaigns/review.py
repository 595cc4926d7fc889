"""What the county sees on the page where it approves a township's submission: what the approval
would write to the register, computed by the same planning the approval runs (the staged rows
as a census file, ``census.services.plan_file``, writing nothing).

Counts of new / changed / unchanged organizations and of problems, the completeness of the
required columns (``board.REQUIRED_KEYS``) with the rows that leave some blank, and per
organization the fields that would change (``census.previews``: the census preview's diff).
The plan's fingerprint goes into the approval form: the approval refuses to write a plan that
differs from the one shown (``services.approve_submission``).
"""

from __future__ import annotations

from dataclasses import dataclass

from liangxin.accounts.models import User
from liangxin.census import previews
from liangxin.census import services as census_services
from liangxin.census.tabular import Problem
from liangxin.census.tabular.columns import BY_KEY

from . import services
from .board import missing_required
from .models import Submission, SubmissionEntry
from .services import FIRST_ROW


@dataclass(frozen=True)
class Incomplete:
    entry: SubmissionEntry
    missing: list[str]  # labels of the required columns left blank


@dataclass(frozen=True)
class Review:
    rows: int
    new: int
    changed: int
    unchanged: int
    problems: list[Problem]
    incomplete: list[Incomplete]
    changes: list[previews.ChangeRow]
    fingerprint: str

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> int:
        return len(self.problems) - self.errors

    @property
    def complete(self) -> int:
        return self.rows - len(self.incomplete)

    @property
    def complete_pct(self) -> float | None:
        return round(100 * self.complete / self.rows, 1) if self.rows else None


def review_of(*, user: User, submission: Submission) -> Review:
    """The approval of ``submission`` as it would happen now (a township's submission)."""
    assert submission.township is not None
    entries = list(submission.entries.order_by("row", "pk"))
    data, file_name = services.register_file(submission=submission, entries=entries)
    planned = census_services.plan_file(
        by=user, unit=submission.township, data=data, file_name=file_name, as_of=submission.campaign.as_of
    )
    rows = planned.plan.rows
    changes = list(previews.preview_changes(rows))
    for change in changes:  # the row of the township's own file, not of the one made here
        change.row = entries[change.row - FIRST_ROW].row if change.row is not None else None
    return Review(
        rows=len(entries),
        new=sum(1 for r in rows if r.kind == "new"),
        changed=sum(1 for r in rows if r.kind == "changed"),
        unchanged=sum(1 for r in rows if r.kind == "unchanged"),
        problems=planned.problems,
        incomplete=[
            Incomplete(entry=e, missing=[str(BY_KEY[k].label) for k in missing])
            for e in entries
            if (missing := missing_required(e.data))
        ],
        changes=previews.change_rows(changes),
        fingerprint=planned.plan.fingerprint,
    )
