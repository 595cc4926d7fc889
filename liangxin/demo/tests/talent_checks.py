"""The demo county's talent pool: instructors from the pool lift work coverage above organization
coverage (with organization life's activities, the only other way to it); the county's 668 members
stay.

Collected as part of ``test_county.py`` (which imports them), so they run on the demo that module
loads once, instead of loading it a second time."""

import datetime as dt
import io
import json

from django.core.management import call_command
from django.db.models import Exists, OuterRef, Q

from liangxin.core.dates import today
from liangxin.coverage.selectors import county_indicator_table
from liangxin.demo import county
from liangxin.orglife.models import ActivityOrganization
from liangxin.registry.choices import OperatingStatus
from liangxin.registry.models import Organization, OrganizationFacts, PartyOrganizationCoverage
from liangxin.talent.models import InstructorAssignment, PoolEntry, PostAssignment


def _held(model, day):
    return model.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=day), organization=OuterRef("pk"), valid_from__lte=day
    )


def _without_party_organization(day: dt.date, *reached_by) -> int:
    """Organizations in the register on ``day`` with no party organization that any of
    ``reached_by`` (interval tables) reaches on that day, counted from the register (not from the
    coverage state)."""
    live = _held(OrganizationFacts, day).exclude(operating_status=OperatingStatus.DEREGISTERED)
    reached = Q()
    for model in reached_by:
        reached |= Q(Exists(_held(model, day)))
    return (
        Organization.objects.filter(merged_into__isnull=True)
        .filter(Exists(live))
        .filter(reached)
        .exclude(Exists(_held(PartyOrganizationCoverage, day)))
        .count()
    )


def test_instructors_alone_lift_work_coverage_above_organization_coverage(loaded, db):
    for day in (county.AS_OF, today()):
        figures = county_indicator_table(as_of=day)[0].values
        work, org = figures["work_coverage"], figures["org_coverage"]
        assert work.denominator == org.denominator
        assert _without_party_organization(day, InstructorAssignment) >= 20
        # Work coverage beyond organization coverage: an instructor, or an activity held in or
        # with the organization in the window (docs/organization-life.md).
        gap = _without_party_organization(day, InstructorAssignment, ActivityOrganization)
        assert work.numerator - org.numerator == gap


def test_the_indicators_command_shows_it(loaded, db):
    out = io.StringIO()
    call_command("indicators", "--json", stdout=out)
    text = out.getvalue()
    payload = json.loads(text)
    assert "work_coverage" in text and payload
    figures = county_indicator_table(as_of=today())[0].values
    assert figures["work_coverage"].numerator > figures["org_coverage"].numerator


def test_the_pool_has_a_few_dozen_people_and_members_keep_one_id_number(loaded, db):
    assert 30 <= PoolEntry.objects.count() <= 60
    members = PoolEntry.objects.filter(member__isnull=False)
    assert members.exists() and not members.exclude(id_number_encrypted="").exists()
    assert PoolEntry.objects.filter(member__isnull=True, id_number_hash__isnull=False).count() >= 30
    assert PoolEntry.objects.filter(to_complete=True).exists()
    assert InstructorAssignment.objects.exclude(end_reason="").exists()
    labels = {post.cross_label for post in PostAssignment.objects.all()}
    assert {"一肩挑", "交叉任职"} <= labels
