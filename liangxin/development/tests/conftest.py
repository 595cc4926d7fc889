from __future__ import annotations

import datetime as dt

import pytest

from liangxin.development import services
from liangxin.development.pipeline import Stage, Step
from liangxin.testing.factories import valid_id_number

D = dt.date
BORN = D(1996, 4, 2)
APPLIED = D(2023, 1, 10)


@pytest.fixture
def apply(carol, branch_b, org_in_b):
    """A township B applicant (through carol): ``apply(n, birth=..., on=...)``."""

    def make(n: int = 1, *, birth: dt.date = BORN, on: dt.date = APPLIED, **extra):
        return services.open_application(
            by=carol,
            data=services.ApplicationData(
                name=f"申请人{n}",
                id_number=valid_id_number(800 + n, birth=birth),
                party_organization=extra.pop("party_organization", branch_b),
                organization=extra.pop("organization", org_in_b),
                applied_on=on,
                **extra,
            ),
        )

    return make


def walk_to(by, file, stage: Stage, shift: dt.timedelta = dt.timedelta(0)):
    """Every step and stage up to ``stage`` on the dates of a by-the-rules development (moved by
    ``shift``: the file's application date is then 2023-01-10 + ``shift``)."""
    plan: list[tuple[Step | Stage, dt.date]] = [
        (Step.TALK, D(2023, 1, 20)),
        (Step.RECOMMENDATION, D(2023, 2, 20)),
        (Stage.ACTIVIST, D(2023, 3, 1)),
        (Step.CONTACTS, D(2023, 3, 2)),
        (Step.TRAINING, D(2023, 6, 1)),
        (Stage.CANDIDATE, D(2024, 3, 5)),
        (Step.POLITICAL_REVIEW, D(2024, 5, 1)),
        (Step.BRANCH_MEETING, D(2024, 7, 1)),
        (Step.HIGHER_APPROVAL, D(2024, 7, 20)),
        (Stage.PROBATIONARY, D(2024, 7, 1)),
        (Stage.FULL, D(2025, 7, 1)),
    ]
    for what, day in plan:
        on = day + shift
        if isinstance(what, Step):
            services.record_step(by=by, file=file, step=what, on=on, note=f"{what.value}记录")
        else:
            file = services.enter_stage(by=by, file=file, stage=what, on=on)
            if what is stage:
                return file
    return file
