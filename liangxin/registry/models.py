"""The register: organizations, their dated census facts, party organizations and members.

Time is explicit everywhere the issues ask "as of": facts, coverage links, relations and
employments carry ``valid_from`` / ``valid_to`` (half-open: valid on D when
``valid_from <= D < valid_to``), and at most one row per subject is open (``valid_to`` NULL),
which the database enforces with a partial unique index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from liangxin.core.expressions import HasShape

from .choices import (
    Category,
    Education,
    FactSource,
    FormationMethod,
    MemberStatus,
    OperatingStatus,
    OrganizationType,
    OwnerAttitude,
    PartyOrganizationKind,
    Sex,
)

if TYPE_CHECKING:
    from liangxin.accounts.models import User


# ``Model.objects.restrict(user)``: the objects in the user's scope, where a Django developer looks
# for it (NetBox's idiom). The scope itself is decided once, in ``scoping.py``; an account with no
# business scope (an administrator, an account without a role) gets an empty queryset.
class OrganizationQuerySet(models.QuerySet["Organization"]):
    def restrict(self, user: User) -> Self:
        from .scoping import organization_scope

        return self.filter(organization_scope(user))


class PartyOrganizationQuerySet(models.QuerySet["PartyOrganization"]):
    def restrict(self, user: User) -> Self:
        from .scoping import party_organization_scope

        return self.filter(party_organization_scope(user))


class MemberQuerySet(models.QuerySet["Member"]):
    def restrict(self, user: User) -> Self:
        from .scoping import member_scope

        return self.filter(member_scope(user))


USCC_CHARSET = "0-9A-HJ-NPQRTUWXY"  # GB 32100-2015: digits and capitals but I, O, S, V, Z


def _valid_range(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
        name=f"{prefix}_valid_range",
    )


class Organization(models.Model):
    # NULL, not "": individual businesses may lack a code, and uniqueness holds only when present.
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, null=True, blank=True)  # noqa: DJ001
    name = models.CharField(_("组织名称"), max_length=200)
    # Search keys, written by the services from the name: NFKC without spaces, and pinyin.
    name_normalized = models.CharField(max_length=200, editable=False)  # indexed in Meta
    # Not indexed: the name search ORs these with a substring match, which no index serves.
    name_initials = models.CharField(max_length=200, editable=False)
    name_pinyin = models.CharField(max_length=800, editable=False)
    former_names = models.JSONField(_("曾用名"), default=list, blank=True)
    category = models.CharField(_("组织类别"), max_length=16, choices=Category.choices)
    org_type = models.CharField(_("组织类型"), max_length=32, choices=OrganizationType.choices)
    industry_code = models.CharField(
        _("行业代码"), max_length=5, blank=True, help_text=_("GB/T 4754 门类字母或门类+大类")
    )
    township = models.ForeignKey(
        "geo.AdministrativeUnit",
        on_delete=models.PROTECT,
        related_name="organizations",
        verbose_name=_("所属乡镇"),
        db_index=False,  # served by registry_org_township_name, which leads with it
    )
    village = models.ForeignKey(
        "geo.AdministrativeUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        # Never looked up by (no page or figure filters by village; units are closed, not
        # deleted), and an index costs every insert of a million-row import.
        db_index=False,
        related_name="village_organizations",
        verbose_name=_("所属村(社区)"),
    )
    department = models.ForeignKey(
        "geo.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name=_("行业主管部门"),
    )
    above_designated_size = models.BooleanField(_("规模以上"), default=False)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    contact_person = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    owner_is_member = models.BooleanField(_("业主是否党员"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_records",
        verbose_name=_("已合并入"),
        db_index=False,  # partial index below: almost every row is NULL
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("两新组织")
        verbose_name_plural = _("两新组织")
        ordering = ["township__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["uscc"], condition=Q(uscc__isnull=False), name="registry_org_uscc_unique"),
            models.CheckConstraint(
                condition=Q(uscc__isnull=True) | Q(HasShape("uscc", charset=USCC_CHARSET, length=18)),
                name="registry_org_uscc_format",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="registry_org_name_not_blank"),
            models.CheckConstraint(condition=Q(category__in=Category.values), name="registry_org_category_valid"),
            models.CheckConstraint(condition=Q(org_type__in=OrganizationType.values), name="registry_org_type_valid"),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | ~Q(merged_into=F("pk")),
                name="registry_org_not_merged_into_itself",
            ),
        ]
        indexes = [
            models.Index(fields=["township", "name_normalized"], name="registry_org_township_name"),
            # The exact match across townships (the picker, a county's duplicate check). A plain
            # index: ``db_index`` adds a second one on PostgreSQL for LIKE prefixes, which no query
            # makes, and every new organization paid for it.
            models.Index(fields=["name_normalized"], name="registry_org_name"),
            models.Index(
                fields=["merged_into"], condition=Q(merged_into__isnull=False), name="registry_org_merged_into"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:organization_detail", args=[self.pk])


class OrganizationFacts(models.Model):
    """The census figures of an organization over an interval of time."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="facts",
        verbose_name=_("组织"),
        db_index=False,  # served by registry_facts_asof, which leads with it
    )
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("截止日期"), null=True, blank=True)
    operating_status = models.CharField(
        _("经营状况"), max_length=16, choices=OperatingStatus.choices, default=OperatingStatus.OPERATING
    )
    employees = models.PositiveIntegerField(_("从业人员数"), default=0)
    full_members = models.PositiveIntegerField(_("正式党员数"), default=0)
    probationary_members = models.PositiveIntegerField(_("预备党员数"), default=0)
    owner_attitude = models.CharField(
        _("业主对组建党组织态度"), max_length=16, choices=OwnerAttitude.choices, blank=True
    )
    secretary_candidate_available = models.BooleanField(_("有无合适支部书记人选"), null=True, blank=True)
    payroll = models.DecimalField(_("工资总额(万元)"), max_digits=14, decimal_places=2, null=True, blank=True)
    has_union = models.BooleanField(_("有无工会"), null=True, blank=True)
    has_youth_league = models.BooleanField(_("有无共青团组织"), null=True, blank=True)
    has_womens_federation = models.BooleanField(_("有无妇联组织"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=FactSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人"),
        db_index=False,  # never looked up by; accounts are deactivated, not deleted
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    import_batch = models.ForeignKey(
        "census.ImportBatch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="facts",
        verbose_name=_("导入批次"),
    )

    class Meta:
        verbose_name = _("组织普查数据")
        verbose_name_plural = _("组织普查数据")
        # By the column, not by "organization": that would follow Organization's ordering and join
        # two tables into every facts query, which PostgreSQL plans badly inside one large load.
        ordering = ["organization_id", "-valid_from", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(valid_to__isnull=True),
                name="registry_facts_one_open_per_org",
            ),
            _valid_range("registry_facts"),
            models.CheckConstraint(
                condition=Q(payroll__isnull=True) | Q(payroll__gte=0), name="registry_facts_payroll_nonneg"
            ),
            models.CheckConstraint(
                condition=Q(operating_status__in=OperatingStatus.values),
                name="registry_facts_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "valid_from", "valid_to"], name="registry_facts_asof"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}@{self.valid_from}"

    @property
    def total_members(self) -> int:
        return self.full_members + self.probationary_members


class PartyOrganization(models.Model):
    name = models.CharField(_("党组织名称"), max_length=200)
    name_normalized = models.CharField(max_length=200, db_index=True, editable=False)
    kind = models.CharField(_("党组织类别"), max_length=32, choices=PartyOrganizationKind.choices)
    formation_method = models.CharField(_("组建方式"), max_length=16, choices=FormationMethod.choices)
    # The township the party organization belongs to territorially; it decides which clerk
    # manages it, also for a joint branch whose organizations lie in several villages.
    township = models.ForeignKey(
        "geo.AdministrativeUnit",
        on_delete=models.PROTECT,
        related_name="party_organizations",
        verbose_name=_("所属乡镇"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级党组织"),
    )
    founded_on = models.DateField(_("成立日期"))
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)
    dissolution_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    secretary = models.ForeignKey(
        "Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("书记"),
    )
    organizations = models.ManyToManyField(
        Organization,
        through="PartyOrganizationCoverage",
        related_name="party_organizations",
        verbose_name=_("覆盖的两新组织"),
    )

    objects = PartyOrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["township__code", "name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="registry_partyorg_name_not_blank"),
            models.CheckConstraint(
                condition=Q(kind__in=PartyOrganizationKind.values), name="registry_partyorg_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(dissolved_on__isnull=True)
                | (Q(dissolved_on__gte=F("founded_on")) & ~Q(dissolution_reason="")),
                name="registry_partyorg_dissolution_has_date_and_reason",
            ),
            models.UniqueConstraint(
                fields=["township", "name_normalized"],
                condition=Q(dissolved_on__isnull=True),
                name="registry_partyorg_name_unique_in_township",
            ),
        ]
        indexes = [
            # Covering for the party organization indicators by township as of a date:
            # read in township order, no row lookups.
            models.Index(
                fields=["township", "founded_on", "dissolved_on", "kind", "formation_method"],
                name="registry_partyorg_asof",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:party_organization_detail", args=[self.pk])


class PartyOrganizationCoverage(models.Model):
    """A party organization covers an organization from one date to another (joint: several)."""

    party_organization = models.ForeignKey(PartyOrganization, on_delete=models.CASCADE, related_name="coverages")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="coverages")
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("截止日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("党组织覆盖")
        verbose_name_plural = _("党组织覆盖")
        constraints = [
            models.UniqueConstraint(
                fields=["party_organization", "organization"],
                condition=Q(valid_to__isnull=True),
                name="registry_coverage_open_unique",
            ),
            _valid_range("registry_coverage"),
        ]
        indexes = [
            models.Index(fields=["organization", "valid_to"], name="registry_coverage_org"),
            # The as-of EXISTS of the coverage indicators reads only this index.
            models.Index(fields=["organization", "valid_from", "valid_to"], name="registry_coverage_asof"),
        ]

    def __str__(self) -> str:
        return f"{self.party_organization_id}→{self.organization_id}@{self.valid_from}"


class Member(models.Model):
    name = models.CharField(_("姓名"), max_length=50)
    # The citizen ID number never lies in the database in clear: AES-GCM ciphertext, a keyed
    # hash for exact lookup, and the masked form shown on every screen and export.
    id_number_encrypted = models.TextField(editable=False)
    id_number_hash = models.CharField(max_length=64, unique=True, editable=False)
    id_number_masked = models.CharField(_("公民身份号码"), max_length=18, editable=False)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    status = models.CharField(_("党员类别"), max_length=16, choices=MemberStatus.choices)
    admitted_on = models.DateField(_("入党日期"))
    full_membership_on = models.DateField(_("转正日期"), null=True, blank=True)
    position = models.CharField(_("职务"), max_length=50, blank=True)
    education = models.CharField(_("学历"), max_length=16, choices=Education.choices, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(status=MemberStatus.FULL, full_membership_on__isnull=False)
                    | Q(status=MemberStatus.PROBATIONARY, full_membership_on__isnull=True)
                ),
                name="registry_member_status_matches_dates",
            ),
            models.CheckConstraint(
                condition=Q(full_membership_on__isnull=True) | Q(full_membership_on__gt=F("admitted_on")),
                name="registry_member_full_after_admission",
            ),
            models.CheckConstraint(
                condition=Q(admitted_on__gt=F("birth_date")), name="registry_member_admitted_after_birth"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:member_detail", args=[self.pk])


class PartyRelation(models.Model):
    """Where a member's organizational relation (组织关系) is held, over time."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="relations")
    party_organization = models.ForeignKey(
        PartyOrganization, on_delete=models.PROTECT, related_name="relations", verbose_name=_("党组织")
    )
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("截止日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("组织关系")
        verbose_name_plural = _("组织关系")
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(valid_to__isnull=True), name="registry_relation_one_open"
            ),
            _valid_range("registry_relation"),
        ]
        indexes = [
            models.Index(fields=["party_organization", "valid_to"], name="registry_relation_partyorg"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}→{self.party_organization_id}@{self.valid_from}"


class Employment(models.Model):
    """Where a member works, over time (may differ from the relation: dual activity)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="employments")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="employments", verbose_name=_("工作单位")
    )
    position = models.CharField(_("职务"), max_length=50, blank=True)
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("截止日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("工作单位")
        verbose_name_plural = _("工作单位")
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(valid_to__isnull=True), name="registry_employment_one_open"
            ),
            _valid_range("registry_employment"),
        ]
        indexes = [models.Index(fields=["organization", "valid_to"], name="registry_employment_org")]

    def __str__(self) -> str:
        return f"{self.member_id}→{self.organization_id}@{self.valid_from}"
