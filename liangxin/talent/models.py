"""The party workers' talent pool (党务工作人才库) and the assignments made from it.

Rules in ``docs/talent-pool.md``. Intervals are half-open like the register's (valid on D when
``valid_from <= D < valid_to``); the database holds one open instructor per organization and one
open secretary per party organization.

``InstructorAssignment`` keeps the table the register created for the census column 党建指导员
(``registry_instructorassignment``): the coverage state reads it and its stale-marking triggers are
generated from that table's name (ARCHITECTURE.md, "Coverage state"), so moving the model here
changed no SQL and no trigger.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class AssignmentMethod(models.TextChoices):
    APPOINTMENT = "appointment", _("组织委派")
    OPEN_SELECTION = "open_selection", _("公开选拔")
    TWO_WAY = "two_way", _("双向选择")


class Availability(models.TextChoices):
    FULL_TIME = "full_time", _("可专职")
    PART_TIME = "part_time", _("可兼职")
    UNAVAILABLE = "unavailable", _("暂不可派")


class Origin(models.TextChoices):
    ENTERED = "entered", _("录入")
    CENSUS = "census", _("摸底表")


class Post(models.TextChoices):
    SECRETARY = "secretary", _("书记")
    COMMITTEE = "committee", _("委员")


class ManagementRole(models.TextChoices):
    """The person's place in the organization's management, beside the party post: a secretary who
    is the owner is 一肩挑, one who is a manager is 交叉任职; an owner or manager on the committee
    is 双向进入."""

    NONE = "", _("无")
    OWNER = "owner", _("出资人/负责人")
    MANAGER = "manager", _("管理层")


def _valid_range(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name=f"{prefix}_valid_range"
    )


def _positive_subsidy(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(subsidy__isnull=True) | Q(subsidy__gt=0), name=f"{prefix}_subsidy")


class PoolEntry(models.Model):
    """A person who can do party work. A member is linked to the register's ``Member`` and keeps
    no ID number here (the member's is the one copy); anyone else may have one, encrypted like
    members' (``core/crypto.py``: ciphertext, keyed hash, masked form). Training records will
    point here from their own app; this model needs no field for them."""

    name = models.CharField(_("姓名"), max_length=50)
    name_key = models.CharField(max_length=50, editable=False)  # ``core.text.normalize_name``
    township = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("所属乡镇")
    )
    member = models.OneToOneField(
        "registry.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pool_entry",
        verbose_name=_("党员"),
    )
    id_number_encrypted = models.TextField(blank=True, default="", editable=False)
    id_number_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    id_number_masked = models.CharField(_("公民身份号码"), max_length=18, blank=True, default="", editable=False)
    birth_year = models.PositiveSmallIntegerField(_("出生年份"), null=True, blank=True, editable=False)
    skills = models.CharField(_("专长"), max_length=200, blank=True, default="")
    availability = models.CharField(
        _("可派情况"), max_length=16, choices=Availability.choices, default=Availability.PART_TIME
    )
    origin = models.CharField(_("来源"), max_length=16, choices=Origin.choices, default=Origin.ENTERED)
    to_complete = models.BooleanField(_("待完善"), default=False)
    import_batch = models.ForeignKey(
        "census.ImportBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("人才库人员")
        verbose_name_plural = _("人才库人员")
        ordering = ["township_id", "name", "pk"]
        constraints = [
            # A member's ID number lives on the member only.
            models.CheckConstraint(
                condition=Q(member__isnull=True) | Q(id_number_encrypted="", id_number_hash__isnull=True),
                name="talent_pool_member_no_second_id",
            ),
            models.CheckConstraint(
                condition=Q(id_number_encrypted="", id_number_hash__isnull=True)
                | (~Q(id_number_encrypted="") & Q(id_number_hash__isnull=False)),
                name="talent_pool_id_hash_with_number",
            ),
        ]
        indexes = [models.Index(fields=["township", "name_key"], name="talent_pool_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("talent:entry_detail", args=[self.pk])


class _Term(models.Model):
    """What every assignment from the pool records: how, from when to when, the subsidy, why it ended."""

    method = models.CharField(_("选派方式"), max_length=16, choices=AssignmentMethod.choices, blank=True, default="")
    subsidy = models.DecimalField(_("补贴(元/年)"), max_digits=12, decimal_places=2, null=True, blank=True)
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("截止日期"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=200, blank=True, default="")

    class Meta:
        abstract = True


class InstructorAssignment(_Term):
    """A party-building instructor (党建工作指导员) from the pool, assigned to an organization.
    ``instructor_name`` is the name as written when assigned (the census compares its column with it)."""

    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.CASCADE,
        related_name="instructor_assignments",
        verbose_name=_("组织"),
    )
    person = models.ForeignKey(
        PoolEntry, on_delete=models.PROTECT, related_name="instructor_assignments", verbose_name=_("指导员")
    )
    instructor_name = models.CharField(_("指导员姓名"), max_length=50)
    import_batch = models.ForeignKey(
        "census.ImportBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "registry_instructorassignment"
        verbose_name = _("党建指导员")
        verbose_name_plural = _("党建指导员")
        constraints = [
            models.UniqueConstraint(
                fields=["organization"], condition=Q(valid_to__isnull=True), name="registry_instructor_one_open"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="registry_instructor_valid_range",
            ),
            _positive_subsidy("talent_instructor"),
        ]
        indexes = [models.Index(fields=["organization", "valid_from", "valid_to"], name="registry_instructor_asof")]

    def __str__(self) -> str:
        return f"{self.instructor_name}→{self.organization_id}"


class PostAssignment(_Term):
    """A post in a party organization (secretary or committee member) held by a pool entry, with
    the person's place in the management of the organization it covers (cross-appointment)."""

    party_organization = models.ForeignKey(
        "registry.PartyOrganization",
        on_delete=models.CASCADE,
        related_name="post_assignments",
        verbose_name=_("党组织"),
    )
    person = models.ForeignKey(
        PoolEntry, on_delete=models.PROTECT, related_name="post_assignments", verbose_name=_("人员")
    )
    post = models.CharField(_("职务"), max_length=16, choices=Post.choices)
    management_role = models.CharField(
        _("在管理层的职务"), max_length=16, choices=ManagementRole.choices, blank=True, default=""
    )

    class Meta:
        verbose_name = _("党组织任职")
        verbose_name_plural = _("党组织任职")
        constraints = [
            models.UniqueConstraint(
                fields=["party_organization"],
                condition=Q(valid_to__isnull=True, post="secretary"),
                name="talent_post_one_open_secretary",
            ),
            models.UniqueConstraint(
                fields=["party_organization", "person"],
                condition=Q(valid_to__isnull=True),
                name="talent_post_one_open_per_person",
            ),
            _valid_range("talent_post"),
            _positive_subsidy("talent_post"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}:{self.post}→{self.party_organization_id}"

    @property
    def cross_label(self) -> str:
        """一肩挑 / 交叉任职 / 双向进入, or nothing."""
        if self.management_role == ManagementRole.OWNER and self.post == Post.SECRETARY:
            return str(_("一肩挑"))
        if self.management_role == ManagementRole.MANAGER and self.post == Post.SECRETARY:
            return str(_("交叉任职"))
        if self.management_role:
            return str(_("双向进入"))
        return ""
