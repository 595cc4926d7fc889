"""The demo county's member development: people at every stage, the lists have something to show,
and the county's members are untouched (668, none added, none converted).

Collected as part of ``test_county.py`` (which imports them), so they run on the demo that module
loads once."""

import datetime as dt

from django.urls import reverse

from liangxin.accounts.models import User
from liangxin.development import selectors as development_selectors
from liangxin.development.models import DevelopmentFile, Recommendation
from liangxin.development.pipeline import STAGES, Stage
from liangxin.registry.choices import MemberStatus
from liangxin.registry.models import Member

DEMO_DECEMBER = dt.date(2026, 12, 5)


def test_development_has_people_at_every_stage_and_leaves_the_members_alone(loaded, db):
    admin = User.objects.get(username="county_admin")
    lists = development_selectors.development_lists(user=admin, on=DEMO_DECEMBER)
    assert all(lists.by_stage[stage] > 0 for stage in STAGES), lists.by_stage
    # New applicants, activists and candidates are not members; the files of members link to
    # members already in the register and agree with their dates.
    assert not DevelopmentFile.objects.filter(
        probationary_on__isnull=True, member__isnull=False, applied_on__gte=dt.date(2024, 1, 1)
    ).exists()
    for file in DevelopmentFile.objects.filter(member__isnull=False).select_related("member"):
        assert file.probationary_on == file.member.admitted_on
        assert file.full_on == file.member.full_membership_on
        assert (file.full_on is None) == (file.member.status == MemberStatus.PROBATIONARY)
    assert Member.objects.exclude(mobility_records__direction="in").count() == 668
    # the lists: a probation extended into the coming weeks, the overdue, the categories
    assert [row.stage for row in lists.due] == [Stage.PROBATIONARY]
    assert lists.overdue
    assert all(sum(counts.values()) > 0 for counts in lists.preference_counts.values())
    assert set(Recommendation.objects.values_list("kind", flat=True)) == {
        "employee_to_party",
        "member_to_work",
        "member_to_management",
    }


def test_a_secretary_sees_his_own_pipeline_only(loaded, client, db):
    file = DevelopmentFile.objects.filter(member__isnull=True).select_related("party_organization").first()
    assert file is not None
    secretary = User.objects.get(party_organization=file.party_organization)
    client.force_login(secretary)
    page = client.get(reverse("development:index")).content.decode()
    assert file.name in page
    other = DevelopmentFile.objects.exclude(party_organization=file.party_organization).first()
    assert other is not None
    assert client.get(reverse("development:file_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("development:file_detail", args=[file.pk])).status_code == 200
