"""The demo county, loaded once for the module and checked against DOMAIN.md §0.1 by counting
database rows (not the generator's own bookkeeping)."""

import io
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Sum

from liangxin.accounts.models import User
from liangxin.accounts.roles import Role
from liangxin.audit.chain import GENESIS_HASH
from liangxin.audit.models import AuditRecord
from liangxin.core import crypto
from liangxin.core.errors import ServiceError
from liangxin.geo.loaders import load_departments, load_divisions
from liangxin.geo.models import AdministrativeUnit, Department, UnitLevel
from liangxin.registry import demo
from liangxin.registry.choices import Category, MemberStatus, OperatingStatus, OrganizationType, PartyOrganizationKind
from liangxin.registry.identifiers import validate_citizen_id, validate_uscc
from liangxin.registry.models import (
    Employment,
    Member,
    Organization,
    OrganizationFacts,
    PartyOrganization,
    PartyOrganizationCoverage,
    PartyRelation,
)

ECONOMIC, SOCIAL = Category.ECONOMIC, Category.SOCIAL


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The demo in a transaction rolled back after the module, so other modules see an empty
    database (pytest-django keeps its per-test transactions nested inside)."""
    with django_db_blocker.unblock(), transaction.atomic():
        summary = demo.load_demo(seed=demo.DEFAULT_SEED)
        yield summary
        transaction.set_rollback(True)


@pytest.fixture
def current_facts(loaded, db):
    return OrganizationFacts.objects.filter(valid_to__isnull=True)


def _by_category(queryset, field):
    return dict(queryset.values_list(field).annotate(n=Count("pk")).values_list(field, "n"))


def test_the_load_is_quick_and_reports_what_it_wrote(loaded):
    assert loaded.seconds < 60
    assert (loaded.organizations, loaded.active_party_organizations, loaded.members) == (1088, 42, 668)


def test_divisions_and_departments(loaded, db):
    assert AdministrativeUnit.objects.filter(level=UnitLevel.COUNTY).get().name == "罗平县"
    assert AdministrativeUnit.objects.filter(level=UnitLevel.TOWNSHIP).count() == 13
    assert AdministrativeUnit.objects.filter(level=UnitLevel.VILLAGE).count() == 154
    names = set(Department.objects.values_list("name", flat=True))
    assert len(names) == 15
    for part in ["工商业联合会", "民政局", "教育体育局", "卫生健康局", "司法局", "市场监督管理局", "农业农村局"]:
        assert any(part in name for name in names)


def test_organizations_employees_and_members_match_the_county_figures(loaded, current_facts):
    assert _by_category(Organization.objects, "category") == {ECONOMIC: 995, SOCIAL: 93}
    totals = {
        row["organization__category"]: row
        for row in current_facts.values("organization__category").annotate(
            employees=Sum("employees"), members=Sum(F("full_members") + F("probationary_members"))
        )
    }
    assert abs(totals[ECONOMIC]["employees"] - 31_300) <= 313
    assert totals[SOCIAL]["employees"] == 1_064
    assert totals[ECONOMIC]["members"] == 510
    assert totals[SOCIAL]["members"] == 158
    # One open facts row per organization, from the demo.
    assert current_facts.count() == 1088
    assert set(current_facts.values_list("source", flat=True)) == {"demo"}


def test_the_roster_is_the_facts_organization_by_organization(loaded, current_facts):
    assert Member.objects.count() == 668
    employed = Employment.objects.filter(valid_to__isnull=True)
    assert employed.count() == 668
    assert _by_category(employed, "organization__category") == {ECONOMIC: 510, SOCIAL: 158}
    roster: defaultdict[int, Counter[str]] = defaultdict(Counter)
    for org_id, status in employed.values_list("organization_id", "member__status"):
        roster[org_id][status] += 1
    for org_id, full, probationary in current_facts.values_list(
        "organization_id", "full_members", "probationary_members"
    ):
        assert (roster[org_id][MemberStatus.FULL], roster[org_id][MemberStatus.PROBATIONARY]) == (full, probationary)
    # Full members have their full-membership date, probationary ones none.
    assert not Member.objects.filter(status=MemberStatus.FULL, full_membership_on__isnull=True).exists()
    assert not Member.objects.filter(status=MemberStatus.PROBATIONARY, full_membership_on__isnull=False).exists()
    assert Member.objects.filter(status=MemberStatus.PROBATIONARY).count() > 10


def _categories_of(party_org):
    return set(
        PartyOrganizationCoverage.objects.filter(party_organization=party_org).values_list(
            "organization__category", flat=True
        )
    )


def test_forty_two_active_party_organizations_split_thirty_seven_and_five(loaded, db):
    active = PartyOrganization.objects.filter(dissolved_on__isnull=True)
    assert active.count() == 42
    categories: Counter[str] = Counter()
    for party_org in active:
        covered = _categories_of(party_org)
        assert len(covered) == 1, party_org.name
        categories[covered.pop()] += 1
        assert party_org.coverages.filter(valid_to__isnull=True).exists()
    assert categories == {ECONOMIC: 37, SOCIAL: 5}
    assert active.filter(kind=PartyOrganizationKind.GENERAL_BRANCH).count() == 1
    bee = Organization.objects.get(name="罗平县蜂产业协会")
    assert bee.party_organizations.filter(dissolved_on__isnull=True).get().name == "罗平县蜂产业协会党支部"


def test_dissolved_party_organizations_keep_date_and_reason_and_cover_nothing(loaded, db):
    dissolved = PartyOrganization.objects.filter(dissolved_on__isnull=False)
    assert dissolved.count() == 3
    for party_org in dissolved:
        assert party_org.dissolution_reason
        assert party_org.dissolved_on is not None
        assert party_org.dissolved_on > party_org.founded_on
        assert not party_org.coverages.filter(valid_to__isnull=True).exists()
        assert not party_org.relations.filter(valid_to__isnull=True).exists()
        assert party_org.coverages.get().valid_to == party_org.dissolved_on


def test_joint_branches_cover_two_to_five_organizations_each_under_three_full_members(loaded, current_facts):
    joint = PartyOrganization.objects.filter(kind=PartyOrganizationKind.JOINT_BRANCH, dissolved_on__isnull=True)
    assert joint.count() >= 3
    full_of = dict(current_facts.values_list("organization_id", "full_members"))
    for party_org in joint:
        covered = list(party_org.coverages.values_list("organization_id", flat=True))
        assert 2 <= len(covered) <= 5
        assert all(full_of[org_id] < 3 for org_id in covered)
        assert sum(full_of[org_id] for org_id in covered) >= 3
        assert len(_categories_of(party_org)) == 1
        townships = set(Organization.objects.filter(pk__in=covered).values_list("township_id", flat=True))
        assert townships == {party_org.township_id}


def test_relations_follow_the_employer_or_a_township_joint_branch(loaded, db):
    covering = dict(
        PartyOrganizationCoverage.objects.filter(valid_to__isnull=True).values_list(
            "organization_id", "party_organization_id"
        )
    )
    relation_of = dict(
        PartyRelation.objects.filter(valid_to__isnull=True).values_list("member_id", "party_organization_id")
    )
    joint = {
        po.pk: po.township_id
        for po in PartyOrganization.objects.filter(kind=PartyOrganizationKind.JOINT_BRANCH, dissolved_on__isnull=True)
    }
    held_by_employer = without_relation = held_by_joint = 0
    for member_id, org_id, township_id in Employment.objects.filter(valid_to__isnull=True).values_list(
        "member_id", "organization_id", "organization__township_id"
    ):
        relation = relation_of.get(member_id)
        if org_id in covering:
            assert relation == covering[org_id]
            held_by_employer += 1
        elif relation is None:
            without_relation += 1
        else:
            assert joint[relation] == township_id
            held_by_joint += 1
    assert held_by_employer > 400
    assert without_relation > 0
    assert held_by_joint > 0


def test_every_active_party_organization_has_a_secretary_from_its_roster(loaded, db):
    for party_org in PartyOrganization.objects.filter(dissolved_on__isnull=True).select_related("secretary"):
        assert party_org.secretary is not None
        assert party_org.secretary.status == MemberStatus.FULL
        assert PartyRelation.objects.filter(
            member=party_org.secretary, party_organization=party_org, valid_to__isnull=True
        ).exists()


def test_some_organizations_qualify_for_a_party_organization_but_have_none(loaded, current_facts):
    covered = PartyOrganizationCoverage.objects.filter(valid_to__isnull=True).values("organization_id")
    waiting = current_facts.filter(full_members__gte=3).exclude(organization_id__in=covered)
    assert waiting.count() >= 5


def test_sizes_are_skewed_and_statuses_mostly_operating(loaded, current_facts):
    economic = current_facts.filter(organization__category=ECONOMIC)
    assert economic.filter(employees__lte=10).count() > 500
    assert economic.filter(employees__gte=300).count() >= 5
    individuals = Organization.objects.filter(org_type=OrganizationType.INDIVIDUAL_BUSINESS)
    assert individuals.filter(uscc__isnull=True).count() > individuals.count() / 2
    statuses = Counter(current_facts.values_list("operating_status", flat=True))
    assert statuses[OperatingStatus.OPERATING] > 0.9 * 1088
    assert statuses[OperatingStatus.SUSPENDED] > 0
    assert statuses[OperatingStatus.CLOSED] > 0
    assert statuses[OperatingStatus.DEREGISTERED] == 2
    assert set(current_facts.exclude(owner_attitude="").values_list("owner_attitude", flat=True)) == {
        "supportive",
        "neutral",
        "unsupportive",
    }


def test_the_speechs_examples_are_in_real_townships_and_villages(loaded, db):
    for name in [
        "罗平县蜂产业协会",
        "罗平县九龙砖沙协会",
        "罗平县扎塘煤矿",
        "罗平县星火实业有限公司",
        "罗平县万兴隆商贸有限公司",
    ]:
        assert Organization.objects.filter(name=name).exists(), name
    assert Organization.objects.filter(org_type=OrganizationType.LAW_FIRM, name__endswith="律师事务所").count() >= 3
    assert Organization.objects.filter(org_type=OrganizationType.PRIVATE_SCHOOL).exists()
    assert Organization.objects.filter(name__endswith="养蜂专业合作社").exists()
    for org in Organization.objects.select_related("township", "village"):
        assert org.township.level == UnitLevel.TOWNSHIP
        assert org.village is not None
        assert org.village.parent_id == org.township_id
        assert len(org.industry_code) == 3 and org.industry_code[0].isupper() and org.industry_code[1:].isdigit()


def test_identifiers_are_valid(loaded, db):
    for category, org_type, code in Organization.objects.filter(uscc__isnull=False).values_list(
        "category", "org_type", "uscc"
    ):
        assert code is not None
        assert validate_uscc(code) == code
        if category == ECONOMIC:
            assert code[0] == "9"
        elif org_type == OrganizationType.LAW_FIRM:
            assert code[0] == "3"  # registered by the judicial administration
        else:
            assert code[0] == "5"
    for encrypted, masked, birth, sex in Member.objects.values_list(
        "id_number_encrypted", "id_number_masked", "birth_date", "sex"
    ):
        citizen = validate_citizen_id(crypto.decrypt(encrypted))
        assert (citizen.birth_date, citizen.sex, citizen.masked) == (birth, sex, masked)
        assert 1960 <= birth.year <= 2000
        assert citizen.number[:6] == ("530324" if birth.year >= 1997 else "532226")


def test_every_object_has_an_audit_record_and_the_chain_holds(loaded, db):
    for queryset, object_type in [
        (Organization.objects.all(), "registry.organization"),
        (Member.objects.all(), "registry.member"),
        (PartyOrganization.objects.all(), "registry.partyorganization"),
        (User.objects.all(), "accounts.user"),
        (AdministrativeUnit.objects.all(), "geo.administrativeunit"),
        (Department.objects.all(), "geo.department"),
    ]:
        audited = set(AuditRecord.objects.filter(object_type=object_type).values_list("object_id", flat=True))
        assert {str(pk) for pk in queryset.values_list("pk", flat=True)} <= audited, object_type
    previous = GENESIS_HASH
    for prev_hash, hash_ in AuditRecord.objects.order_by("pk").values_list("prev_hash", "hash"):
        assert prev_hash == previous
        previous = hash_


def test_accounts_exist_for_every_role_and_can_log_in(loaded, db, client):
    expected = {
        Role.COUNTY_ADMIN: 1,
        Role.LEADER: 1,
        Role.SYS_ADMIN: 1,
        Role.SEC_ADMIN: 1,
        Role.AUDIT_ADMIN: 1,
        Role.TOWNSHIP_CLERK: 13,
        Role.DEPARTMENT_CLERK: 15,
        Role.SECRETARY: 42,
    }
    assert _by_category(User.objects, "role") == expected
    secretary = User.objects.filter(role=Role.SECRETARY).select_related("party_organization").first()
    assert secretary is not None and secretary.party_organization is not None
    assert secretary.username == f"secretary_{secretary.party_organization.pk}"
    assert secretary.party_organization.dissolved_on is None
    assert User.objects.filter(username="township_530324001", township__name="罗雄街道").exists()
    assert User.objects.filter(username="dept_gsl", department__code="GSL").exists()
    for username in [
        "county_admin",
        "leader",
        "sys_admin",
        "sec_admin",
        "audit_admin",
        "township_530324001",
        "dept_gsl",
    ]:
        assert client.login(username=username, password=demo.DEMO_PASSWORD), username
        client.logout()
    assert client.login(username=secretary.username, password=demo.DEMO_PASSWORD)


def test_demo_accounts_lists_every_demo_login_in_order(loaded, db):
    accounts = demo.demo_accounts()

    assert len(accounts) == 5 + 13 + 15 + 42
    assert [a.username for a in accounts[:5]] == list(demo.ADMIN_USERNAMES)
    assert Counter(a.group for a in accounts) == {"admin": 5, "township": 13, "department": 15, "secretary": 42}
    assert accounts[5].username == "township_530324001"
    assert accounts[5].scope_label == "罗雄街道"
    assert {a.password for a in accounts} == {"Liangxin#2026"}


def test_demo_logins_prints_the_url_and_a_few_accounts_per_group(loaded, db):
    out = io.StringIO()
    call_command("demo_logins", "--url", "http://127.0.0.1:8000/", stdout=out)

    text = out.getvalue()
    assert text.startswith("系统地址:http://127.0.0.1:8000/\n演示账号(密码均为 Liangxin#2026):")
    for username in demo.ADMIN_USERNAMES:
        assert f"  {username} " in text
    assert "共 13 个乡镇(街道)工作人员账号" in text
    assert "共 15 个行业主管部门工作人员账号" in text
    assert "共 42 个党组织书记账号" in text
    assert len(text.splitlines()) == 2 + 1 + 5 + 3 * (3 + 1)


def test_loading_twice_is_refused(loaded, db):
    with pytest.raises(ServiceError, match="只能加载到空数据库"):
        demo.load_demo()
    assert Organization.objects.count() == 1088


def test_same_seed_same_county_other_seed_other_names(loaded, db):
    divisions, _ = load_divisions(demo.DEMO_DATA_DIR / "luoping_divisions.csv")
    departments, _ = load_departments(demo.DEMO_DATA_DIR / "departments.csv")
    plan = demo.plan_demo(seed=demo.DEFAULT_SEED, divisions=divisions, departments=departments)
    again = demo.plan_demo(seed=demo.DEFAULT_SEED, divisions=divisions, departments=departments)
    other = demo.plan_demo(seed=demo.DEFAULT_SEED + 1, divisions=divisions, departments=departments)

    names = list(Organization.objects.order_by("pk").values_list("name", flat=True))
    assert names == [o.name for o in plan.organizations]
    assert [m.id_number for m in plan.members] == [m.id_number for m in again.members]
    assert [o.name for o in plan.organizations[100:120]] != [o.name for o in other.organizations[100:120]]
    # Every seed meets the same targets.
    for p in (plan, other):
        totals = demo.category_totals(p)
        assert totals[ECONOMIC] == {"organizations": 995, "employees": 31_300, "members": 510}
        assert totals[SOCIAL] == {"organizations": 93, "employees": 1_064, "members": 158}
