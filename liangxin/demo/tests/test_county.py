"""The demo county on its latest census date, loaded once for the module and checked against the
county's published figures (docs/demo-county.md) by counting database rows, not the generator's
own bookkeeping. Its history is checked in test_history.py."""

import datetime as dt
import io
from collections import Counter, defaultdict
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Q, Sum

from liangxin.accounts.models import User
from liangxin.accounts.roles import Role
from liangxin.audit import anchor
from liangxin.audit.chain import GENESIS_HASH
from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.campaigns.models import (
    Campaign,
    CampaignStatus,
    DepartmentConfirmation,
    Submission,
    SubmissionState,
    Verdict,
)
from liangxin.census.models import ImportChange
from liangxin.core import crypto
from liangxin.core.errors import ServiceError
from liangxin.coverage.models import Indicator
from liangxin.coverage.selectors import county_indicator_table, indicator_series
from liangxin.demo import accounts, county, history, load
from liangxin.demo.tests.test_plan import plan_of
from liangxin.development.models import DevelopmentRules
from liangxin.formation.choices import PlanStatus, VerificationResult
from liangxin.formation.models import FormationPlan, Verification
from liangxin.geo.models import AdministrativeUnit, Department, UnitLevel
from liangxin.orglife.models import LifePolicyVersion
from liangxin.policy.models import FundingPolicyVersion, PolicyVersion
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
from liangxin.standards.models import ChecklistItem, FiveGoodsAssessment, StandardizationPolicy
from liangxin.standards.selectors import completion
from liangxin.training.models import TrainingRuleVersion

ECONOMIC, SOCIAL = Category.ECONOMIC, Category.SOCIAL


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The demo in a transaction rolled back after the module, so other modules see an empty
    database (pytest-django keeps its per-test transactions nested inside)."""
    with django_db_blocker.unblock(), transaction.atomic():
        _reseed_after_a_flush()
        summary = load.load_demo(seed=county.DEFAULT_SEED)
        yield summary
        transaction.set_rollback(True)


def _reseed_after_a_flush():
    """The demo loads into a database as ``migrate`` leaves it: with the policy and the indicators
    its data migrations seed. A transactional test run earlier by the same worker flushes those, so
    they are seeded again here by the migrations' own functions (in the rolled-back transaction)."""
    for label, migration, model in [
        ("policy", "0002_seed_2009_policy", PolicyVersion),
        ("policy", "0004_seed_2009_funding_policy", FundingPolicyVersion),
        ("coverage", "0002_seed_indicators", Indicator),
        ("development", "0002_seed_2009_rules", DevelopmentRules),
        ("standards", "0002_policy_and_five_goods_ratings", StandardizationPolicy),
        ("orglife", "0002_seed_activity_types_and_rules", LifePolicyVersion),
        ("training", "0002_seed_2009_training_rules", TrainingRuleVersion),
    ]:
        if not model.objects.exists():
            import_module(f"liangxin.{label}.migrations.{migration}").seed(apps, None)


@pytest.fixture
def current_facts(loaded, db):
    return OrganizationFacts.objects.filter(valid_to__isnull=True)


@pytest.fixture
def live_facts(current_facts):
    """The organizations not deregistered: what the published figures count."""
    return current_facts.exclude(operating_status=OperatingStatus.DEREGISTERED)


GONE = history.GONE_PER_YEAR * len(county.CAMPAIGN_YEARS)  # deregistered during the history
SINCE = history.FORMED_SINCE_LATEST_CENSUS  # party organizations formed after the latest census


def _by_category(queryset, field):
    return dict(queryset.values_list(field).annotate(n=Count("pk")).values_list(field, "n"))


def test_the_load_reports_what_it_wrote(loaded):
    assert (loaded.organizations, loaded.active_party_organizations, loaded.members) == (1088 + GONE, 42 + SINCE, 668)
    assert (loaded.campaigns, loaded.users) == (5, 5 + 13 + 15 + 42 + SINCE)


def test_divisions_and_departments(loaded, db):
    assert AdministrativeUnit.objects.filter(level=UnitLevel.COUNTY).get().name == "罗平县"
    assert AdministrativeUnit.objects.filter(level=UnitLevel.TOWNSHIP).count() == 13
    assert AdministrativeUnit.objects.filter(level=UnitLevel.VILLAGE).count() == 154
    names = set(Department.objects.values_list("name", flat=True))
    assert len(names) == 15
    for part in ["工商业联合会", "民政局", "教育体育局", "卫生健康局", "司法局", "市场监督管理局", "农业农村局"]:
        assert any(part in name for name in names)


def test_organizations_employees_and_members_match_the_county_figures(loaded, current_facts, live_facts):
    assert _by_category(live_facts, "organization__category") == {ECONOMIC: 995, SOCIAL: 93}
    totals = {
        row["organization__category"]: row
        for row in live_facts.values("organization__category").annotate(
            employees=Sum("employees"), members=Sum(F("full_members") + F("probationary_members"))
        )
    }
    assert totals[ECONOMIC]["employees"] == 31_300
    assert totals[SOCIAL]["employees"] == 1_064
    assert totals[ECONOMIC]["members"] == 510
    assert totals[SOCIAL]["members"] == 158
    # One open facts row per organization: the baseline's, or a census campaign's import.
    assert current_facts.count() == Organization.objects.count() == 1088 + GONE
    assert set(current_facts.values_list("source", flat=True)) == {"demo", "import"}


def test_the_roster_is_the_facts_organization_by_organization(loaded, current_facts):
    # The members who came in from outside the county (mobility) hold their relations elsewhere.
    assert Member.objects.exclude(mobility_records__direction="in").count() == 668
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


def test_forty_two_party_organizations_on_the_latest_census_date_split_thirty_seven_and_five(loaded, db):
    on = county.AS_OF
    active = PartyOrganization.objects.filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=on), founded_on__lte=on)
    assert active.count() == 42
    # and those formed since
    assert PartyOrganization.objects.filter(dissolved_on__isnull=True).count() == 42 + SINCE
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
    assert statuses[OperatingStatus.DEREGISTERED] == GONE
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
    for encrypted, masked, birth, sex in Member.objects.exclude(mobility_records__direction="in").values_list(
        "id_number_encrypted", "id_number_masked", "birth_date", "sex"
    ):
        citizen = validate_citizen_id(crypto.decrypt(encrypted))
        assert (citizen.birth_date, citizen.sex, citizen.masked) == (birth, sex, masked)
        assert 1960 <= birth.year <= 2000
        assert citizen.number[:6] == ("530324" if birth.year >= 1997 else "532226")


def test_every_object_has_an_audit_record_and_the_chain_holds(loaded, db):
    for queryset, object_type in [
        (Member.objects.all(), "registry.member"),
        (PartyOrganization.objects.all(), "registry.partyorganization"),
        (User.objects.all(), "accounts.user"),
        (AdministrativeUnit.objects.all(), "geo.administrativeunit"),
        (Department.objects.all(), "geo.department"),
    ]:
        audited = set(AuditRecord.objects.filter(object_type=object_type).values_list("object_id", flat=True))
        assert {str(pk) for pk in queryset.values_list("pk", flat=True)} <= audited, object_type
    # Organizations: the baseline's each have their record; a census import's are in its batch's
    # change rows, which the batch's audit record seals.
    audited = set(AuditRecord.objects.filter(object_type="registry.organization").values_list("object_id", flat=True))
    imported = set(ImportChange.objects.filter(kind="new").values_list("organization_id", flat=True))
    assert {str(pk) for pk in Organization.objects.exclude(pk__in=imported).values_list("pk", flat=True)} <= audited
    assert imported and set(
        AuditRecord.objects.filter(object_type="census.importbatch").values_list("object_id", flat=True)
    ) >= {str(pk) for pk in ImportChange.objects.filter(kind="new").values_list("batch_id", flat=True)}
    previous = GENESIS_HASH
    for prev_hash, hash_ in AuditRecord.objects.order_by("pk").values_list("prev_hash", "hash"):
        assert prev_hash == previous
        previous = hash_
    anchor.update_anchor()  # what the commit of load_demo does outside a test transaction
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "审计链完整" in out.getvalue()


def test_accounts_exist_for_every_role_and_can_log_in(loaded, db, client):
    expected = {
        Role.COUNTY_ADMIN: 1,
        Role.LEADER: 1,
        Role.SYS_ADMIN: 1,
        Role.SEC_ADMIN: 1,
        Role.AUDIT_ADMIN: 1,
        Role.TOWNSHIP_CLERK: 13,
        Role.DEPARTMENT_CLERK: 15,
        Role.SECRETARY: 42 + SINCE,
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
        assert client.login(username=username, password=accounts.DEMO_PASSWORD), username
        client.logout()
    assert client.login(username=secretary.username, password=accounts.DEMO_PASSWORD)


def test_demo_accounts_lists_every_demo_login_in_order(loaded, db):
    listed = accounts.demo_accounts()

    assert len(listed) == 5 + 13 + 15 + 42 + SINCE
    assert [a.username for a in listed[:5]] == list(accounts.ADMIN_USERNAMES)
    assert Counter(a.group for a in listed) == {"admin": 5, "township": 13, "department": 15, "secretary": 42 + SINCE}
    assert listed[5].username == "township_530324001"
    assert listed[5].scope_label == "罗雄街道"
    assert {a.password for a in listed} == {"Liangxin#2026"}


def test_demo_logins_prints_the_url_and_a_few_accounts_per_group(loaded, db):
    out = io.StringIO()
    call_command("demo_logins", "--url", "http://127.0.0.1:8000/", stdout=out)

    text = out.getvalue()
    assert text.startswith("系统地址:http://127.0.0.1:8000/\n演示账号(密码均为 Liangxin#2026):")
    for username in accounts.ADMIN_USERNAMES:
        assert f"  {username} " in text
    assert "共 13 个乡镇(街道)工作人员账号" in text
    assert "共 15 个行业主管部门工作人员账号" in text
    assert f"共 {42 + SINCE} 个党组织书记账号" in text
    assert len(text.splitlines()) == 2 + 1 + 5 + 3 * (3 + 1)


def test_loading_twice_is_refused(loaded, db):
    with pytest.raises(ServiceError, match="只能加载到空数据库"):
        load.load_demo()
    assert Organization.objects.count() == 1088 + GONE


def test_the_register_holds_the_organizations_the_seed_draws(loaded, db):
    names = sorted(Organization.objects.values_list("name", flat=True))
    assert names == sorted(o.name for o in plan_of(county.DEFAULT_SEED).organizations)


# --- History -------------------------------------------------------------------------------------

PAST = [dt.date(year, 6, 1) for year in range(county.BASELINE.year, county.AS_OF.year + 1)]
HEADLINE = ("organizations", "employees", "full_members", "party_organizations", "org_coverage")


def _headline(on):
    figures = county_indicator_table(as_of=on)[0].values
    return tuple(figures[code].numerator for code in HEADLINE)


def test_indicators_as_of_past_dates_are_not_zero_and_move(loaded, db):
    assert _headline(county.BASELINE - dt.timedelta(days=1))[:3] == (0, 0, 0)  # before the register
    rows = [_headline(on) for on in PAST]
    assert all(all(value > 0 for value in row) for row in rows)
    assert len(set(rows)) == len(rows)  # every year differs
    organizations, employees, full = ([row[n] for row in rows] for n in range(3))
    assert organizations == sorted(organizations) and organizations[0] < organizations[-1] - 50
    assert employees[0] < employees[-1] and full[0] < full[-1]
    assert organizations[-1] == 1088 and employees[-1] == 32_400 - 36 and full[-1] == 601


def test_the_yearly_trend_of_the_county_moves(loaded, db):
    admin = User.objects.get(username="county_admin")
    points = indicator_series(user=admin, end=dt.date(2026, 6, 30), period="year", count=5)
    coverage = [point.values["org_coverage"].numerator for point in points]
    organizations = [point.values["organizations"].numerator for point in points]
    assert len(set(organizations)) == 5 and organizations == sorted(organizations)
    assert coverage[0] < coverage[-1]


def test_every_census_campaign_reached_the_register(loaded, db):
    campaigns = list(Campaign.objects.filter(status=CampaignStatus.CLOSED).order_by("as_of"))
    assert [c.as_of for c in campaigns] == list(county.CENSUS_DATES[1:])
    submissions = Submission.objects.filter(campaign__in=campaigns, township__isnull=False)
    assert submissions.count() == 5 * 13
    assert set(submissions.values_list("state", flat=True)) == {SubmissionState.APPROVED}
    assert not submissions.filter(register_batch__isnull=True).exists()
    # The departments confirmed rows of the organizations they supervise, one a year commented.
    confirmations = Counter(DepartmentConfirmation.objects.values_list("verdict", flat=True))
    assert confirmations[Verdict.CONFIRMED] > 5 * 10 and confirmations[Verdict.COMMENTED] == 5
    departments = Submission.objects.filter(campaign__in=campaigns, department__isnull=False)
    assert departments.filter(state=SubmissionState.APPROVED).count() > 5 * 10
    # Reported in the campaign's own days: mostly on time, a few late, one returned a year.
    on_time = sum(1 for s in submissions.select_related("campaign") if s.submitted_on <= s.campaign.survey_deadline)
    assert 40 < on_time < 65
    returns = AuditRecord.objects.filter(
        action=AuditAction.CAMPAIGN_RETURN, object_id__in=[str(s.pk) for s in submissions]
    )
    assert returns.count() == 5
    # The register's census figures start on every census date.
    starts = set(OrganizationFacts.objects.values_list("valid_from", flat=True))
    assert set(county.CENSUS_DATES) <= starts and max(starts) == county.AS_OF
    assert ImportChange.objects.filter(kind="new").count() > 100


def test_facts_on_every_census_date_are_the_drawn_ones_and_match_the_roster(loaded, db):
    """Same seed, same figures: what the database holds on each census date is what the plan of
    the seed says (and the plan is the same twice, test_plan.py); and on each date an
    organization's census figures are its roster's."""
    plan = plan_of(county.DEFAULT_SEED)
    assert plan.history is not None
    names = dict(Organization.objects.values_list("pk", "name"))
    index = {o.name: i for i, o in enumerate(plan.organizations)}
    for on in county.CENSUS_DATES:
        facts = {
            index[names[org_id]]: (employees, full, probationary, status)
            for org_id, employees, full, probationary, status in OrganizationFacts.objects.filter(
                Q(valid_to__isnull=True) | Q(valid_to__gt=on), valid_from__lte=on
            ).values_list("organization_id", "employees", "full_members", "probationary_members", "operating_status")
        }
        drawn = plan.history.figures[on]
        # An organization deregistered by an earlier census stays so (the files no longer list it).
        facts = {i: v for i, v in facts.items() if i in drawn or v[3] != OperatingStatus.DEREGISTERED}
        assert facts == {
            i: (f.employees, f.full_members, f.probationary_members, f.operating_status) for i, f in drawn.items()
        }, on
        roster: Counter[tuple[int, str]] = Counter()
        for org_id, full_on in Employment.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=on), valid_from__lte=on, member__admitted_on__lte=on
        ).values_list("organization_id", "member__full_membership_on"):
            roster[(index[names[org_id]], "full" if full_on is not None and full_on <= on else "probationary")] += 1
        for i, f in drawn.items():
            assert (roster[(i, "full")], roster[(i, "probationary")]) == (f.full_members, f.probationary_members)


def test_party_organizations_were_founded_and_dissolved_over_the_years(loaded, db):
    founded = sorted(PartyOrganization.objects.values_list("founded_on", flat=True))
    assert founded[0].year < 2012 and sum(1 for d in founded if d >= county.BASELINE) >= 3
    dissolved = PartyOrganization.objects.filter(dissolved_on__gte=county.BASELINE)
    assert dissolved.exists()
    # Those formed during the history came from a formation plan or the joint planner.
    for party_org in PartyOrganization.objects.filter(founded_on__gte=county.BASELINE):
        assert FormationPlan.objects.filter(party_organization=party_org, status=PlanStatus.FORMED).exists()
    # Members hired before their party organization was formed were linked to it that day.
    relations = PartyRelation.objects.filter(party_organization__founded_on__gte=county.BASELINE)
    assert relations.filter(valid_from=F("party_organization__founded_on")).exists()


def test_formation_plans_and_verifications_in_every_state(loaded, db):
    statuses = Counter(FormationPlan.objects.values_list("status", flat=True))
    assert set(statuses) == set(PlanStatus.values)
    assert FormationPlan.objects.filter(ready=False, status=PlanStatus.PLANNED).exists()
    # One whose timetable ran out in 2026, others due later.
    assert FormationPlan.objects.filter(status=PlanStatus.PLANNED, planned_date__lt=dt.date(2026, 11, 1)).exists()
    assert FormationPlan.objects.filter(status=PlanStatus.PLANNED, planned_date__gt=dt.date(2026, 12, 31)).exists()
    # A cancelled plan is an organization's that closed down; a formed joint plan was joined.
    for plan in FormationPlan.objects.filter(status=PlanStatus.CANCELLED):
        assert plan.organization.facts.get(valid_to__isnull=True).operating_status == OperatingStatus.DEREGISTERED
    assert AuditRecord.objects.filter(
        object_type="formation.formationplan", changes__transition=[None, "join"]
    ).exists()
    results = set(Verification.objects.values_list("result", flat=True))
    assert results == set(VerificationResult.values)
    assert {v.year for v in Verification.objects.values_list("verified_on", flat=True)} == set(county.CAMPAIGN_YEARS)


def test_five_goods_assessments_every_year_with_a_rising_share(loaded, db):
    shares = []
    for year in range(county.BASELINE.year, county.AS_OF.year):
        assessments = FiveGoodsAssessment.objects.filter(year=year)
        assert assessments.exists(), year
        shares.append(assessments.filter(result="five_goods").count() / assessments.count())
        # Scored on all five dimensions, by the party organization's township.
        assert not assessments.filter(leadership_score__isnull=True).exists()
        assert set(assessments.values_list("assessed_by__township", flat=True)) == set(
            assessments.values_list("party_organization__township", flat=True)
        )
    assert shares[-1] > shares[0]


def test_checklists_in_every_state(loaded, db):
    """Some party organizations have all five items done, some a few, some items wait for a check
    or failed it, and some organizations have nothing yet."""
    rows = completion(user=User.objects.get(username="county_admin")).organizations
    done = [len(r.done) for r in rows]
    assert 5 in done and 0 in done and any(0 < d < 5 for d in done)
    assert any(r.to_check for r in rows)
    assert ChecklistItem.objects.filter(check_passed=False).exists()
    assert not ChecklistItem.objects.filter(check_passed=True, checker_role="secretary").exists()


def test_the_months_since_the_latest_census_move_too(loaded, db):
    """The dashboard's default trend (the last twelve months) is not flat: branches were formed
    this year, after the census whose figures the county published."""
    latest = county_indicator_table(as_of=county.AS_OF)[0].values
    since = county_indicator_table(as_of=dt.date(county.AS_OF.year, 11, 30))[0].values
    assert latest["party_organizations"].numerator == 42
    assert since["party_organizations"].numerator == 42 + SINCE
    assert since["org_coverage"].numerator == latest["org_coverage"].numerator + SINCE


def test_next_years_campaign_is_running_and_has_not_touched_the_register(loaded, db):
    running = Campaign.objects.get(status=CampaignStatus.OPEN)
    assert running.as_of == dt.date(county.AS_OF.year + 1, 1, 1)
    states = Counter(running.submissions.filter(township__isnull=False).values_list("state", flat=True))
    assert states == {
        SubmissionState.NOT_STARTED: 13 - 6,
        SubmissionState.IN_PROGRESS: 3,
        SubmissionState.SUBMITTED: 2,
        SubmissionState.RETURNED: 1,
    }
    # Started from the register: its rows are the register's, and nothing was imported.
    assert running.submissions.filter(entries__isnull=False).distinct().count() == 6
    assert not running.submissions.filter(register_batch__isnull=False).exists()
    assert not OrganizationFacts.objects.filter(valid_from__gt=county.AS_OF).exists()


# --- Funding (liangxin/demo/funding.py) ------------------------------------------------------------


def test_the_allocation_is_fifty_yuan_times_the_members_on_its_date(loaded, db):
    from liangxin.funding.models import Allocation
    from liangxin.funding.selectors import county_allocation

    issued = Allocation.objects.get(year=2026)
    assert issued.as_of == county.AS_OF and issued.per_member_amount == Decimal("50.00")
    # The members whose relation is held in the county on the date, counted straight from the register.
    on = county.AS_OF
    members = (
        PartyRelation.objects.filter(valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
        .values("member_id")
        .distinct()
        .count()
    )
    assert members > 400
    lines = list(issued.lines.all())
    assert sum(line.members for line in lines) == members
    assert sum(line.amount for line in lines) == Decimal(50) * members
    assert county_allocation(year=2026, as_of=on).amount == Decimal(50) * members
    probationary = sum(line.probationary_members for line in lines)
    assert 0 < probationary < members


def test_a_year_of_dues_with_some_arrears_and_the_share_returned(loaded, db):
    from liangxin.funding import selectors
    from liangxin.funding.models import DuesBase, DuesPayment, DuesReturn

    assert DuesBase.objects.count() > 400
    assert all(
        token.startswith("v1:")
        for token in DuesBase.objects.exclude(base_encrypted="").values_list("base_encrypted", flat=True)
    )
    months = {m.month for m in DuesPayment.objects.filter(month__year=2026).values_list("month", flat=True)}
    assert months == set(range(1, 12))
    ids = list(PartyOrganization.objects.values_list("pk", flat=True))
    sheets = selectors.dues_sheets(party_organization_ids=ids, year=2026, today=dt.date(2026, 12, 1))
    members = [m for sheet in sheets.values() for m in sheet.members]
    in_arrears = [m for m in members if m.arrears_months]
    assert 0.03 * len(members) < len(in_arrears) < 0.25 * len(members)
    assert any(not m.category for m in members)  # a few without a base yet
    # The retained share of January–June was returned on 15 July: later months wait for the next return.
    returns = selectors.dues_returns(party_organizations=PartyOrganization.objects.all(), year=2026)
    assert DuesReturn.objects.exists()
    assert sum(1 for r in returns if r.returned > 0) > 0.8 * len(returns)
    assert any(r.to_return > 0 for r in returns)


def test_activity_funds_rewards_and_ledgers(loaded, db):
    from liangxin.funding import selectors
    from liangxin.funding.models import RewardApplication

    admin = User.objects.get(username="county_admin")
    statuses = Counter(r.check.status for r in selectors.activity_funds(user=admin, year=2025, booked_only=True))
    assert statuses["within"] > statuses["below"] > 0 and statuses["above"] > 0
    assert set(RewardApplication.objects.values_list("status", flat=True)) == {"submitted", "approved", "rejected"}
    summary = selectors.funding_summary(user=admin, year=2026)
    balances = [selectors.balance_of(party_organization=p) for p in PartyOrganization.objects.all()]
    assert min(balances) >= 0
    assert summary.total.ledger.closing == sum(balances)
    assert summary.total.ledger.by_kind["spending"] > 0 and summary.total.ledger.opening > 0


# The mobile members of the demo, checked on the demo this module loaded (docs/mobile-members.md).
from .development_checks import *  # noqa: E402, F403
from .mobility_checks import *  # noqa: E402, F403

# The talent pool of the demo (docs/talent-pool.md).
from .talent_checks import *  # noqa: E402, F403


def test_a_year_of_organization_life_kept_by_some_missed_by_others_and_silent_at_risk(loaded, db):
    from liangxin.coverage import materialized
    from liangxin.coverage.models import OrganizationState
    from liangxin.orglife import selectors as orglife

    day = dt.date(2026, 12, 1)
    parties = list(orglife.existing_on(PartyOrganization.objects.all(), day))
    standings = orglife.standings(party_organizations=parties, as_of=day)
    kept = [s for s in standings if not s.missed]
    behind = [s for s in standings if s.missed]
    at_risk = [s for s in standings if s.at_risk]
    assert len(kept) >= 10 and len(behind) >= 10 and 1 <= len(at_risk) <= 10
    assert all(s.last_activity is None or s.last_activity <= dt.date(2026, 9, 1) for s in at_risk)
    # Work coverage from activity alone: organizations neither covered nor with an instructor
    # that an activity reached in the twelve months up to the day.
    materialized.ensure_fresh()
    only_activity = OrganizationState.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=day),
        valid_from__lte=day,
        takes_part=True,
        covered=False,
        has_instructor=False,
    ).count()
    assert only_activity >= 3


# The reconciliation of the demo with market regulation's list (docs/reconciliation.md), and its
# training records and liaison (docs/training.md, docs/liaison.md).
from .reconcile_checks import *  # noqa: E402, F403
from .training_checks import *  # noqa: E402, F403
