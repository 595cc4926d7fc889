"""The demo county's training records and liaison: the gap list has people attended and missing in
2025 and 2026, every liaison page has something to show.

Collected as part of ``test_county.py`` (which imports them), so they run on the demo that module
loads once."""

from collections import Counter

from django.urls import reverse

from liangxin.accounts.models import User
from liangxin.liaison.models import DemonstrationPoint, JointMeetingUnit, LiaisonPoint, Visit
from liangxin.training import rules as training_rules
from liangxin.training import selectors as training_selectors


def test_the_gap_list_has_attended_and_missing_secretaries_and_owners(loaded, db):
    county_admin = User.objects.get(username="county_admin")
    for year in (2025, 2026):
        report = training_selectors.training_gaps(user=county_admin, year=year)
        asked = Counter(s.required.audience for s in report.statuses)
        missing = Counter(s.required.audience for s in report.missing)
        for audience in (training_rules.SECRETARY, training_rules.OWNER):
            assert 0 < missing[audience] < asked[audience] / 2, (year, audience, missing, asked)


def test_liaison_points_visits_demonstrations_and_joint_units(loaded, db, client, settings):
    assert LiaisonPoint.objects.filter(township__isnull=True).count() >= 5
    assert LiaisonPoint.objects.filter(township__isnull=False).exists()
    assert Visit.objects.count() >= LiaisonPoint.objects.count()
    assert set(DemonstrationPoint.objects.values_list("year", flat=True)) == {2024, 2025, 2026}
    assert JointMeetingUnit.objects.filter(is_lead=True).count() == 1
    settings.DEMO_MODE = True  # demo accounts keep their password only in demo mode
    client.force_login(User.objects.get(username="county_admin"))
    assert "县委副书记" in client.get(reverse("liaison:index")).content.decode()
    assert "/training/gaps/townships/" in client.get(reverse("training:gaps"), {"year": 2025}).content.decode()
