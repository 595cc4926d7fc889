import datetime as dt

import pytest

from liangxin.audit.models import AuditRecord
from liangxin.core import crypto
from liangxin.core.errors import ConflictError, ServiceError
from liangxin.registry import selectors, services
from liangxin.registry.choices import OperatingStatus
from liangxin.registry.models import Member, Organization, OrganizationFacts, PartyOrganizationCoverage
from liangxin.testing.factories import MemberFactory, OrganizationFactory, valid_id_number, valid_uscc


def _data(township, **overrides):
    values = {
        "name": "罗平县  九龙砖沙协会",
        "category": "social",
        "org_type": "industry_association",
        "township": township,
        "uscc": valid_uscc(77, authority="5"),
    }
    return services.OrganizationData(**(values | overrides))


def test_create_organization_writes_search_keys_facts_and_audit(bob, township_a):
    org = services.create_organization(
        by=bob, data=_data(township_a), facts=services.FactsData(employees=12, full_members=3)
    )
    assert org.name == "罗平县九龙砖沙协会"  # spaces tidied as the census reader tidies them
    assert org.name_initials == "lpxjlzsxh"
    assert org.facts.get().employees == 12
    record = AuditRecord.objects.get(object_type="registry.organization", object_id=str(org.pk))
    assert record.action == "create"
    assert record.actor == bob
    assert record.changes["employees"] == [None, 12]


def test_clerk_cannot_create_in_another_township(bob, township_b):
    with pytest.raises(ServiceError) as info:
        services.create_organization(by=bob, data=_data(township_b), facts=services.FactsData())
    assert info.value.field == "township"
    assert not Organization.objects.exists()


def test_department_clerk_and_leader_cannot_edit(dave, lily, township_a):
    for user in (dave, lily):
        with pytest.raises(ServiceError):
            services.create_organization(by=user, data=_data(township_a), facts=services.FactsData())


def test_uscc_is_required_except_for_individual_businesses(alice, township_a):
    with pytest.raises(ServiceError) as info:
        services.create_organization(by=alice, data=_data(township_a, uscc=None), facts=services.FactsData())
    assert info.value.field == "uscc"
    shop = services.create_organization(
        by=alice,
        data=_data(
            township_a, uscc=None, name="罗雄街道  红星茶楼", category="economic", org_type="individual_business"
        ),
        facts=services.FactsData(),
    )
    assert shop.uscc is None


def test_names_are_kept_as_written_and_keyed_by_the_one_fold(alice, township_a):
    """Registered names use full-width brackets: the register keeps them; only the matching key
    folds width and traditional characters (core.text.normalize_name). Other text is cleaned as
    the census reader cleans it."""
    org = services.create_organization(
        by=alice,
        data=_data(township_a, name=" 罗平县鑫源（云南） 有限公司\n", address="１号"),
        facts=services.FactsData(),
    )
    assert org.name == "罗平县鑫源（云南）有限公司"
    assert org.name_normalized == "罗平县鑫源(云南)有限公司"
    assert org.address == "1号"
    written = services.create_organization(
        by=alice, data=_data(township_a, uscc=valid_uscc(77), name="羅平縣鑫源（雲南）商行"), facts=services.FactsData()
    )
    assert written.name == "羅平縣鑫源（雲南）商行"
    assert written.name_normalized == "罗平县鑫源(云南)商行"


def test_bad_uscc_is_refused_with_field(alice, township_a):
    with pytest.raises(ServiceError) as info:
        services.create_organization(by=alice, data=_data(township_a, uscc="123"), facts=services.FactsData())
    assert info.value.field == "uscc"
    assert "18位" in info.value.message


def test_duplicate_uscc_gets_a_clear_message(alice, township_a):
    services.create_organization(by=alice, data=_data(township_a), facts=services.FactsData())
    with pytest.raises(ServiceError) as info:
        services.create_organization(by=alice, data=_data(township_a, name="另一个协会"), facts=services.FactsData())
    assert "已被另一个组织使用" in info.value.message
    assert Organization.objects.count() == 1


def test_update_with_stale_version_is_a_conflict(bob, org_in_a):
    data = _data(org_in_a.township, name="新名称", uscc=org_in_a.uscc)
    services.update_organization(by=bob, organization=org_in_a, data=data, expected_version=1)
    with pytest.raises(ConflictError) as info:
        services.update_organization(
            by=bob, organization=org_in_a, data=_data(org_in_a.township, uscc=org_in_a.uscc), expected_version=1
        )
    assert "已被他人修改" in info.value.message
    org_in_a.refresh_from_db()
    assert org_in_a.name == "新名称"
    assert org_in_a.version == 2


def test_record_facts_keeps_history_and_answers_as_of(bob, org_in_a):
    services.record_facts(
        by=bob,
        organization=org_in_a,
        facts=services.FactsData(employees=55, full_members=6),
        valid_from=dt.date(2026, 6, 1),
    )
    assert selectors.facts_as_of(organization=org_in_a, on=dt.date(2026, 5, 31)).employees == 40
    assert selectors.facts_as_of(organization=org_in_a, on=dt.date(2026, 6, 1)).employees == 55
    assert selectors.facts_as_of(organization=org_in_a, on=dt.date(2025, 12, 31)) is None
    assert org_in_a.facts.count() == 2


def test_unchanged_facts_write_nothing(bob, org_in_a):
    current = org_in_a.facts.get()
    same = services.FactsData(employees=40, full_members=5, probationary_members=1)
    assert services.record_facts(by=bob, organization=org_in_a, facts=same) == current
    assert org_in_a.facts.count() == 1


def test_deregister_ends_coverage_and_keeps_history(bob, org_in_a, branch_a):
    services.deregister_organization(by=bob, organization=org_in_a, on=dt.date(2026, 9, 1), reason="歇业注销")
    current = org_in_a.facts.get(valid_to__isnull=True)
    assert current.operating_status == OperatingStatus.DEREGISTERED
    assert current.employees == 40
    assert not PartyOrganizationCoverage.objects.filter(organization=org_in_a, valid_to__isnull=True).exists()
    listed = selectors.organizations_for(user=bob).get(pk=org_in_a.pk)
    assert listed.has_party_organization is False
    with pytest.raises(ServiceError):
        services.deregister_organization(by=bob, organization=org_in_a, on=dt.date(2026, 9, 2))


def test_merge_moves_members_coverage_and_older_facts(bob, org_in_a, member_a, township_a):
    duplicate = OrganizationFactory(
        name="蜂产业协会", uscc=None, township=township_a, facts={"employees": 3, "valid_from": dt.date(2024, 1, 1)}
    )
    MemberFactory(name="王五", employer=duplicate)
    services.merge_organizations(by=bob, keep=org_in_a, duplicate=duplicate)
    duplicate.refresh_from_db()
    org_in_a.refresh_from_db()
    assert duplicate.merged_into == org_in_a
    assert "蜂产业协会" in org_in_a.former_names
    assert {m.name for m in selectors.members_employed_by(organization=org_in_a, user=bob)} == {"张三", "王五"}
    # The duplicate's 2024 figures extend the kept record's history backwards.
    assert selectors.facts_as_of(organization=org_in_a, on=dt.date(2024, 6, 1)).employees == 3
    assert selectors.facts_as_of(organization=org_in_a, on=dt.date(2026, 6, 1)).employees == 40
    assert OrganizationFacts.objects.filter(organization=org_in_a, valid_to__isnull=True).count() == 1
    assert not selectors.organizations_for(user=bob).filter(pk=duplicate.pk).exists()
    assert AuditRecord.objects.filter(action="merge").count() == 2


def test_merge_refuses_itself(bob, org_in_a):
    with pytest.raises(ServiceError):
        services.merge_organizations(by=bob, keep=org_in_a, duplicate=org_in_a)


def test_member_id_number_is_encrypted_hashed_and_masked(alice, branch_a, org_in_a):
    number = valid_id_number(321, birth=dt.date(1992, 3, 4))
    member = services.create_member(
        by=alice,
        data=services.MemberData(
            name="赵六",
            id_number=number,
            status="full",
            admitted_on=dt.date(2015, 7, 1),
            full_membership_on=dt.date(2016, 7, 1),
        ),
        party_organization=branch_a,
        employer=org_in_a,
    )
    member.refresh_from_db()
    assert number not in member.id_number_encrypted
    assert crypto.decrypt(member.id_number_encrypted) == number
    assert member.id_number_masked == "*" * 16 + number[-2:]
    assert member.birth_date == dt.date(1992, 3, 4)
    for record in AuditRecord.objects.all():
        assert number not in str(record.changes)
    with pytest.raises(ServiceError) as info:
        services.create_member(
            by=alice,
            data=services.MemberData(
                name="重复", id_number=number, status="probationary", admitted_on=dt.date(2026, 1, 1)
            ),
            party_organization=None,
            employer=None,
        )
    assert "已登记" in info.value.message
    assert Member.objects.count() == 1


def test_reveal_is_audited_and_limited(alice, sam, member_a, member_b):
    clear = services.reveal_id_number(by=alice, member=member_b)
    assert len(clear) == 18
    assert services.reveal_id_number(by=sam, member=member_a)
    with pytest.raises(ServiceError):
        services.reveal_id_number(by=sam, member=member_b)
    views = AuditRecord.objects.filter(action="view_id_number")
    assert views.count() == 2
    assert all(clear not in str(r.changes) and clear not in r.object_repr for r in views)


def test_dissolving_needs_a_reason_and_ends_coverage(bob, branch_a, org_in_a):
    with pytest.raises(ServiceError):
        services.dissolve_party_organization(by=bob, party_organization=branch_a, on=dt.date(2026, 1, 1), reason=" ")
    services.dissolve_party_organization(by=bob, party_organization=branch_a, on=dt.date(2026, 1, 1), reason="党员外流")
    branch_a.refresh_from_db()
    assert branch_a.dissolved_on == dt.date(2026, 1, 1)
    assert not org_in_a.coverages.filter(valid_to__isnull=True).exists()


def test_recording_new_figures_is_a_new_version_of_the_organization(alice, org_in_a):
    """So that an edit started before, an import preview made before, and an import batch that
    touched the organization before all see that it changed."""
    before = Organization.objects.get(pk=org_in_a.pk).version
    facts = services.FactsData(employees=77, full_members=2)
    services.record_facts(by=alice, organization=org_in_a, facts=facts, valid_from=dt.date(2026, 3, 1))
    assert Organization.objects.get(pk=org_in_a.pk).version == before + 1 == org_in_a.version
    services.record_facts(by=alice, organization=org_in_a, facts=facts, valid_from=dt.date(2026, 4, 1))
    assert Organization.objects.get(pk=org_in_a.pk).version == before + 1  # unchanged figures: nothing written
