"""The demo county's mobile members: every page has something to show, the county's 668 stay.

Collected as part of ``test_county.py`` (which imports them), so they run on the demo that module
loads once, instead of loading it a second time."""

from django.db.models import Q
from django.urls import reverse

from liangxin.accounts.models import User
from liangxin.core import crypto
from liangxin.demo import county
from liangxin.mobility import divisions, selectors
from liangxin.mobility.models import (
    ActivityCertificate,
    HelpRecord,
    IntroductionLetter,
    MigrantRecord,
    MobileMember,
    RelationTransfer,
)
from liangxin.registry.models import Member, PartyRelation


def _held_on(day):
    return (
        PartyRelation.objects.filter(valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .values("member_id")
        .distinct()
        .count()
    )


def test_members_whose_relations_are_held_in_the_county_on_the_latest_census_date(loaded, db):
    members_here = Member.objects.exclude(mobility_records__direction="in")
    assert members_here.count() == 668
    # Coming in holds the relation outside the county; the one transferred in since the census
    # date is not held here on that date.
    incoming = MobileMember.objects.filter(direction="in")
    assert incoming.count() >= 15
    assert not PartyRelation.objects.filter(member__in=incoming.values("member"), valid_from__lte=county.AS_OF).exists()
    assert (
        _held_on(county.AS_OF)
        == PartyRelation.objects.filter(member__in=members_here, valid_from__lte=county.AS_OF)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=county.AS_OF))
        .values("member_id")
        .distinct()
        .count()
    )


def test_in_and_out_from_several_origins(loaded, db):
    out = MobileMember.objects.filter(direction="out")
    assert out.count() >= 25
    assert set(out.values_list("origin_code", flat=True)) == {"530324"}
    destinations = {code[:2] for code in out.values_list("destination_code", flat=True)}
    assert {"44", "33", "53"} <= destinations
    origins = {code[:2] for code in MobileMember.objects.filter(direction="in").values_list("origin_code", flat=True)}
    assert len(origins) >= 2 and "530324" not in origins
    # Some of those coming in carry ID numbers under codes retired since, and still resolve.
    numbers = [
        crypto.decrypt(e)
        for e in Member.objects.filter(mobility_records__direction="in").values_list("id_number_encrypted", flat=True)
    ]
    retired = [n for n in numbers if n[:6] not in divisions.tables().counties]
    assert retired and all(divisions.county_of_id_number(n) for n in retired)


def test_every_state_has_an_example(loaded, db):
    statuses = set(MigrantRecord.objects.values_list("status", flat=True))
    assert {"pending", "new_mobile", "not_member"} <= statuses
    pending_due = sorted(MigrantRecord.objects.filter(status="pending").values_list("due_on", flat=True))
    assert pending_due[0] < pending_due[-1]  # some fall due before others (overdue as time passes)
    assert {"issued", "voided", "revoked", "applied", "approved"} <= set(
        ActivityCertificate.objects.values_list("status", flat=True)
    )
    assert {"issued", "returned", "completed"} <= set(RelationTransfer.objects.values_list("state", flat=True))
    assert IntroductionLetter.objects.exists()
    assert {"left_behind", "training", "startup", "job_guidance"} <= set(
        HelpRecord.objects.values_list("kind", flat=True)
    )
    assert MobileMember.objects.filter(selectors.unplaced()).exists()
    assert MobileMember.objects.filter(direction="in", takes_part_in__isnull=False).exists()


def test_every_mobility_page_shows_something(loaded, client, settings):
    settings.DEMO_MODE = True  # demo accounts keep their password only in demo mode
    client.force_login(User.objects.get(username="county_admin"))
    for name, text in [
        ("mobility:index", "各乡镇情况"),
        ("mobility:ledger", "流出"),
        ("mobility:registration_list", "待核实"),
        ("mobility:certificate_register", "LDZ-"),
        ("mobility:transfer_list", "JSX-"),
        ("mobility:help_list", "关心留守家庭"),
        ("mobility:flows", "广东省"),
        ("mobility:batch_list", "公安流动人口党员信息"),
    ]:
        page = client.get(reverse(name)).content.decode()
        assert text in page, name
    assert "建议" in client.get(reverse("mobility:flows")).content.decode()
