"""Factories for tests: plain factory_boy, valid identifiers, search keys filled as services do."""

from __future__ import annotations

import datetime as dt
import itertools

import factory
from stdnum.cn import ric, uscc

from liangxin.accounts.models import User
from liangxin.accounts.roles import Role
from liangxin.core import crypto
from liangxin.core.text import normalize_name, pinyin_full, pinyin_initials
from liangxin.formation import services as formation_services
from liangxin.formation.models import FormationPlan
from liangxin.geo.models import AdministrativeUnit, Department, UnitLevel
from liangxin.orglife import compliance
from liangxin.orglife.models import Activity, ActivityOrganization, ActivityType
from liangxin.registry.choices import (
    Category,
    FactSource,
    FormationMethod,
    MemberStatus,
    OperatingStatus,
    OrganizationType,
    PartyOrganizationKind,
)
from liangxin.registry.identifiers import mask_id_number
from liangxin.registry.models import (
    Employment,
    Member,
    Organization,
    OrganizationFacts,
    PartyOrganization,
    PartyOrganizationCoverage,
    PartyRelation,
)
from liangxin.standards.models import FiveGoodsAssessment
from liangxin.talent.models import InstructorAssignment, PoolEntry

PASSWORD = "Liangxin#2026"  # noqa: S105 (the documented demo password)
_serial = itertools.count(1)


def valid_uscc(seq: int, authority: str = "9", category: str = "1", region: str = "530324") -> str:
    body = f"{authority}{category}{region}{seq:09d}"[:17]
    body = body.replace("I", "1").replace("O", "0")
    return body + uscc.calc_check_digit(body + "0")


def ready_plan(
    *, by: User, organization: Organization, planned_date: dt.date, responsible_person: str = "王书记"
) -> FormationPlan:
    """A formation plan with a timetable, through the service: ready, an independent branch by
    ``planned_date``."""
    data = formation_services.PlanData(
        ready=True,
        responsible_person=responsible_person,
        method="independent",
        target_kind="branch",
        planned_date=planned_date,
    )
    return formation_services.create_plan(by=by, organization=organization, data=data)


def member_through_service(
    *,
    by: User,
    name: str,
    id_number: str,
    party_organization: PartyOrganization,
    employer: Organization,
    phone: str = "",
) -> Member:
    """A full member admitted in 2015, created by ``registry.services.create_member``: validated,
    encrypted, masked and audited as a real one."""
    from liangxin.registry import services as registry_services

    data = registry_services.MemberData(
        name=name,
        id_number=id_number,
        status=MemberStatus.FULL,
        admitted_on=dt.date(2015, 7, 1),
        full_membership_on=dt.date(2016, 7, 1),
        phone=phone,
    )
    return registry_services.create_member(by=by, data=data, party_organization=party_organization, employer=employer)


def luoping_region_code(birth: dt.date) -> str:
    """罗平县 was 532226 (曲靖地区) until 1997 and is 530324 since; python-stdnum checks the code
    against the birth year, so a real person's number carries the code of that year."""
    return "530324" if birth.year >= 1997 else "532226"


def valid_id_number(seq: int, birth: dt.date = dt.date(1985, 6, 15), region: str | None = None) -> str:
    body = f"{region or luoping_region_code(birth)}{birth:%Y%m%d}{seq % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


class CountyFactory(factory.django.DjangoModelFactory[AdministrativeUnit]):
    class Meta:
        model = AdministrativeUnit
        django_get_or_create = ("code",)

    code = "530324"
    name = "罗平县"
    level = UnitLevel.COUNTY
    path = factory.LazyAttribute(lambda o: o.code)


class TownshipFactory(factory.django.DjangoModelFactory[AdministrativeUnit]):
    class Meta:
        model = AdministrativeUnit

    parent = factory.SubFactory(CountyFactory)
    code = factory.Sequence(lambda n: f"530324{100 + n:03d}")
    name = factory.Sequence(lambda n: f"测试{n}镇")
    level = UnitLevel.TOWNSHIP
    path = factory.LazyAttribute(lambda o: f"{o.parent.path}/{o.code}")


class VillageFactory(factory.django.DjangoModelFactory[AdministrativeUnit]):
    class Meta:
        model = AdministrativeUnit

    parent = factory.SubFactory(TownshipFactory)
    name = factory.Sequence(lambda n: f"测试{n}村委会")
    level = UnitLevel.VILLAGE
    path = factory.LazyAttribute(lambda o: f"{o.parent.path}/{o.code}")

    @factory.lazy_attribute
    def code(self) -> str:
        return f"{self.parent.code}{next(_serial) % 1000:03d}"


class DepartmentFactory(factory.django.DjangoModelFactory[Department]):
    class Meta:
        model = Department

    code = factory.Sequence(lambda n: f"D{n:03d}")
    name = factory.Sequence(lambda n: f"测试部门{n}")


class OrganizationFactory(factory.django.DjangoModelFactory[Organization]):
    class Meta:
        model = Organization
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"罗平县测试{n}有限公司")
    uscc = factory.Sequence(lambda n: valid_uscc(n + 1))
    category = Category.ECONOMIC
    org_type = OrganizationType.LIMITED_COMPANY
    township = factory.SubFactory(TownshipFactory)
    name_normalized = factory.LazyAttribute(lambda o: normalize_name(o.name))
    name_initials = factory.LazyAttribute(lambda o: pinyin_initials(o.name))
    name_pinyin = factory.LazyAttribute(lambda o: pinyin_full(o.name))

    @factory.post_generation
    def facts(self, create: bool, extracted: dict | None, **kwargs: object) -> None:
        if not create:
            return
        values = {"employees": 10, "full_members": 0, "probationary_members": 0} | (extracted or {})
        OrganizationFacts.objects.create(
            organization=self,
            valid_from=values.pop("valid_from", dt.date(2026, 1, 1)),
            source=values.pop("source", FactSource.EDIT),
            operating_status=values.pop("operating_status", OperatingStatus.OPERATING),
            **values,
        )


class PartyOrganizationFactory(factory.django.DjangoModelFactory[PartyOrganization]):
    class Meta:
        model = PartyOrganization
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"测试{n}党支部")
    name_normalized = factory.LazyAttribute(lambda o: normalize_name(o.name))
    kind = PartyOrganizationKind.BRANCH
    formation_method = FormationMethod.INDEPENDENT
    township = factory.SubFactory(TownshipFactory)
    founded_on = dt.date(2020, 7, 1)

    @factory.post_generation
    def covers(self, create: bool, extracted: list[Organization] | None, **kwargs: object) -> None:
        for org in extracted or []:
            PartyOrganizationCoverage.objects.create(
                party_organization=self, organization=org, valid_from=self.founded_on
            )


class MemberFactory(factory.django.DjangoModelFactory[Member]):
    class Meta:
        model = Member
        skip_postgeneration_save = True
        exclude = ("id_number",)

    id_number = factory.Sequence(lambda n: valid_id_number(n))
    name = factory.Sequence(lambda n: f"党员{n}")
    id_number_encrypted = factory.LazyAttribute(lambda o: crypto.encrypt(o.id_number))
    id_number_hash = factory.LazyAttribute(lambda o: crypto.keyed_hash(o.id_number))
    id_number_masked = factory.LazyAttribute(lambda o: mask_id_number(o.id_number))
    sex = "M"
    birth_date = dt.date(1985, 6, 15)
    status = MemberStatus.FULL
    admitted_on = dt.date(2010, 7, 1)
    full_membership_on = dt.date(2011, 7, 1)

    @factory.post_generation
    def relation(self, create: bool, extracted: PartyOrganization | None, **kwargs: object) -> None:
        if create and extracted is not None:
            PartyRelation.objects.create(member=self, party_organization=extracted, valid_from=dt.date(2020, 7, 1))

    @factory.post_generation
    def employer(self, create: bool, extracted: Organization | None, **kwargs: object) -> None:
        if create and extracted is not None:
            Employment.objects.create(member=self, organization=extracted, valid_from=dt.date(2020, 7, 1))


class PoolEntryFactory(factory.django.DjangoModelFactory[PoolEntry]):
    class Meta:
        model = PoolEntry

    name = factory.Sequence(lambda n: f"人才{n}")
    name_key = factory.LazyAttribute(lambda o: normalize_name(o.name))
    township = factory.SubFactory(TownshipFactory)


class InstructorAssignmentFactory(factory.django.DjangoModelFactory[InstructorAssignment]):
    """An instructor row as the census writes it: the pool entry of that name in the organization's township."""

    class Meta:
        model = InstructorAssignment

    organization = factory.SubFactory(OrganizationFactory)
    instructor_name = "指导员"
    person = factory.LazyAttribute(
        lambda o: (
            PoolEntry.objects.filter(township=o.organization.township, name=o.instructor_name).first()
            or PoolEntryFactory(name=o.instructor_name, township=o.organization.township)
        )
    )
    valid_from = dt.date(2026, 1, 1)


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.COUNTY_ADMIN
    password = factory.django.Password(PASSWORD)


class FiveGoodsAssessmentFactory(factory.django.DjangoModelFactory[FiveGoodsAssessment]):
    """A five-goods assessment with all five scores; ``result`` decides the indicator
    (scores below the good mark with ``not_met``)."""

    class Meta:
        model = FiveGoodsAssessment

    party_organization = factory.SubFactory(PartyOrganizationFactory)
    year = 2025
    result = "five_goods"
    assessing_unit = "县委组织部"
    assessed_on = factory.LazyAttribute(lambda o: dt.date(o.year, 12, 20))
    leadership_score = factory.LazyAttribute(lambda o: 90 if o.result == "five_goods" else 55)
    team_score = 85
    rules_score = 80
    performance_score = 88
    public_score = 86


def activity_type(code: str) -> ActivityType:
    """One of the activity types the migration seeds (党员大会 ``members_meeting``, 党课 …)."""
    return ActivityType.objects.get(code=code)


class ActivityFactory(factory.django.DjangoModelFactory[Activity]):
    """An activity (组织生活) written directly; ``organizations=[(org, "held_in"|"took_part")]``
    adds the organizations it reached with the work-coverage interval of 12 months. Pages and
    services are tested through ``orglife.services``."""

    class Meta:
        model = Activity
        skip_postgeneration_save = True

    party_organization = factory.SubFactory(PartyOrganizationFactory)
    activity_type = factory.LazyFunction(lambda: activity_type("theme_day"))
    held_on = dt.date(2025, 3, 10)
    duration_minutes = 120
    place = "党员活动室"
    topic = factory.Sequence(lambda n: f"主题党日活动{n}")
    content = "学习讨论"
    recorded_by = factory.SubFactory("liangxin.testing.factories.UserFactory")

    @factory.post_generation
    def organizations(self, create: bool, extracted: list[tuple[Organization, str]] | None, **kwargs: object) -> None:
        for org, how in extracted or []:
            start, end = compliance.participation_interval(self.held_on, 12)
            ActivityOrganization.objects.create(
                activity=self, organization=org, involvement=how, valid_from=start, valid_to=end
            )
