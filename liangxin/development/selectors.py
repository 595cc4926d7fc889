"""Reads of member development, always through the user's scope (``scoping.py``)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from liangxin.accounts.models import User
from liangxin.registry.models import Employment, PartyOrganization

from . import pipeline
from .models import DevelopmentFile, DevelopmentRules, DevelopmentStep, Recommendation

DEFAULT_RULES = pipeline.Rules()


def rules_in_force(*, on: dt.date) -> pipeline.Rules:
    """The development rules in force on ``on``: the latest version taking effect by then (the
    first version's figures before any)."""
    version = DevelopmentRules.objects.filter(effective_from__lte=on).order_by("-effective_from").first()
    if version is None:
        version = DevelopmentRules.objects.order_by("effective_from").first()
    return version.as_rules() if version is not None else DEFAULT_RULES


def files_for(*, user: User) -> QuerySet[DevelopmentFile]:
    return (
        DevelopmentFile.objects.restrict(user)
        .select_related("party_organization", "party_organization__township", "organization", "member")
        .prefetch_related(
            Prefetch("steps", queryset=DevelopmentStep.objects.select_related("recorded_by").order_by("done_on", "pk"))
        )
    )


def recommendations_for(*, user: User) -> QuerySet[Recommendation]:
    from .scoping import recommendation_scope

    return Recommendation.objects.filter(recommendation_scope(user)).select_related(
        "party_organization", "member", "file", "organization"
    )


def party_organizations_for(*, user: User) -> QuerySet[PartyOrganization]:
    return PartyOrganization.objects.restrict(user).filter(dissolved_on__isnull=True).order_by("name")


@dataclass
class Row:
    file: DevelopmentFile
    stage: pipeline.Stage
    record: pipeline.Record
    preferences: set[pipeline.Preference]
    probation_ends: dt.date | None
    overdue: list[tuple[str, dt.date]]

    @property
    def stage_label(self) -> str:
        return pipeline.STAGE_LABELS[self.stage]

    @property
    def preference_labels(self) -> str:
        return "、".join(pipeline.PREFERENCE_LABELS[p] for p in pipeline.Preference if p in self.preferences)


@dataclass
class Lists:
    on: dt.date
    rules: pipeline.Rules
    rows: list[Row]
    by_stage: dict[pipeline.Stage, int] = field(default_factory=dict)
    due: list[Row] = field(default_factory=list)  # conversion due within the window
    overdue: list[tuple[Row, str, dt.date]] = field(default_factory=list)
    # preference → stage → count; the "total" of a preference counts people, once each.
    preference_counts: dict[pipeline.Preference, dict[pipeline.Stage, int]] = field(default_factory=dict)


def _members_at_work(files: list[DevelopmentFile]) -> dict[int, int]:
    """For each file naming an organization: how many members worked there on the day he applied
    (himself left out, if he is one since)."""
    org_ids = {f.organization_id for f in files if f.organization_id is not None}
    spans: defaultdict[int, list[tuple[dt.date, dt.date | None, int]]] = defaultdict(list)
    for org_id, start, end, member_id in Employment.objects.filter(organization_id__in=org_ids).values_list(
        "organization_id", "valid_from", "valid_to", "member_id"
    ):
        spans[org_id].append((start, end, member_id))
    counts: dict[int, int] = {}
    for f in files:
        if f.organization_id is None:
            continue
        day = f.applied_on
        counts[f.pk] = len(
            {
                member_id
                for start, end, member_id in spans[f.organization_id]
                if start <= day and (end is None or end > day) and member_id != f.member_id
            }
        )
    return counts


def development_lists(
    *,
    user: User,
    on: dt.date,
    township_id: int | None = None,
    party_organization_id: int | None = None,
) -> Lists:
    """People at each stage, probationary members due for conversion within the rules' window,
    overdue steps and the counts by preference category — in the user's scope, optionally one
    township's or one party organization's."""
    files = files_for(user=user)
    if township_id is not None:
        files = files.filter(party_organization__township_id=township_id)
    if party_organization_id is not None:
        files = files.filter(party_organization_id=party_organization_id)
    rules = rules_in_force(on=on)
    loaded = list(files.order_by("party_organization__name", "applied_on", "pk"))
    at_work = _members_at_work(loaded)
    rows: list[Row] = []
    for f in loaded:
        record = f.record()
        stage = record.stage
        assert stage is not None
        rows.append(
            Row(
                file=f,
                stage=stage,
                record=record,
                preferences=pipeline.preferences(
                    work_role=f.work_role,
                    age=pipeline.age_on(f.birth_date, f.applied_on),
                    members_at_work=at_work.get(f.pk),
                    rules=rules,
                ),
                probation_ends=pipeline.probation_ends(record, rules),
                overdue=pipeline.overdue(record, on, rules),
            )
        )
    lists = Lists(on=on, rules=rules, rows=rows)
    stage_counts = Counter(row.stage for row in rows)
    lists.by_stage = {stage: stage_counts.get(stage, 0) for stage in pipeline.STAGES}
    window_end = on + dt.timedelta(days=rules.conversion_window_days)
    lists.due = sorted(
        (
            row
            for row in rows
            if row.stage is pipeline.Stage.PROBATIONARY
            and row.probation_ends is not None
            and on <= row.probation_ends <= window_end
        ),
        key=lambda row: (row.probation_ends, row.file.pk),
    )
    lists.overdue = sorted(
        ((row, what, due) for row in rows for what, due in row.overdue), key=lambda item: (item[2], item[0].file.pk)
    )
    lists.preference_counts = {
        preference: {stage: 0 for stage in pipeline.STAGES} for preference in pipeline.Preference
    }
    for row in rows:
        for preference in row.preferences:
            lists.preference_counts[preference][row.stage] += 1
    return lists
