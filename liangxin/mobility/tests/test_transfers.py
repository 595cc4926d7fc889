"""Relation transfers: open → receive → complete moves the dated relation; return; refusals."""

import datetime as dt

import pytest

from liangxin.core.errors import ServiceError
from liangxin.mobility import selectors, services
from liangxin.mobility.models import ExternalRelation
from liangxin.registry.models import PartyRelation
from liangxin.testing.factories import MemberFactory

ON = dt.date(2026, 4, 1)


@pytest.fixture
def external():
    return services.external_party_organization(name="东莞市长安镇流动党员党支部", place="广东省东莞市长安镇")


def test_out_of_the_county(carol, member_b, branch_b, external):
    transfer = services.open_transfer(
        by=carol, member=member_b, direction="out", local=branch_b, external=external, on=ON
    )
    assert transfer.letter_number == f"JSX-2026-{branch_b.pk:04d}-0001" and transfer.state == "issued"
    with pytest.raises(ServiceError, match="尚未接收,不能办结"):
        services.complete_transfer(by=carol, transfer=transfer, on=ON)
    with pytest.raises(ServiceError, match="尚未办结"):
        services.open_transfer(by=carol, member=member_b, direction="out", local=branch_b, external=external, on=ON)
    services.receive_transfer(by=carol, transfer=transfer, on=ON)
    services.complete_transfer(by=carol, transfer=transfer, on=dt.date(2026, 4, 5))
    relations = list(PartyRelation.objects.filter(member=member_b).values_list("valid_to", flat=True))
    assert relations == [dt.date(2026, 4, 5)]  # the local relation ended on that day
    held = ExternalRelation.objects.get(member=member_b, valid_to__isnull=True)
    assert (held.party_organization, held.valid_from) == (external, dt.date(2026, 4, 5))
    with pytest.raises(ServiceError, match="已办结,不能退回"):
        services.return_transfer(by=carol, transfer=transfer, reason="x", on=ON)


def test_into_the_county(carol, township_b, branch_b, external, org_in_b):
    member = MemberFactory(name="转入党员")
    ExternalRelation.objects.create(member=member, party_organization=external, valid_from=dt.date(2020, 1, 1))
    with pytest.raises(ServiceError, match="介绍信编号"):
        services.open_transfer(by=carol, member=member, direction="in", local=branch_b, external=external, on=ON)
    transfer = services.open_transfer(
        by=carol,
        member=member,
        direction="in",
        local=branch_b,
        external=external,
        on=ON,
        letter_number="东组转 2026-17",
    )
    services.receive_transfer(by=carol, transfer=transfer, on=ON)
    services.complete_transfer(by=carol, transfer=transfer, on=ON)
    assert PartyRelation.objects.get(member=member, valid_to__isnull=True).party_organization == branch_b
    assert ExternalRelation.objects.get(member=member).valid_to == ON
    with pytest.raises(ServiceError, match="已在本县"):
        services.open_transfer(
            by=carol, member=member, direction="in", local=branch_b, external=external, on=ON, letter_number="x"
        )


def test_return_keeps_the_relation_and_needs_a_reason(carol, member_b, branch_b, external):
    transfer = services.open_transfer(
        by=carol, member=member_b, direction="out", local=branch_b, external=external, on=ON
    )
    with pytest.raises(ServiceError, match="退回原因"):
        services.return_transfer(by=carol, transfer=transfer, reason="", on=ON)
    services.return_transfer(by=carol, transfer=transfer, reason="接收方查无此党组织", on=ON)
    transfer.refresh_from_db()
    assert (transfer.state, transfer.return_reason) == ("returned", "接收方查无此党组织")
    assert PartyRelation.objects.get(member=member_b, valid_to__isnull=True).party_organization == branch_b


def test_out_needs_the_relation_in_the_chosen_party_organization(carol, bob, member_b, branch_a, branch_b, external):
    with pytest.raises(ServiceError, match="管辖范围内现存的党组织"):
        services.open_transfer(by=carol, member=member_b, direction="out", local=branch_a, external=external, on=ON)
    with pytest.raises(ServiceError, match="须在所选的本县党组织"):
        services.open_transfer(by=bob, member=member_b, direction="out", local=branch_a, external=external, on=ON)


def test_pending_transfers_past_the_configured_days_are_flagged(carol, bob, member_b, branch_b, external, settings):
    services.open_transfer(by=carol, member=member_b, direction="out", local=branch_b, external=external, on=ON)
    settings.MOBILITY_TRANSFER_DAYS = 100_000
    assert not selectors.transfers_overdue(user=carol).exists()
    settings.MOBILITY_TRANSFER_DAYS = 1
    assert selectors.transfers_overdue(user=carol).count() == 1
    assert {i.key: i.count for i in selectors.todo_for(user=carol)}["transfers_overdue"] == 1
    assert not selectors.transfers_overdue(user=bob).exists()
