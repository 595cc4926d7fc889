"""The ledger: registering members going out and coming in, contacts (three knows), placing,
scope, help records, flows, the member page, the migration of the old flag."""

import datetime as dt
from importlib import import_module

import pytest
from django.apps import apps
from django.urls import reverse

from liangxin.core.dates import today
from liangxin.core.errors import ServiceError
from liangxin.mobility import flows, selectors, services
from liangxin.mobility.models import HelpRecord, MobileMember
from liangxin.testing.factories import MemberFactory, valid_id_number
from liangxin.testing.responses import body_text

ON = dt.date(2026, 3, 1)


@pytest.fixture
def incoming(carol, township_b, org_in_b):
    number = valid_id_number(401, birth=dt.date(1995, 1, 2), region="522301")
    member = MemberFactory(name="外来党员", id_number=number, phone="13912345678")
    return services.register_inflow(by=carol, member=member, township=township_b, since=ON, employer=org_in_b)


@pytest.fixture
def outgoing(carol, member_b):
    return services.register_outflow(by=carol, member=member_b, destination="广东省东莞市长安镇", since=ON)


def test_outflow_registration(carol, outgoing, member_b, branch_b, township_b):
    assert (outgoing.direction, outgoing.township, outgoing.liaison) == ("out", township_b, branch_b)
    assert (outgoing.origin_code, outgoing.destination_code) == ("530324", "441900")
    with pytest.raises(ServiceError, match="已在流动党员台账"):
        services.register_outflow(by=carol, member=member_b, destination="昆明", since=ON)


def test_outflow_only_for_relations_in_scope_and_never_in_the_future(bob, carol, member_b, member_a):
    with pytest.raises(ServiceError, match="组织关系在您管辖范围内"):
        services.register_outflow(by=bob, member=member_b, destination="昆明", since=ON)
    with pytest.raises(ServiceError, match="不能晚于今天"):
        services.register_outflow(by=bob, member=member_a, destination="昆明", since=today() + dt.timedelta(days=1))


def test_inflow_registration_reads_the_origin_from_the_id_number(incoming, township_b, org_in_b):
    assert (incoming.direction, incoming.origin_code, incoming.destination_code) == ("in", "522301", "530324")
    assert (incoming.employer, incoming.employer_name, incoming.phone) == (org_in_b, org_in_b.name, "13912345678")


def test_an_incoming_member_is_listed_until_placed(carol, incoming, branch_b):
    assert list(selectors.ledger(user=carol, filters=selectors.LedgerFilter(state="unplaced"))) == [incoming]
    data = services.LedgerData(
        place="板桥镇街上",
        employer_name="板桥星火煤业有限公司",
        phone="",
        takes_part_in=branch_b,
        liaison=None,
        temporary=False,
    )
    services.update_ledger(by=carol, mobile_member=incoming, data=data, version=incoming.version)
    assert not selectors.ledger(user=carol, filters=selectors.LedgerFilter(state="unplaced")).exists()
    with pytest.raises(ServiceError, match="已被他人修改"):
        services.update_ledger(by=carol, mobile_member=incoming, data=data, version=incoming.version)


def test_contacts_record_the_three_knows_and_old_ones_are_flagged(carol, outgoing, settings):
    settings.MOBILITY_CONTACT_DAYS = 30
    overdue = selectors.LedgerFilter(state="contact_overdue")
    MobileMember.objects.filter(pk=outgoing.pk).update(registered_on=today() - dt.timedelta(days=40))
    assert list(selectors.ledger(user=carol, filters=overdue)) == [outgoing]
    with pytest.raises(ServiceError, match="请填写现状"):
        services.record_contact(by=carol, mobile_member=outgoing, contacted_on=today(), method="phone", situation=" ")
    services.record_contact(
        by=carol,
        mobile_member=outgoing,
        contacted_on=today() - dt.timedelta(days=5),
        method="phone",
        situation="在长安镇电子厂做质检",
        thoughts="想年底回乡创业",
        whereabouts="春节前返乡",
    )
    assert not selectors.ledger(user=carol, filters=overdue).exists()
    row = selectors.ledger(user=carol, filters=selectors.LedgerFilter()).get()
    assert row.last_contact_on == today() - dt.timedelta(days=5)


def test_scope_township_territory_relations_held_and_secretaries(
    carol, bob, sam, dave, lily, outgoing, incoming, branch_a
):
    assert set(selectors.mobile_members_for(user=carol)) == {outgoing, incoming}
    assert set(selectors.mobile_members_for(user=lily)) == {outgoing, incoming}
    assert not selectors.mobile_members_for(user=bob).exists()
    assert not selectors.mobile_members_for(user=dave).exists()
    assert not selectors.mobile_members_for(user=sam).exists()
    # Taking part in sam's branch puts the incoming member in his scope.
    MobileMember.objects.filter(pk=incoming.pk).update(takes_part_in=branch_a)
    assert list(selectors.mobile_members_for(user=sam)) == [incoming]
    # A township also sees a member whose relation one of its party organizations holds,
    # wherever the ledger puts the member.
    MobileMember.objects.filter(pk=outgoing.pk).update(township=branch_a.township)
    assert outgoing in set(selectors.mobile_members_for(user=carol))
    assert outgoing in set(selectors.mobile_members_for(user=bob))


def test_help_records_with_a_summary_per_township(carol, outgoing, incoming):
    services.add_help_record(
        by=carol, mobile_member=outgoing, kind="left_behind", helped_on=ON, description="走访留守老人"
    )
    services.add_help_record(
        by=carol, mobile_member=incoming, kind="job_guidance", helped_on=ON, description="推荐岗位"
    )
    services.add_help_record(by=carol, mobile_member=outgoing, kind="left_behind", helped_on=ON, description="送米面油")
    with pytest.raises(ServiceError, match="帮扶内容"):
        services.add_help_record(by=carol, mobile_member=outgoing, kind="training", helped_on=ON, description="")
    rows, kinds = selectors.help_summary(user=carol)
    assert kinds[0] == "关心留守家庭"
    assert rows == [("板桥镇", [2, 0, 0, 1, 0], 3)]
    assert HelpRecord.objects.count() == 3


def test_the_flow_matrix_on_a_known_set():
    pairs = [
        ("522301", "530324"),
        ("522301", "530324"),
        ("530323", "530324"),
        ("532226", "530324"),  # an old code: still 罗平县's own members
        ("530324", "441900"),
        ("530324", "440306"),
        ("530324", "441900"),
        ("", "530324"),
    ]
    county = flows.matrix(pairs, "county")
    assert county.total == 8
    assert county.count("522301", "530324") == 2
    assert county.count("530324", "441900") == 2
    assert county.origins[0] == "530324" and county.origin_totals["530324"] == 3
    assert county.origins[-1] == ""  # 不详 last
    province = flows.matrix(pairs, "province")
    assert province.count("53", "44") == 3 and province.count("52", "53") == 2 and province.count("53", "53") == 2
    prefecture = flows.matrix(pairs, "prefecture")
    assert prefecture.count("5303", "4419") == 2 and prefecture.count("5303", "4403") == 1
    chart = flows.sankey(county)
    assert {
        "source": "贵州省黔西南布依族苗族自治州兴义市(来)",
        "target": "云南省曲靖市罗平县(往)",
        "value": 2,
    } in chart["series"][0]["links"]


def test_proposals_where_outflow_concentrates():
    found = flows.proposals(["441900", "441900", "441900", "440306", "440304", ""], minimum=3, level="prefecture")
    assert [(p.destination, p.members) for p in found] == [("4419", 3)]
    found = flows.proposals(["441900", "441900", "441900", "440306", "440304", ""], minimum=3, level="province")
    assert [(p.destination, p.members, round(p.share, 2)) for p in found] == [("44", 5, 1.0)]


def test_flows_page_and_export_are_scoped(client, carol, bob, outgoing, incoming):
    client.force_login(carol)
    page = client.get(reverse("mobility:flows"), {"level": "county"}).content.decode()
    assert "广东省东莞市" in page and "贵州省黔西南布依族苗族自治州兴义市" in page
    export = body_text(client.get(reverse("mobility:flows_export"), {"level": "county"}))
    assert "广东省东莞市" in export
    client.force_login(bob)
    assert "广东省东莞市" not in body_text(client.get(reverse("mobility:flows_export"), {"level": "county"}))


def test_the_ledger_page_and_export(client, carol, bob, outgoing, incoming):
    client.force_login(carol)
    page = client.get(reverse("mobility:ledger")).content.decode()
    assert "李四" in page and "外来党员" in page and "尚未编入" in page
    export = body_text(client.get(reverse("mobility:ledger_export")))
    assert "李四" in export and "13912345678" not in export
    client.force_login(bob)
    assert "李四" not in client.get(reverse("mobility:ledger")).content.decode()


def test_the_member_page_links_to_the_ledger(client, carol, outgoing, member_b):
    client.force_login(carol)
    page = client.get(reverse("registry:member_detail", args=[member_b.pk])).content.decode()
    assert outgoing.get_absolute_url() in page and "流动党员 · 流出" in page


def test_the_mobility_pages_show_the_to_do(client, carol, outgoing, settings):
    settings.MOBILITY_CONTACT_DAYS = 0
    MobileMember.objects.filter(pk=outgoing.pk).update(registered_on=today() - dt.timedelta(days=3))
    client.force_login(carol)
    page = client.get(reverse("mobility:index")).content.decode()
    assert "超过期限未联系的流动党员" in page and "?state=contact_overdue" in page


def test_members_flagged_mobile_move_to_the_ledger(db, branch_a, org_in_b, township_b):
    """The data migration of the old ``Member.is_mobile`` flag, run on the current models (the
    flag is gone): a member with a local relation goes out, one without comes in at the
    employer's township."""
    migration = import_module("liangxin.mobility.migrations.0002_members_flagged_mobile")
    out_member = MemberFactory(name="本地流出", relation=branch_a)
    in_member = MemberFactory(
        name="外地流入", employer=org_in_b, id_number=valid_id_number(9, birth=dt.date(1999, 9, 9), region="522301")
    )

    class FlaggedApps:
        """The migration's app registry, with only the flagged members as ``is_mobile``."""

        def get_model(self, label, name):
            model = apps.get_model(label, name)
            if name != "Member":
                return model

            class Manager:
                @staticmethod
                def filter(is_mobile):
                    return model.objects.filter(pk__in=[out_member.pk, in_member.pk])

            return type("Flagged", (), {"objects": Manager})

    migration.forwards(FlaggedApps(), None)
    out_entry = MobileMember.objects.get(member=out_member)
    in_entry = MobileMember.objects.get(member=in_member)
    assert (out_entry.direction, out_entry.township, out_entry.liaison) == ("out", branch_a.township, branch_a)
    assert (in_entry.direction, in_entry.township, in_entry.employer, in_entry.origin_code) == (
        "in",
        township_b,
        org_in_b,
        "522301",
    )


def test_the_unrostered_action_registers_an_incoming_member(carol, org_in_b, township_b):
    from liangxin.formation import selectors as formation_selectors
    from liangxin.formation import services as formation_services

    member = MemberFactory(name="无组织关系", employer=org_in_b)
    assert member in set(formation_selectors.unrostered_members(user=carol))
    formation_services.record_member_action(by=carol, member=member, kind="mobile", on=ON)
    entry = MobileMember.objects.get(member=member)
    assert (entry.direction, entry.township, entry.employer) == ("in", township_b, org_in_b)
    assert member not in set(formation_selectors.unrostered_members(user=carol))


def test_ended_entries_leave_the_default_list_and_stay_in_all(carol, outgoing):
    services.end_mobility(by=carol, mobile_member=outgoing, on=today(), reason="返乡")
    listed = {
        state: list(selectors.ledger(user=carol, filters=selectors.LedgerFilter(state=state)))
        for state in ("", "ended", "all")
    }
    assert listed == {"": [], "ended": [outgoing], "all": [outgoing]}
    with pytest.raises(ServiceError, match="已结束"):
        services.end_mobility(by=carol, mobile_member=outgoing, on=today(), reason="返乡")
