"""The joint-branch planner on the register: candidates as of a date and in scope, the proposal,
attach suggestions, accepting (with the optimistic re-check), the pages and their roles."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import override_settings
from django.urls import reverse

from liangxin.audit.models import AuditRecord
from liangxin.core.dates import today
from liangxin.core.errors import ServiceError
from liangxin.formation import selectors, services
from liangxin.formation.models import FormationPlan
from liangxin.policy import engine
from liangxin.policy.engine import Policy
from liangxin.policy.selectors import engine_policy_in_force, register_facts
from liangxin.registry import services as registry_services
from liangxin.registry.models import Member, Organization, PartyOrganization, PartyOrganizationCoverage, PartyRelation
from liangxin.testing.factories import MemberFactory, OrganizationFactory, PartyOrganizationFactory, VillageFactory


@pytest.fixture
def village_a2(township_a):
    return VillageFactory(parent=township_a, code="530324001002", name="腊庄社区居民委员会")


@pytest.fixture
def small(township_a, village_a, village_a2):
    """Township A's organizations with too few full members. Best: {tea1, tea2} (same village,
    same division, 2+1) and {shop1, shop2, shop3} (section F, 1+1+1); lone (section K, 2 full)
    stays uncovered."""
    make = OrganizationFactory
    return {
        "tea1": make(name="九龙茶叶公司", township=township_a, village=village_a, industry_code="C15",
                     facts={"full_members": 2}),
        "tea2": make(name="九龙茶厂", township=township_a, village=village_a, industry_code="C15",
                     facts={"full_members": 1, "probationary_members": 1}),
        "shop1": make(name="腊庄商店一", township=township_a, village=village_a2, industry_code="F52",
                      facts={"full_members": 1}),
        "shop2": make(name="腊庄商店二", township=township_a, village=village_a2, industry_code="F52",
                      facts={"full_members": 1}),
        "shop3": make(name="腊庄商店三", township=township_a, village=village_a2, industry_code="F51",
                      facts={"full_members": 1}),
        "lone": make(name="罗雄房产中介", township=township_a, industry_code="K70", facts={"full_members": 2}),
    }  # fmt: skip


def _names(group):
    return {r.facts.name for r in group.rows}


# ------------------------------------------------------------------------------ selectors
def _candidates(user, on, township, policy=None):
    rows = selectors.joint_rows(user=user, on=on, township=township, policy=policy or Policy())
    return {r.facts.name for r in rows if r.problem is None}


def test_candidates_are_operating_uncovered_current_in_scope_with_one_or_two_full_members(
    bob, carol, small, three_members, no_members, org_in_a, branch_a, org_in_b, township_a
):
    OrganizationFactory(
        name="已注销的小店", township=township_a, facts={"full_members": 1, "operating_status": "deregistered"}
    )
    OrganizationFactory(
        name="停产的小厂", township=township_a, facts={"full_members": 2, "operating_status": "suspended"}
    )
    OrganizationFactory(name="歇业的小店", township=township_a, facts={"full_members": 1, "operating_status": "closed"})
    OrganizationFactory(name="只有预备党员的店", township=township_a, facts={"probationary_members": 2})
    late = OrganizationFactory(
        name="新登记的小店", township=township_a, facts={"full_members": 1, "valid_from": today()}
    )
    yesterday = today() - dt.timedelta(days=1)
    # Not the covered, >= 3, deregistered, suspended or closed, memberless, later or B's.
    assert _candidates(bob, yesterday, township_a) == {o.name for o in small.values()}
    assert late.name in _candidates(bob, today(), township_a)
    assert _candidates(carol, today(), township_a) == set()


def test_the_planner_reads_the_census_figures_as_the_register_does(alice, bob, small, township_a):
    """The same figure on the same date: a candidate of the planner is exactly an organization
    the engine finds to be a joint candidate."""
    PartyOrganizationFactory(name="已建支部", township=township_a, covers=[small["lone"]], founded_on=today())
    registry_services.record_facts(
        by=alice,
        organization=small["shop3"],
        facts=registry_services.FactsData(full_members=0, probationary_members=1),
        valid_from=today(),
        source="edit",
    )
    policy = engine_policy_in_force(on=today())
    for on in (today() - dt.timedelta(days=1), today()):
        engine_says = {
            f.name for f in register_facts(user=bob, on=on) if engine.joint_candidate_problem(f, policy) is None
        }
        assert _candidates(bob, on, township_a, policy) == engine_says
    assert "腊庄商店三" in _candidates(bob, today() - dt.timedelta(days=1), township_a, policy)
    assert "腊庄商店三" not in _candidates(bob, today(), township_a, policy)


def test_proposal_is_the_known_best_grouping(bob, small, township_a):
    proposal = selectors.joint_proposal(user=bob, on=today(), township=township_a)
    assert [_names(g) for g in proposal.groups] == [
        {"腊庄商店一", "腊庄商店二", "腊庄商店三"},
        {"九龙茶叶公司", "九龙茶厂"},
    ]
    tea = proposal.groups[1]
    assert (tea.group.full_members, tea.members, tea.group.dissimilarity) == (3, 4, 0)
    assert "同一村(社区)" in tea.reason_labels and "同一行业大类" in tea.reason_labels
    assert [(r.row.facts.name, r.reason) for r in proposal.uncovered] == [("罗雄房产中介", "no_compatible_neighbour")]
    assert (proposal.min_full_members, proposal.max_group_size, proposal.exact) == (3, 5, True)


def test_attach_suggestions_name_branches_with_room(bob, small, township_a):
    agency = OrganizationFactory(
        name="罗雄另一中介", township=township_a, industry_code="K70", facts={"full_members": 3}
    )
    joint_branch = PartyOrganizationFactory(
        name="罗雄中介联合党支部", township=township_a, kind="joint_branch", formation_method="joint", covers=[agency]
    )
    PartyOrganizationFactory(name="外行业联合党支部", township=township_a, kind="joint_branch",
                             covers=[OrganizationFactory(township=township_a, industry_code="A01")])  # fmt: skip
    proposal = selectors.joint_proposal(user=bob, on=today(), township=township_a)
    assert [(a.row.facts.name, a.party_organization, a.kind_label) for a in proposal.attach] == [
        ("罗雄房产中介", joint_branch, "联合党支部")
    ]


# ------------------------------------------------------------------------------ accepting
def test_accept_creates_an_audited_joint_branch_and_closes_open_plans(bob, small):
    tea1, tea2 = small["tea1"], small["tea2"]
    member = MemberFactory(name="茶厂党员", employer=tea2)
    plan = services.create_plan(
        by=bob,
        organization=tea1,
        data=services.PlanData(ready=False, responsible_person="王", reason="too_few_members", countermeasure="联建"),
    )
    party = services.accept_joint_group(by=bob, organizations=[tea1, tea2], name="九龙茶业联合党支部")
    assert (party.kind, party.formation_method, party.township_id) == ("joint_branch", "joint", tea1.township_id)
    covered = set(
        PartyOrganizationCoverage.objects.filter(party_organization=party).values_list("organization_id", flat=True)
    )
    assert covered == {tea1.pk, tea2.pk}
    assert PartyRelation.objects.get(member=member, valid_to__isnull=True).party_organization == party
    plan.refresh_from_db()
    assert (plan.status, plan.party_organization, plan.closed_on) == ("formed", party, today())
    record = AuditRecord.objects.filter(
        object_type__contains="partyorganization", changes__has_key="joint_planner"
    ).get()
    assert record.actor == bob and record.changes["organizations"] == [None, sorted([tea1.pk, tea2.pk])]


def test_accept_rechecks_coverage_and_the_minimum(bob, carol, dave, small, township_a):
    tea1, tea2, shop1 = small["tea1"], small["tea2"], small["shop1"]
    PartyOrganizationFactory(name="刚建的支部", township=township_a, covers=[tea2], founded_on=today())
    with pytest.raises(ServiceError, match="“九龙茶厂”已被党组织覆盖"):
        services.accept_joint_group(by=bob, organizations=[tea1, tea2], name="x")
    with pytest.raises(ServiceError, match="合计正式党员2名,不足3名"):
        services.accept_joint_group(by=bob, organizations=[shop1, small["shop2"]], name="x")
    with pytest.raises(ServiceError, match="至少需要两个组织"):
        services.accept_joint_group(by=bob, organizations=[tea1], name="x")
    with pytest.raises(ServiceError, match="管辖范围"):
        services.accept_joint_group(by=carol, organizations=[tea1, shop1], name="x")
    with pytest.raises(ServiceError, match="无权"):
        services.accept_joint_group(by=dave, organizations=[tea1, shop1], name="x")
    assert not PartyOrganization.objects.filter(kind="joint_branch").exists()


def test_accept_refuses_six_organizations_and_one_at_the_minimum(bob, small, three_members, township_a):
    extra = [OrganizationFactory(township=township_a, industry_code="F52") for _ in range(3)]
    shops = [small["shop1"], small["shop2"], small["shop3"], *extra]
    with pytest.raises(ServiceError, match="最多覆盖5个组织"):
        services.accept_joint_group(by=bob, organizations=shops, name="x")
    with pytest.raises(ServiceError, match="应单独组建"):
        services.accept_joint_group(by=bob, organizations=[three_members, small["tea1"]], name="x")


# ------------------------------------------------------------------------------ pages
def test_planner_page_shows_groups_and_links_to_review(client, bob, small):
    client.force_login(bob)
    body = client.get(reverse("formation:joint_planner")).content.decode()
    assert "第 1 组" in body and "腊庄商店三" in body and "九龙茶厂" in body
    assert "罗雄房产中介" in body  # uncovered
    assert reverse("formation:joint_review") in body
    register = client.get(reverse("formation:register_list")).content.decode()
    assert reverse("formation:joint_planner") in register


def test_review_edit_and_accept_through_the_page(client, bob, small, township_a):
    client.force_login(bob)
    url = reverse("formation:joint_review")
    ids = [small["shop1"].pk, small["shop2"].pk, small["shop3"].pk]
    body = client.get(url, {"township": township_a.pk, "organizations": ids}).content.decode()
    assert "正式党员合计 3 名" in body and "符合联合组建条件" in body
    # Edit: take shop3 out, recheck: now short of the minimum.
    data = {"township": township_a.pk, "organizations": ids[:2], "founded_on": today().isoformat(), "check": "1"}
    body = client.post(url, data).content.decode()
    assert "合计正式党员不足组建党组织的最少人数" in body
    # Accepting that edit is refused with the service's message; nothing is created.
    body = client.post(url, data | {"accept": "1", "moving": "members:"}).content.decode()
    assert "不足3名" in body and not PartyOrganization.objects.filter(kind="joint_branch").exists()
    # Put shop3 back and accept with a name: first the confirmation, then the write.
    data = data | {"organizations": ids, "name": "腊庄商贸联合党支部"}
    body = client.post(url, data | {"confirm": "1"}).content.decode()
    assert "请核对后确认组建" in body and "没有需要转接组织关系的党员" in body
    assert not PartyOrganization.objects.filter(kind="joint_branch").exists()
    response = client.post(url, data | {"accept": "1", "moving": "members:"})
    assert response.status_code == 302
    party = PartyOrganization.objects.get(name="腊庄商贸联合党支部")
    assert set(party.organizations.values_list("pk", flat=True)) == set(ids)
    # The planner no longer proposes them.
    body = client.get(response["Location"]).content.decode()
    assert "已联合组建“腊庄商贸联合党支部”" in body and "腊庄商店一" not in body


def test_accepting_first_lists_whose_relations_move_and_writes_only_what_was_confirmed(client, bob, small, township_a):
    tea1, tea2 = small["tea1"], small["tea2"]
    worker = MemberFactory(name="茶厂党员王五", employer=tea2)
    MemberFactory(name="已有组织关系的党员", employer=tea1, relation=PartyOrganizationFactory(township=township_a))
    client.force_login(bob)
    url = reverse("formation:joint_review")
    data = {
        "township": township_a.pk,
        "organizations": [tea1.pk, tea2.pk],
        "name": "九龙茶业联合党支部",
        "founded_on": today().isoformat(),
    }
    # "确认组建" shows the organizations and the members whose relations move; nothing is written.
    before = AuditRecord.objects.count()
    body = client.post(url, data | {"confirm": "1"}).content.decode()
    assert "九龙茶叶公司" in body and "九龙茶厂" in body and "茶厂党员王五" in body
    assert "已有组织关系的党员" not in body
    assert f'value="members:{worker.pk}"' in body
    assert AuditRecord.objects.count() == before and not PartyOrganization.objects.filter(name=data["name"]).exists()
    # A POST that skips the confirmation only gets the confirmation.
    body = client.post(url, data | {"accept": "1"}).content.decode()
    assert "请核对后确认组建" in body and not PartyOrganization.objects.filter(name=data["name"]).exists()
    # Someone else's member turns up meanwhile: the confirmed list is stale, nothing is written.
    MemberFactory(name="新来的党员", employer=tea1)
    body = client.post(url, data | {"accept": "1", "moving": f"members:{worker.pk}"}).content.decode()
    assert "已有变化" in body and not PartyOrganization.objects.filter(name=data["name"]).exists()
    # Confirmed again, with both: written, and both relations moved.
    body = client.post(url, data | {"confirm": "1"}).content.decode()
    assert "新来的党员" in body
    moving = Member.objects.filter(name__in=["茶厂党员王五", "新来的党员"]).order_by("pk")
    value = "members:" + ",".join(str(m.pk) for m in moving)
    assert client.post(url, data | {"accept": "1", "moving": value}).status_code == 302
    party = PartyOrganization.objects.get(name=data["name"])
    assert {r.member.name for r in PartyRelation.objects.filter(party_organization=party)} == {
        "茶厂党员王五",
        "新来的党员",
    }


def test_planner_page_says_why_each_organization_is_left_out_and_counts_the_others(
    client, bob, small, no_members, three_members, township_a
):
    OrganizationFactory(
        name="停产的茶厂", township=township_a, facts={"full_members": 2, "operating_status": "suspended"}
    )
    client.force_login(bob)
    body = client.get(reverse("formation:joint_planner")).content.decode()
    assert "罗雄房产中介" in body and "本乡镇没有业务相近、地域相邻的候选组织" in body
    assert "没有正式党员" in body and "停产或歇业 1 个" in body and "应单独组建 1 个" in body
    assert "未证明为最优" not in body  # small township: every component solved exactly


@override_settings(JOINT_PLANNER_SECONDS=0)
def test_past_the_time_budget_the_page_shows_the_plan_so_far_as_not_proven_best(client, bob, small):
    client.force_login(bob)
    body = client.get(reverse("formation:joint_planner")).content.decode()
    assert "未证明为最优" in body and "计算已达时间上限" in body


def test_county_user_chooses_a_township_and_bad_ones_are_404(client, alice, bob, small, township_b):
    client.force_login(alice)
    assert client.get(reverse("formation:joint_planner"), {"township": township_b.pk}).status_code == 200
    assert client.get(reverse("formation:joint_planner"), {"township": 987654}).status_code == 404
    client.force_login(bob)
    assert client.get(reverse("formation:joint_planner"), {"township": township_b.pk}).status_code == 404
    assert client.get(reverse("formation:joint_review"), {"township": township_b.pk}).status_code == 404


def test_another_township_cannot_accept_through_the_page(client, carol, small, township_b):
    client.force_login(carol)
    data = {
        "township": township_b.pk,
        "organizations": [small["tea1"].pk, small["tea2"].pk],
        "founded_on": today().isoformat(),
        "accept": "1",
    }
    response = client.post(reverse("formation:joint_review"), data)
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not PartyOrganization.objects.filter(kind="joint_branch").exists()


@pytest.mark.parametrize("who", ["lily", "dave"])
def test_read_only_roles_see_the_planner_but_cannot_accept(client, request, who, small):
    client.force_login(request.getfixturevalue(who))
    body = client.get(reverse("formation:joint_planner")).content.decode()
    assert reverse("formation:joint_review") not in body
    assert client.get(reverse("formation:joint_review")).status_code == 403
    assert client.post(reverse("formation:joint_review"), {"accept": "1"}).status_code == 403


@pytest.mark.parametrize("who", ["sam", "sysadm", "secadm", "auditor"])
def test_secretaries_and_administrators_have_no_access(client, request, who, small):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("formation:joint_planner")).status_code == 403
    assert client.get(reverse("formation:joint_review")).status_code == 403


def test_planner_pages_keep_to_the_csp(client, bob, small, township_a):
    from liangxin.security.tests.test_pages_csp import problems_in

    client.force_login(bob)
    for response in (
        client.get(reverse("formation:joint_planner")),
        client.get(reverse("formation:joint_review"), {"township": township_a.pk, "organizations": [small["tea1"].pk]}),
    ):
        assert response.status_code == 200
        assert not problems_in(response.content.decode())


def test_planner_query_count_does_not_grow_with_candidates(
    client, bob, small, township_a, django_assert_max_num_queries
):
    client.force_login(bob)
    client.get(reverse("formation:joint_planner"))  # warm the session
    for _ in range(10):
        OrganizationFactory(township=township_a, industry_code="F52", facts={"full_members": 1})
    with django_assert_max_num_queries(25):
        assert client.get(reverse("formation:joint_planner")).status_code == 200


def test_organization_model_unchanged_by_planning(bob, small, township_a):
    before = Organization.objects.count(), FormationPlan.objects.count(), AuditRecord.objects.count()
    selectors.joint_proposal(user=bob, on=today(), township=township_a)
    assert (Organization.objects.count(), FormationPlan.objects.count(), AuditRecord.objects.count()) == before


@override_settings(PAGE_SIZE=1)
def test_a_township_with_many_groups_shows_them_a_page_at_a_time(client, bob, small, township_a):
    client.force_login(bob)
    url = reverse("formation:joint_planner")
    first = client.get(url).content.decode()
    assert "以下为第 1–1 组(共 2 组)" in first and "腊庄商店一" in first and "九龙茶厂" not in first
    assert "page=2" in first
    second = client.get(url, {"township": township_a.pk, "page": 2}).content.decode()
    assert "九龙茶厂" in second and "腊庄商店一" not in second


def test_review_lists_the_group_first_then_the_compatible_candidates_with_members_and_why(
    client, bob, small, township_a, village_a2
):
    """Not the township's organizations by name: the group's own, then those that fit it (least
    dissimilar first), each with its full and probationary members and why it fits; the
    organizations without full members apart, folded away."""
    no_members = OrganizationFactory(name="腊庄小卖部", township=township_a, village=village_a2, industry_code="F52")
    client.force_login(bob)
    shops = [small["shop2"].pk, small["shop1"].pk]
    body = client.get(
        reverse("formation:joint_review"), {"township": township_a.pk, "organizations": shops}
    ).content.decode()
    listed = re.findall(r'name="organizations" value="(\d+)"[^>]*?( checked)?>', body)
    # shop2 and shop1 as given (ticked), then shop3 (same section F): the tea companies (C) and
    # the estate agent (K) are no similar business.
    assert [pk for pk, _c in listed] == [str(small["shop2"].pk), str(small["shop1"].pk), str(small["shop3"].pk)]
    assert [bool(c) for _pk, c in listed] == [True, True, False]
    assert body.index("本组组织") < body.index("腊庄商店二") < body.index("可加入的候选组织") < body.index("腊庄商店三")
    shop3 = body[body.index("腊庄商店三") :]
    shop3 = shop3[: shop3.index("</label>")]
    assert "正式党员 1 名、预备党员 0 名" in shop3 and "同一行业门类" in shop3 and "同一村(社区)" in shop3
    # The organization without full members is offered apart, folded away until one is ticked.
    added = body[body.index('id="review-added"') :]
    assert added.startswith('id="review-added">') and f'name="added" value="{no_members.pk}"' in added
    assert f'name="organizations" value="{no_members.pk}"' not in body
