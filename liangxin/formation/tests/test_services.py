"""Plans, their transitions, constraints and audit, through the services."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from liangxin.audit.models import AuditRecord
from liangxin.core.errors import ConflictError, ServiceError
from liangxin.formation import selectors, services
from liangxin.formation.models import FormationPlan, MemberAction, Verification
from liangxin.mobility.models import MobileMember
from liangxin.registry import services as registry_services
from liangxin.registry.models import (
    Employment,
    Organization,
    OrganizationFacts,
    PartyOrganizationCoverage,
    PartyRelation,
)
from liangxin.testing.factories import MemberFactory

from .conftest import ON


def _audit(obj):
    return list(
        AuditRecord.objects.filter(object_type__endswith=obj._meta.model_name, object_id=str(obj.pk)).order_by("pk")
    )


# --- Constraints -----------------------------------------------------------------------------


def test_two_open_plans_are_refused_by_the_database(ready_plan, three_members):
    with pytest.raises(IntegrityError), transaction.atomic():
        FormationPlan.objects.create(
            organization=three_members, ready=False, responsible_person="x", reason="other", countermeasure="y"
        )


def test_a_closed_plan_does_not_block_a_new_one(ready_plan, three_members):
    FormationPlan.objects.filter(pk=ready_plan.pk).update(status="cancelled", closed_on=ON)
    FormationPlan.objects.create(
        organization=three_members, ready=False, responsible_person="x", reason="other", countermeasure="y"
    )


def test_missing_responsible_person_is_refused_by_the_database(three_members):
    with pytest.raises(IntegrityError), transaction.atomic():
        FormationPlan.objects.create(
            organization=three_members,
            ready=True,
            method="independent",
            target_kind="branch",
            planned_date=ON,
            responsible_person="",
        )


@pytest.mark.parametrize(
    "fields",
    [
        {"ready": True, "method": "", "target_kind": "branch", "planned_date": ON},
        {"ready": True, "method": "independent", "target_kind": "", "planned_date": ON},
        {"ready": True, "method": "independent", "target_kind": "branch", "planned_date": None},
        {"ready": False, "reason": "", "countermeasure": "对策"},
        {"ready": False, "reason": "no_members", "countermeasure": ""},
        {"ready": False, "reason": "x", "countermeasure": "y", "status": "suspended"},  # no suspension reason
        {"ready": False, "reason": "x", "countermeasure": "y", "status": "formed"},  # no party organization
        {"ready": False, "reason": "x", "countermeasure": "y", "status": "bogus"},
    ],
)
def test_each_branch_needs_its_fields(three_members, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        FormationPlan.objects.create(organization=three_members, responsible_person="王", **fields)


def test_service_refuses_missing_fields_with_a_message(bob, three_members):
    with pytest.raises(ServiceError) as exc:
        services.create_plan(
            by=bob, organization=three_members, data=services.PlanData(ready=True, responsible_person=" ")
        )
    assert (exc.value.field, exc.value.message) == ("responsible_person", "请填写责任人。")
    with pytest.raises(ServiceError) as exc:
        services.create_plan(
            by=bob,
            organization=three_members,
            data=services.PlanData(ready=True, responsible_person="王", method="joint"),
        )
    assert exc.value.field == "target_kind"
    with pytest.raises(ServiceError) as exc:
        services.create_plan(
            by=bob,
            organization=three_members,
            data=services.PlanData(ready=False, responsible_person="王", reason="owner_unsupportive"),
        )
    assert exc.value.message == "暂不具备组建条件的,请提出对策措施。"
    with pytest.raises(ServiceError, match="其他"):
        services.create_plan(
            by=bob,
            organization=three_members,
            data=services.PlanData(ready=False, responsible_person="王", reason="other", countermeasure="x"),
        )


def test_second_plan_refused_by_the_service(bob, ready_plan, three_members):
    with pytest.raises(ServiceError, match="已有进行中的组建方案"):
        services.create_plan(
            by=bob,
            organization=three_members,
            data=services.PlanData(ready=False, responsible_person="王", reason="no_members", countermeasure="x"),
        )


def test_plans_are_refused_outside_scope_and_for_read_only_roles(carol, lily, dave, three_members):
    data = services.PlanData(ready=False, responsible_person="王", reason="no_members", countermeasure="x")
    with pytest.raises(ServiceError, match="管辖范围"):
        services.create_plan(by=carol, organization=three_members, data=data)
    for user in (lily, dave):
        with pytest.raises(ServiceError, match="无权"):
            services.create_plan(by=user, organization=three_members, data=data)
    assert not FormationPlan.objects.exists()


def test_create_and_update_are_audited_and_switching_branch_blanks_the_other(bob, ready_plan):
    plan = services.update_plan(
        by=bob,
        plan=ready_plan,
        version=ready_plan.version,
        data=services.PlanData(
            ready=False, responsible_person="王书记", reason="owner_unsupportive", countermeasure="做业主工作"
        ),
    )
    plan.refresh_from_db()
    assert (plan.ready, plan.method, plan.target_kind, plan.planned_date) == (False, "", "", None)
    assert [r.action for r in _audit(plan)] == ["create", "update"]
    assert _audit(plan)[1].changes["reason"] == ["", "owner_unsupportive"]


def test_concurrent_edit_is_a_conflict(bob, ready_plan):
    data = services.PlanData(
        ready=True, responsible_person="张", method="independent", target_kind="branch", planned_date=ON
    )
    services.update_plan(by=bob, plan=ready_plan, data=data, version=1)
    with pytest.raises(ConflictError):
        services.update_plan(by=bob, plan=ready_plan, data=data, version=1)


# --- Transitions -----------------------------------------------------------------------------


def test_wrong_transitions_are_refused_with_a_message(bob, ready_plan):
    with pytest.raises(ServiceError) as exc:
        services.form_party_organization(by=bob, plan=ready_plan, name="三友建材党支部")
    assert exc.value.message.startswith("方案当前状态为“计划”,不能完成组建")
    with pytest.raises(ServiceError, match="不能恢复计划"):
        services.resume_plan(by=bob, plan=ready_plan)
    ready_plan.refresh_from_db()
    assert ready_plan.status == "planned"
    assert not PartyOrganizationCoverage.objects.filter(organization=ready_plan.organization).exists()


def test_a_not_ready_plan_cannot_start(bob, not_ready_plan):
    with pytest.raises(ServiceError, match="暂不具备组建条件"):
        services.start_preparing(by=bob, plan=not_ready_plan)
    not_ready_plan.refresh_from_db()
    assert not_ready_plan.status == "planned"


def test_suspend_needs_a_reason_and_resume_returns_to_planned(bob, ready_plan):
    with pytest.raises(ServiceError, match="暂缓组建须填写原因"):
        services.suspend_plan(by=bob, plan=ready_plan, reason="  ")
    plan = services.suspend_plan(by=bob, plan=ready_plan, reason="企业搬迁")
    assert (plan.status, plan.suspension_reason) == ("suspended", "企业搬迁")
    with pytest.raises(ServiceError, match="不能开始筹建"):
        services.start_preparing(by=bob, plan=plan)
    plan = services.resume_plan(by=bob, plan=plan)
    assert (plan.status, plan.suspension_reason) == ("planned", "")
    transitions = [r.changes.get("transition") for r in _audit(plan)]
    assert transitions == [None, [None, "suspend"], [None, "resume"]]


def test_formed_creates_the_party_organization_covering_the_org_and_links_members(
    bob, alice, ready_plan, three_members
):
    elsewhere = MemberFactory(name="已有关系的党员", employer=three_members)
    other_branch = registry_services.create_party_organization(
        by=bob,
        name="别处党支部",
        kind="branch",
        formation_method="independent",
        township=three_members.township,
        founded_on=dt.date(2020, 1, 1),
        organizations=[],
    )
    PartyRelation.objects.create(member=elsewhere, party_organization=other_branch, valid_from=dt.date(2020, 1, 1))
    assert three_members.pk in {r.organization.pk for r in selectors.register_rows(user=alice, on=ON)}

    plan = services.start_preparing(by=bob, plan=ready_plan)
    assert plan.status == "preparing"
    plan = services.form_party_organization(by=bob, plan=plan, name="罗平县三友建材有限公司党支部", founded_on=ON)

    assert (plan.status, plan.closed_on) == ("formed", ON)
    party = plan.party_organization
    assert (party.kind, party.formation_method, party.township_id) == (
        "branch",
        "independent",
        three_members.township_id,
    )
    assert list(party.coverages.values_list("organization_id", "valid_from", "valid_to")) == [
        (three_members.pk, ON, None)
    ]
    employed = Employment.objects.filter(organization=three_members, valid_to__isnull=True).values("member")
    linked = PartyRelation.objects.filter(member__in=employed, valid_to__isnull=True, party_organization=party)
    assert linked.count() == 3  # the three on no roster; the member with a relation elsewhere keeps it
    assert PartyRelation.objects.get(member=elsewhere, valid_to__isnull=True).party_organization == other_branch
    assert _audit(plan)[-1].changes["members_linked"] == [None, 3]
    # The register no longer lists it.
    assert three_members.pk not in {r.organization.pk for r in selectors.register_rows(user=alice, on=ON)}
    with pytest.raises(ServiceError, match="已结束"):
        services.suspend_plan(by=bob, plan=plan, reason="x")


def test_a_refused_party_organization_rolls_the_transition_back(bob, ready_plan):
    plan = services.start_preparing(by=bob, plan=ready_plan)
    with pytest.raises(ServiceError, match="名称不能为空"):
        services.form_party_organization(by=bob, plan=plan, name="  ", founded_on=ON)
    plan.refresh_from_db()
    assert plan.status == "preparing" and plan.party_organization is None


def test_deregistering_closes_the_plan_in_the_same_write(bob, ready_plan, not_ready_plan, three_members):
    services.deregister_organization(by=bob, organization=three_members, on=ON, reason="歇业注销")
    ready_plan.refresh_from_db()
    not_ready_plan.refresh_from_db()
    assert (ready_plan.status, ready_plan.closed_on) == ("cancelled", ON)
    assert not_ready_plan.status == "planned"
    assert _audit(ready_plan)[-1].actor == bob
    assert _audit(ready_plan)[-1].changes["transition"] == [None, "cancel"]
    assert three_members.facts.get(valid_to__isnull=True).operating_status == "deregistered"
    with pytest.raises(ServiceError, match="已注销"):
        services.create_plan(
            by=bob,
            organization=three_members,
            data=services.PlanData(ready=False, responsible_person="王", reason="no_members", countermeasure="x"),
        )


def test_a_refused_deregistration_closes_no_plan(bob, ready_plan, three_members):
    services.deregister_organization(by=bob, organization=three_members, on=ON)
    with pytest.raises(ServiceError, match="已经注销"):
        services.deregister_organization(by=bob, organization=three_members, on=ON)
    assert FormationPlan.objects.get().status == "cancelled"


def test_new_figures_cannot_deregister_behind_the_plans_back(bob, ready_plan, three_members):
    """注销 only through deregistration, which closes the plan: the figures form refuses it."""
    current = three_members.facts.get(valid_to__isnull=True)
    facts = registry_services.FactsData(
        **{name: getattr(current, name) for name in registry_services.FACT_FIELDS}
        | {"operating_status": "deregistered"}
    )
    with pytest.raises(ServiceError, match="注销请使用") as refused:
        registry_services.record_facts(by=bob, organization=three_members, facts=facts, valid_from=ON)
    assert refused.value.field == "operating_status"
    assert FormationPlan.objects.get().status == "planned"


def test_reopening_restores_the_status_each_plan_had(bob, ready_plan, three_members):
    plan = services.start_preparing(by=bob, plan=ready_plan)
    registry_services.deregister_organization(by=bob, organization=three_members, on=ON)
    closed = services.close_plans_of_deregistered(
        organizations=Organization.objects.filter(pk=three_members.pk), on=ON, by=bob
    )
    assert closed == [(plan.pk, "preparing")]
    with pytest.raises(ServiceError, match="不能恢复"):  # still deregistered
        services.reopen_plans(closed=closed, by=bob)
    OrganizationFacts.objects.filter(organization=three_members, valid_to__isnull=True).delete()
    OrganizationFacts.objects.filter(organization=three_members).update(valid_to=None)
    assert services.reopen_plans(closed=closed, by=bob) == 1
    plan.refresh_from_db()
    assert (plan.status, plan.closed_on) == ("preparing", None)
    assert _audit(plan)[-1].changes["transition"] == [None, "reopen"]


# --- Verifications and members on no roster --------------------------------------------------


def test_verification_is_recorded_and_audited(bob, carol, three_members):
    row = services.add_verification(
        by=bob, organization=three_members, verified_on=ON, verifier="王干事", method="visit", result="confirmed"
    )
    assert Verification.objects.get() == row
    assert _audit(row)[0].action == "create"
    with pytest.raises(ServiceError, match="管辖范围"):
        services.add_verification(
            by=carol, organization=three_members, verified_on=ON, verifier="x", method="phone", result="confirmed"
        )
    with pytest.raises(ServiceError, match="核实人"):
        services.add_verification(
            by=bob, organization=three_members, verified_on=ON, verifier=" ", method="phone", result="confirmed"
        )


def test_member_actions(bob, carol, three_members, branch_a):
    first, second, third = (
        m.member for m in Employment.objects.filter(organization=three_members).select_related("member")
    )
    assert set(selectors.unrostered_members(user=bob)) == {first, second, third}
    assert set(selectors.unrostered_members(user=carol)) == set()

    with pytest.raises(ServiceError, match="不在您管辖范围"):
        services.record_member_action(by=carol, member=first, kind="mobile")
    with pytest.raises(ServiceError, match="请填写说明"):
        services.record_member_action(by=bob, member=first, kind="other")
    with pytest.raises(ServiceError, match="请选择转入的党组织"):
        services.record_member_action(by=bob, member=first, kind="transferred_in")

    moved = services.record_member_action(
        by=bob, member=first, kind="transferred_in", party_organization=branch_a, on=ON
    )
    assert PartyRelation.objects.get(member=first, valid_to__isnull=True).party_organization == branch_a
    services.record_member_action(by=bob, member=second, kind="mobile", note="在外务工", on=ON)
    # On the mobile members' ledger as coming in (relation held elsewhere), so off the list.
    ledger = MobileMember.objects.get(member=second, ended_on__isnull=True)
    assert (ledger.direction, ledger.township, ledger.employer) == ("in", three_members.township, three_members)
    assert set(selectors.unrostered_members(user=bob)) == {third}
    assert MemberAction.objects.count() == 2
    assert [a.kind for a in MemberAction.objects.filter(member=second)] == ["mobile"]
    assert _audit(moved)[0].changes["kind"] == [None, "transferred_in"]
    listed = {m.pk: m for m in selectors.unrostered_members(user=bob)}
    assert listed[third.pk].actions == []


def test_no_plan_for_a_covered_organization_and_no_second_formation(bob, org_in_a, branch_a, ready_plan):
    with pytest.raises(ServiceError, match="已被党组织覆盖"):
        services.create_plan(
            by=bob,
            organization=org_in_a,
            data=services.PlanData(
                ready=False, responsible_person="王", reason="other", reason_text="x", countermeasure="x"
            ),
        )
    plan = services.start_preparing(by=bob, plan=ready_plan)
    PartyOrganizationCoverage.objects.create(party_organization=branch_a, organization=plan.organization, valid_from=ON)
    with pytest.raises(ServiceError, match="不能再次组建"):
        services.form_party_organization(by=bob, plan=plan, name="重复党支部", founded_on=ON)


def test_the_repair_command_closes_plans_left_open_beside_a_deregistration(bob, ready_plan, three_members):
    import io

    from django.core.management import call_command

    OrganizationFacts.objects.filter(organization=three_members).update(operating_status="deregistered")
    out = io.StringIO()
    call_command("close_deregistered_plans", "--dry-run", stdout=out)
    assert "将撤销 1 个" in out.getvalue() and FormationPlan.objects.get().status == "planned"
    call_command("close_deregistered_plans", stdout=out)
    assert FormationPlan.objects.get().status == "cancelled"
    assert _audit(ready_plan)[-1].actor is None
