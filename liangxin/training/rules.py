"""The yearly training rules: who must be trained how many times a year, and who is missing.
Pure Python (no Django), so every boundary is tested without a database.

The figures come from versioned data (``training.models.TrainingRuleVersion``), never from here;
what they mean and where they come from is written in ``docs/training.md``. The rules of a year
are the version in force on the year's **last day** (31 December): a rule that takes effect during
a year asks for that year's training, and the year before keeps its own rule.

A training counts for the year in which it **ends** (a course from 30 December to 2 January counts
for the new year: it was finished then). Each training counts once per person, however many
attendance rows name that person in it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# Who the rules ask for. Stable codes; labels below.
SECRETARY = "secretary"  # the secretary of each party organization in existence at the year's end
PARTY_WORKER = "party_worker"  # each full-time party worker (专职党务工作者) of such a party organization
OWNER = "owner"  # the owner (业主/负责人) of each organization in the register at the year's end

AUDIENCE_LABELS: dict[str, str] = {
    SECRETARY: "党组织书记",
    PARTY_WORKER: "专职党务工作者",
    OWNER: "业主(负责人)",
}
AUDIENCES = tuple(AUDIENCE_LABELS)

# A member whose recorded position (职务) is one of these is a full-time party worker. The talent
# pool may later hold this roster; until then the member's position is the one place it is read.
FULL_TIME_POSITIONS = frozenset({"专职党务工作者", "专职副书记", "专职组织员"})


class TrainingRulesError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class YearlyRules:
    """Trainings each audience must attend in a year (0: no requirement)."""

    name: str
    effective_from: dt.date
    times: Mapping[str, int]

    def __post_init__(self) -> None:
        problems = rules_problems(self.times)
        if problems:
            raise TrainingRulesError(";".join(problems))

    def required(self, audience: str) -> int:
        return self.times.get(audience, 0)


def rules_problems(times: Mapping[str, int]) -> list[str]:
    problems = []
    unknown = set(times) - set(AUDIENCES)
    if unknown:
        problems.append("未知的培训对象:" + "、".join(sorted(unknown)))
    for audience, count in times.items():
        if audience in AUDIENCE_LABELS and not 0 <= count <= 12:
            problems.append(f"{AUDIENCE_LABELS[audience]}每年培训次数须在0到12之间")
    return problems


def year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def counts_for_year(ends_on: dt.date) -> int:
    """The year a training counts for: the year it ends in."""
    return ends_on.year


def rules_for_year(versions: Iterable[YearlyRules], year: int) -> YearlyRules | None:
    """The version in force on the year's last day; None before the first version."""
    last_day = year_end(year)
    in_force = [v for v in versions if v.effective_from <= last_day]
    return max(in_force, key=lambda v: v.effective_from) if in_force else None


@dataclass(frozen=True)
class Required:
    """One person the rules ask for: ``key`` is the party organization (secretary), the member
    (full-time party worker) or the organization (owner) the person is found by."""

    audience: str
    key: int
    township_id: int
    label: str  # the organization's or party organization's name
    person: str  # the person's name where the register knows it


@dataclass(frozen=True)
class Status:
    required: Required
    times_required: int
    times_attended: int

    @property
    def missing(self) -> int:
        return max(0, self.times_required - self.times_attended)

    @property
    def is_missing(self) -> bool:
        return self.missing > 0


def statuses(
    *, rules: YearlyRules | None, required: Iterable[Required], attended: Mapping[tuple[str, int], int]
) -> list[Status]:
    """Each required person's trainings against the year's rules. ``attended`` maps
    (audience, key) to the number of distinct trainings of the year the person attended.
    An audience the rules ask nothing of (0, or no rules at all) is left out."""
    found = []
    for person in required:
        times = rules.required(person.audience) if rules is not None else 0
        if times <= 0:
            continue
        found.append(Status(person, times, attended.get((person.audience, person.key), 0)))
    return found


@dataclass(frozen=True)
class TownshipTally:
    township_id: int
    required: Mapping[str, int]
    missing: Mapping[str, int]

    @property
    def total_missing(self) -> int:
        return sum(self.missing.values())


def tally(found: Sequence[Status]) -> dict[int, TownshipTally]:
    """Per township: how many people each audience requires, and how many of them are missing."""
    required: dict[int, dict[str, int]] = {}
    missing: dict[int, dict[str, int]] = {}
    for status in found:
        township = status.required.township_id
        audience = status.required.audience
        required.setdefault(township, dict.fromkeys(AUDIENCES, 0))[audience] += 1
        missing.setdefault(township, dict.fromkeys(AUDIENCES, 0))
        if status.is_missing:
            missing[township][audience] += 1
    return {t: TownshipTally(t, required[t], missing[t]) for t in required}
