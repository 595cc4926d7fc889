"""Reads for campaigns, always for a user: the county sees everything; a township clerk only
his township's submission and rows; a department clerk his department's submission and the rows
of the organizations his department supervises, in every township's submission."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from liangxin.accounts.models import User
from liangxin.accounts.roles import Role, ScopeKind
from liangxin.registry.models import Organization

from .models import Campaign, CampaignStatus, Submission, SubmissionEntry


def is_county_admin(user: User) -> bool:
    return bool(user.role == Role.COUNTY_ADMIN)


def _county_reader(user: User) -> bool:
    return user.role in (Role.COUNTY_ADMIN, Role.LEADER)


def campaigns_for(*, user: User) -> QuerySet[Campaign]:
    if _county_reader(user):
        return Campaign.objects.all()
    visible = Campaign.objects.exclude(status=CampaignStatus.DRAFT)
    if user.role == Role.TOWNSHIP_CLERK and user.scope_kind is ScopeKind.TOWNSHIP:
        return visible.filter(townships=user.township_id or 0)
    if user.role == Role.DEPARTMENT_CLERK and user.scope_kind is ScopeKind.DEPARTMENT:
        return visible.filter(departments=user.department_id or 0)
    return Campaign.objects.none()


def board_campaigns_for(*, user: User) -> QuerySet[Campaign]:
    """The progress board is the county's."""
    return Campaign.objects.all() if _county_reader(user) else Campaign.objects.none()


def submissions_for(*, user: User) -> QuerySet[Submission]:
    qs = Submission.objects.select_related("campaign", "township", "department")
    if _county_reader(user):
        return qs
    qs = qs.exclude(campaign__status=CampaignStatus.DRAFT)
    if user.role == Role.TOWNSHIP_CLERK and user.scope_kind is ScopeKind.TOWNSHIP:
        return qs.filter(township_id=user.township_id or 0)
    if user.role == Role.DEPARTMENT_CLERK and user.scope_kind is ScopeKind.DEPARTMENT:
        return qs.filter(department_id=user.department_id or 0)
    return Submission.objects.none()


def entries_for(*, user: User) -> QuerySet[SubmissionEntry]:
    qs = SubmissionEntry.objects.select_related("submission__campaign", "submission__township", "organization")
    if _county_reader(user):
        return qs
    qs = qs.exclude(submission__campaign__status=CampaignStatus.DRAFT)
    if user.role == Role.TOWNSHIP_CLERK and user.scope_kind is ScopeKind.TOWNSHIP:
        return qs.filter(submission__township_id=user.township_id or 0)
    department = user.department if user.role == Role.DEPARTMENT_CLERK else None
    if department is not None and user.scope_kind is ScopeKind.DEPARTMENT:
        # Only township rows: a department's own submission holds no rows.
        return qs.filter(
            Q(department_code=department.code),
            submission__township__isnull=False,
            submission__campaign__departments=department.pk,
        )
    return SubmissionEntry.objects.none()


def supervised_entries(*, submission: Submission) -> QuerySet[SubmissionEntry]:
    """The rows of every township's submission in the campaign whose organization the
    department of ``submission`` supervises."""
    if submission.department is None:
        return SubmissionEntry.objects.none()
    return (
        SubmissionEntry.objects.filter(
            submission__campaign_id=submission.campaign_id,
            submission__township__isnull=False,
            department_code=submission.department.code,
        )
        .select_related("submission__township")
        .order_by("submission__township__code", "row", "pk")
    )


def other_unit_usccs(*, submission: Submission) -> dict[str, str]:
    """USCC → township name of the rows other townships staged in the same campaign."""
    return {
        uscc: name
        for uscc, name in SubmissionEntry.objects.filter(
            submission__campaign_id=submission.campaign_id, submission__township__isnull=False
        )
        .exclude(submission=submission)
        .exclude(uscc="")
        .values_list("uscc", "submission__township__name")
    }


def expected_organizations(*, township_ids: Collection[int] | QuerySet[Any]) -> QuerySet[Organization]:
    """The organizations the register holds in these townships (merged duplicates left out):
    what a township's census is expected to report."""
    return Organization.objects.filter(township_id__in=township_ids, merged_into__isnull=True)


def unreported_organizations(*, campaign: Campaign) -> QuerySet[Organization]:
    """The expected organizations of the campaign's townships that no row of their township's
    submission names: closed, moved, or forgotten — what the county asks the township about.
    One rule for the board's count and the submission page's list."""
    townships = campaign.submissions.filter(township__isnull=False).values_list("township_id", flat=True)
    reported = SubmissionEntry.objects.filter(
        submission__campaign=campaign,
        submission__township_id=OuterRef("township_id"),
        organization_id=OuterRef("pk"),
    )
    return expected_organizations(township_ids=townships).filter(~Exists(reported))
