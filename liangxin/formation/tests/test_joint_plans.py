"""Issue #7 gaps: a 联合建 plan records its partners and forming it covers them; plans of
organizations deregistered by a bulk writer (the census import) are closed eagerly."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.urls import reverse

from liangxin.audit.models import AuditRecord
from liangxin.core.dates import today
from liangxin.core.errors import ServiceError
from liangxin.formation import selectors, services
from liangxin.formation.models import FormationPlan
from liangxin.registry import services as registry_services
from liangxin.registry.models import Organization, PartyOrganizationCoverage, PartyRelation
from liangxin.testing.factories import MemberFactory, OrganizationFactory, PartyOrganizationFactory


@pytest.fixture
def pair(township_a):
    lead = OrganizationFactory(name="九龙茶叶公司", township=township_a, industry_code="C15", facts={"full_members": 2})
    partner = OrganizationFactory(name="九龙茶厂", township=township_a, industry_code="C15", facts={"full_members": 1})
    return lead, partner


def _joint(partners: tuple[int, ...], **kw: object) -> services.PlanData:
    return services.PlanData(
        ready=True,
        responsible_person="王书记",
        method="joint",
        target_kind="joint_branch",
        planned_date=dt.date(2026, 12, 31),
        partners=partners,
        **kw,  # type: ignore[arg-type]
    )


def _form(bob, plan, name="九龙茶业联合党支部"):
    services.start_preparing(by=bob, plan=plan)
    return services.form_party_organization(by=bob, plan=plan, name=name, founded_on=today())


def test_forming_a_joint_plan_covers_the_partners_and_closes_their_plans(bob, pair):
    lead, partner = pair
    member = MemberFactory(name="茶厂党员", employer=partner)
    partner_plan = services.create_plan(
        by=bob,
        organization=partner,
        data=services.PlanData(ready=False, responsible_person="李", reason="too_few_members", countermeasure="联建"),
    )
    plan = services.create_plan(by=bob, organization=lead, data=_joint((partner.pk,)))
    assert list(plan.partners.all()) == [partner]
    create = AuditRecord.objects.filter(object_id=str(plan.pk), action="create").get()
    assert create.changes["partners"] == [[], [partner.pk]]
    formed = _form(bob, plan)
    party = formed.party_organization
    covered = PartyOrganizationCoverage.objects.filter(party_organization=party, valid_to__isnull=True)
    assert {c.organization_id for c in covered} == {lead.pk, partner.pk}
    assert (party.kind, party.formation_method) == ("joint_branch", "joint")
    assert PartyRelation.objects.get(member=member, valid_to__isnull=True).party_organization == party
    partner_plan.refresh_from_db()
    assert (partner_plan.status, partner_plan.party_organization) == ("formed", party)


def test_partners_are_checked_when_the_plan_is_saved(bob, carol, pair, org_in_b, org_in_a, branch_a, township_a):
    lead, partner = pair
    with pytest.raises(ServiceError, match="管辖范围"):
        services.create_plan(by=bob, organization=lead, data=_joint((org_in_b.pk,)))
    with pytest.raises(ServiceError, match="已被党组织覆盖"):
        services.create_plan(by=bob, organization=lead, data=_joint((org_in_a.pk,)))
    many = tuple(OrganizationFactory(township=township_a).pk for _ in range(5))
    with pytest.raises(ServiceError, match="最多覆盖5个组织"):
        services.create_plan(by=bob, organization=lead, data=_joint(many))
    # Partners only belong to a ready 联合建 plan: other methods drop them.
    plan = services.create_plan(
        by=bob, organization=lead, data=dataclasses.replace(_joint((partner.pk,)), method="independent")
    )
    assert not plan.partners.exists()
    plan = services.update_plan(by=bob, plan=plan, data=_joint((partner.pk,)), version=plan.version)
    assert list(plan.partners.all()) == [partner]
    update = AuditRecord.objects.filter(object_id=str(plan.pk), action="update").latest("pk")
    assert update.changes["partners"] == [[], [partner.pk]]


def test_forming_refuses_when_a_partner_got_covered_or_the_minimum_is_missed(bob, pair, township_a):
    lead, partner = pair
    plan = services.create_plan(by=bob, organization=lead, data=_joint((partner.pk,)))
    PartyOrganizationFactory(name="茶厂党支部", township=township_a, covers=[partner], founded_on=today())
    with pytest.raises(ServiceError, match="“九龙茶厂”已被党组织覆盖"):
        _form(bob, plan)
    assert FormationPlan.objects.get(pk=plan.pk).status == "preparing"  # rolled back to before "form"
    # Too few full members together.
    solo = OrganizationFactory(name="一名党员公司", township=township_a, facts={"full_members": 1})
    other = OrganizationFactory(name="另一名党员公司", township=township_a, facts={"full_members": 1})
    plan2 = services.create_plan(by=bob, organization=solo, data=_joint((other.pk,)))
    services.start_preparing(by=bob, plan=plan2)
    with pytest.raises(ServiceError, match="合计正式党员2名,不足3名"):
        services.form_party_organization(by=bob, plan=plan2, name="x", founded_on=today())


def test_partners_without_full_members_or_not_operating_do_not_pad_a_joint_plan(bob, pair, township_a):
    """The planner's candidate rule holds for a plan's partners too: an organization without full
    members is covered only when a clerk adds it on the planner's review page, with a reason."""
    lead, partner = pair
    weak = OrganizationFactory(name="零党员公司", township=township_a, facts={"full_members": 0, "employees": 143})
    idle = OrganizationFactory(
        name="停产公司", township=township_a, facts={"full_members": 1, "operating_status": "suspended"}
    )
    with pytest.raises(ServiceError, match="“零党员公司”没有正式党员,不作为联合组建的组织") as refused:
        services.create_plan(by=bob, organization=lead, data=_joint((partner.pk, weak.pk)))
    assert refused.value.field == "partners"
    with pytest.raises(ServiceError, match="“停产公司”处于停产或歇业状态"):
        services.create_plan(by=bob, organization=lead, data=_joint((idle.pk,)))
    # Forming re-checks: a partner that lost its members since the plan was saved is refused.
    plan = services.create_plan(by=bob, organization=lead, data=_joint((partner.pk,)))
    registry_services.record_facts(
        by=bob,
        organization=partner,
        facts=registry_services.FactsData(full_members=0),
        valid_from=today(),
        source="edit",
    )
    with pytest.raises(ServiceError, match="“九龙茶厂”没有正式党员"):
        _form(bob, plan)
    assert not PartyOrganizationCoverage.objects.filter(organization=lead).exists()
    choices = {o.name for o in selectors.partner_choices(user=bob, organization=lead)}
    assert choices.isdisjoint({"零党员公司", "停产公司", "九龙茶厂"})


def test_a_joint_plan_without_partners_cannot_be_formed(bob, pair):
    lead, _partner = pair
    plan = services.create_plan(by=bob, organization=lead, data=_joint(()))
    with pytest.raises(ServiceError, match="选择联建组织"):
        _form(bob, plan)
    assert not PartyOrganizationCoverage.objects.filter(organization=lead).exists()


def test_plan_form_offers_partners_and_the_page_shows_them(client, bob, pair, org_in_a, branch_a):
    lead, partner = pair
    client.force_login(bob)
    url = reverse("formation:plan_edit", args=[lead.pk])
    body = client.get(url).content.decode()
    assert 'name="partners"' in body and "九龙茶厂" in body
    assert f'value="{org_in_a.pk}"' not in body  # covered: not offered
    data = {
        "ready": "yes",
        "responsible_person": "王",
        "method": "joint",
        "target_kind": "joint_branch",
        "planned_date": "2026-12-31",
        "partners": [partner.pk],
    }
    assert client.post(url, data).status_code == 302
    assert list(FormationPlan.objects.get(organization=lead).partners.all()) == [partner]
    body = client.get(reverse("formation:organization_plan", args=[lead.pk])).content.decode()
    assert "联建组织" in body and "九龙茶厂" in body


# ------------------------------------------------------------------------------ eager closing
def test_closing_plans_touches_only_deregistered_organizations(bob, alice, pair, ready_plan, three_members):
    lead, partner = pair
    plan = services.create_plan(by=bob, organization=lead, data=_joint((partner.pk,)))
    # The register's own 注销 (the base layer) closes no plan: its caller does.
    registry_services.deregister_organization(by=alice, organization=lead, on=today())
    plan.refresh_from_db()
    assert plan.status == "planned"
    on = today()
    touched = Organization.objects.filter(pk__in=[lead.pk, three_members.pk, partner.pk])
    closed = services.close_plans_of_deregistered(organizations=touched, on=on, by=alice)
    assert closed == [(plan.pk, "planned")]
    plan.refresh_from_db()
    ready_plan.refresh_from_db()
    assert (plan.status, plan.closed_on) == ("cancelled", on)
    assert ready_plan.status == "planned"  # not deregistered: untouched
    record = AuditRecord.objects.filter(object_id=str(plan.pk)).latest("pk")
    assert record.actor == alice and record.changes["transition"] == [None, "cancel"]
    assert services.close_plans_of_deregistered(organizations=touched, on=on, by=None) == []
    assert services.close_plans_of_deregistered(organizations=Organization.objects.none(), on=on, by=None) == []


def test_a_census_import_that_deregisters_an_organization_closes_its_plan_at_once(bob, pair):
    """No register read in between: the import itself closes the plan (census ``_finish``)."""
    from liangxin.census.services import import_file

    lead, partner = pair
    plan = services.create_plan(by=bob, organization=lead, data=_joint((partner.pk,)))
    csv = (
        "组织名称,组织类别,组织类型,所属乡镇,统一社会信用代码,经营状况,正式党员数\n"
        f"{lead.name},新经济组织,私营企业,{lead.township.name},{lead.uscc},注销,2\n"
    ).encode()
    outcome = import_file(by=bob, unit=lead.township, data=csv, file_name="注销.csv")
    assert outcome.batch.status == "applied", [p.message for p in outcome.problems]
    plan.refresh_from_db()
    assert (plan.status, plan.closed_on) == ("cancelled", outcome.batch.as_of)
    record = AuditRecord.objects.filter(object_type="formation.formationplan", object_id=str(plan.pk)).latest("pk")
    assert record.actor == bob and record.changes["transition"] == [None, "cancel"]
