"""Member development (发展党员): one file per person, its stage dates and steps, the development
rules as versioned data, and the three recommendations (三个推荐). The rules themselves are in
``pipeline.py``; what they mean is written in docs/member-development.md."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from liangxin.policy.models import VersionedPolicy
from liangxin.registry.choices import Sex

from . import pipeline

if TYPE_CHECKING:
    from liangxin.accounts.models import User


class WorkRole(models.TextChoices):
    """What the person does where he works: the speech asks development to prefer these."""

    MANAGER = "manager", _("经营管理人员")
    KEY_STAFF = "key_staff", _("业务骨干")
    FRONT_LINE = "front_line", _("生产一线职工")
    OWNER = "owner", _("业主(出资人)")
    OTHER = "other", _("其他")


class StepKind(models.TextChoices):
    TALK = pipeline.Step.TALK.value, _("谈话")
    RECOMMENDATION = pipeline.Step.RECOMMENDATION.value, _("推荐和确定入党积极分子")
    CONTACTS = pipeline.Step.CONTACTS.value, _("指定培养联系人")
    TRAINING = pipeline.Step.TRAINING.value, _("培养教育和集中培训")
    POLITICAL_REVIEW = pipeline.Step.POLITICAL_REVIEW.value, _("政治审查")
    BRANCH_MEETING = pipeline.Step.BRANCH_MEETING.value, _("支部大会讨论接收")
    HIGHER_APPROVAL = pipeline.Step.HIGHER_APPROVAL.value, _("上级党委审批")
    EXTENSION = pipeline.Step.EXTENSION.value, _("延长预备期")


class StageKind(models.TextChoices):
    APPLICANT = pipeline.Stage.APPLICANT.value, _("入党申请人")
    ACTIVIST = pipeline.Stage.ACTIVIST.value, _("入党积极分子")
    CANDIDATE = pipeline.Stage.CANDIDATE.value, _("发展对象")
    PROBATIONARY = pipeline.Stage.PROBATIONARY.value, _("预备党员")
    FULL = pipeline.Stage.FULL.value, _("正式党员")


# The field holding the date each stage was entered.
STAGE_FIELDS: dict[pipeline.Stage, str] = {
    pipeline.Stage.APPLICANT: "applied_on",
    pipeline.Stage.ACTIVIST: "activist_on",
    pipeline.Stage.CANDIDATE: "candidate_on",
    pipeline.Stage.PROBATIONARY: "probationary_on",
    pipeline.Stage.FULL: "full_on",
}


class DevelopmentRules(VersionedPolicy):
    """The figures of the development rules, in force from ``effective_from`` until the next
    version's; never edited, so an old decision stays explained by the figures of its day."""

    source = models.CharField(_("依据文件"), max_length=200)
    min_age_years = models.PositiveSmallIntegerField(_("申请入党最低年龄(周岁)"))
    talk_within_days = models.PositiveSmallIntegerField(_("收到申请后谈话期限(天)"))
    activist_min_months = models.PositiveSmallIntegerField(_("积极分子最短培养期(月)"))
    probation_months = models.PositiveSmallIntegerField(_("预备期(月)"))
    max_extensions = models.PositiveSmallIntegerField(_("预备期最多延长次数"))
    min_extension_months = models.PositiveSmallIntegerField(_("延长预备期最少(月)"))
    max_extension_months = models.PositiveSmallIntegerField(_("延长预备期最多(月)"))
    conversion_window_days = models.PositiveSmallIntegerField(_("即将转正提示(天)"))
    young_max_age = models.PositiveSmallIntegerField(_("青年职工年龄上限(周岁)"))
    few_members_below = models.PositiveSmallIntegerField(_("党员较少:少于(名)"))

    class Meta:
        verbose_name = _("发展党员规则版本")
        verbose_name_plural = _("发展党员规则版本")
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(condition=Q(min_age_years__gte=16), name="development_rules_age"),
            models.CheckConstraint(condition=Q(probation_months__gte=1), name="development_rules_probation"),
            models.CheckConstraint(condition=Q(max_extensions__lte=1), name="development_rules_one_extension"),
            models.CheckConstraint(
                condition=Q(min_extension_months__gte=1) & Q(min_extension_months__lte=F("max_extension_months")),
                name="development_rules_extension_range",
            ),
        ]

    def as_rules(self) -> pipeline.Rules:
        return pipeline.Rules(
            min_age_years=self.min_age_years,
            talk_within_days=self.talk_within_days,
            activist_min_months=self.activist_min_months,
            probation_months=self.probation_months,
            max_extensions=self.max_extensions,
            min_extension_months=self.min_extension_months,
            max_extension_months=self.max_extension_months,
            conversion_window_days=self.conversion_window_days,
            young_max_age=self.young_max_age,
            few_members_below=self.few_members_below,
        )


class DevelopmentFileQuerySet(models.QuerySet["DevelopmentFile"]):
    def restrict(self, user: User) -> Self:
        from .scoping import file_scope

        return self.filter(file_scope(user))


class DevelopmentFile(models.Model):
    """One person's development (入党材料): who, which party organization develops him, where he
    works, and the date of each stage he reached. Until he is admitted the file holds his ID
    number (encrypted, like a member's); from admission on the member record holds it and the
    file only links to it — one copy of the number."""

    name = models.CharField(_("姓名"), max_length=50)
    id_number_encrypted = models.TextField(blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    id_number_masked = models.CharField(_("公民身份号码"), max_length=18, blank=True, editable=False)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    party_organization = models.ForeignKey(
        "registry.PartyOrganization",
        on_delete=models.PROTECT,
        related_name="development_files",
        verbose_name=_("培养党组织"),
    )
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="development_files",
        verbose_name=_("工作单位"),
    )
    work_role = models.CharField(_("岗位类别"), max_length=16, choices=WorkRole.choices, default=WorkRole.OTHER)
    position = models.CharField(_("职务/岗位"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    member = models.OneToOneField(
        "registry.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="development_file",
        verbose_name=_("党员档案"),
    )
    applied_on = models.DateField(_("递交入党申请日期"))
    activist_on = models.DateField(_("确定为入党积极分子日期"), null=True, blank=True)
    candidate_on = models.DateField(_("确定为发展对象日期"), null=True, blank=True)
    probationary_on = models.DateField(_("接收为预备党员日期"), null=True, blank=True)
    full_on = models.DateField(_("转为正式党员日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = DevelopmentFileQuerySet.as_manager()

    class Meta:
        verbose_name = _("发展党员档案")
        verbose_name_plural = _("发展党员档案")
        ordering = ["party_organization_id", "applied_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="development_file_name_not_blank"),
            # The stages in order: a later stage's date only after the earlier one's.
            models.CheckConstraint(
                condition=Q(activist_on__isnull=True) | Q(activist_on__gte=F("applied_on")),
                name="development_file_activist_after_application",
            ),
            models.CheckConstraint(
                condition=Q(candidate_on__isnull=True)
                | (Q(activist_on__isnull=False) & Q(candidate_on__gte=F("activist_on"))),
                name="development_file_candidate_after_activist",
            ),
            models.CheckConstraint(
                condition=Q(probationary_on__isnull=True)
                | (Q(candidate_on__isnull=False) & Q(probationary_on__gte=F("candidate_on"))),
                name="development_file_probation_after_candidate",
            ),
            models.CheckConstraint(
                condition=Q(full_on__isnull=True)
                | (Q(probationary_on__isnull=False) & Q(full_on__gt=F("probationary_on"))),
                name="development_file_full_after_probation",
            ),
            # Admitted: a member record, which holds the ID number; before: the file holds it.
            models.CheckConstraint(
                condition=(Q(probationary_on__isnull=True) | Q(member__isnull=False)),
                name="development_file_admitted_is_member",
            ),
            models.CheckConstraint(
                condition=(Q(member__isnull=True) & Q(id_number_hash__isnull=False) & ~Q(id_number_encrypted=""))
                | (Q(member__isnull=False) & Q(id_number_hash__isnull=True) & Q(id_number_encrypted="")),
                name="development_file_one_copy_of_id_number",
            ),
            models.CheckConstraint(
                condition=Q(applied_on__gt=F("birth_date")), name="development_file_applied_after_birth"
            ),
        ]
        indexes = [models.Index(fields=["party_organization", "full_on"], name="development_file_partyorg")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("development:file_detail", args=[self.pk])

    @property
    def stage(self) -> pipeline.Stage:
        stage = self.record().stage
        assert stage is not None  # every file has its application date
        return stage

    @property
    def stage_label(self) -> str:
        return pipeline.STAGE_LABELS[self.stage]

    def stage_dates(self) -> dict[pipeline.Stage, dt.date | None]:
        return {stage: getattr(self, field) for stage, field in STAGE_FIELDS.items()}

    def record(self, steps: list[DevelopmentStep] | None = None) -> pipeline.Record:
        """The pure rules' view of this file (its steps from ``steps`` or the prefetched set)."""
        rows = steps if steps is not None else list(self.steps.all())
        return pipeline.Record(
            stages={stage: day for stage, day in self.stage_dates().items() if day is not None},
            steps={pipeline.Step(row.kind): row.done_on for row in rows},
            extension_months=sum(row.months for row in rows if row.kind == StepKind.EXTENSION),
        )


class DevelopmentStep(models.Model):
    """One step of a person's development, done on a day, recorded by someone."""

    file = models.ForeignKey(DevelopmentFile, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("步骤"), max_length=24, choices=StepKind.choices)
    done_on = models.DateField(_("日期"))
    months = models.PositiveSmallIntegerField(_("延长月数"), default=0)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("发展步骤")
        verbose_name_plural = _("发展步骤")
        ordering = ["done_on", "pk"]
        constraints = [
            # Each step once; so the probation is extended at most once.
            models.UniqueConstraint(fields=["file", "kind"], name="development_step_once"),
            models.CheckConstraint(condition=Q(kind__in=StepKind.values), name="development_step_kind_valid"),
            models.CheckConstraint(
                condition=(Q(kind=StepKind.EXTENSION) & Q(months__gte=1) & Q(months__lte=12))
                | (~Q(kind=StepKind.EXTENSION) & Q(months=0)),
                name="development_step_extension_months",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_id} {self.kind}@{self.done_on}"


class RecommendationKind(models.TextChoices):
    MEMBER_TO_WORK = "member_to_work", _("推荐党员到两新组织就业")
    EMPLOYEE_TO_PARTY = "employee_to_party", _("推荐优秀员工入党")
    MEMBER_TO_MANAGEMENT = "member_to_management", _("推荐优秀党员员工进入管理层")


class RecommendationResult(models.TextChoices):
    PENDING = "pending", _("待反馈")
    ACCEPTED = "accepted", _("已采纳")
    DECLINED = "declined", _("未采纳")


class Recommendation(models.Model):
    """One of the three recommendations (三个推荐): who recommended whom to what, when, and what
    came of it. The recommended is a member (to work, to management) or a development file (to
    join the party)."""

    kind = models.CharField(_("推荐类别"), max_length=24, choices=RecommendationKind.choices)
    party_organization = models.ForeignKey(
        "registry.PartyOrganization",
        on_delete=models.PROTECT,
        related_name="recommendations",
        verbose_name=_("推荐党组织"),
    )
    recommender = models.CharField(_("推荐人"), max_length=100)
    member = models.ForeignKey(
        "registry.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recommendations",
        verbose_name=_("被推荐党员"),
    )
    file = models.ForeignKey(
        DevelopmentFile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recommendations",
        verbose_name=_("被推荐员工"),
    )
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="recommendations",
        verbose_name=_("推荐到的两新组织"),
    )
    recommended_on = models.DateField(_("推荐日期"))
    note = models.CharField(_("说明"), max_length=500, blank=True)
    result = models.CharField(
        _("结果"), max_length=16, choices=RecommendationResult.choices, default=RecommendationResult.PENDING
    )
    result_on = models.DateField(_("结果日期"), null=True, blank=True)
    result_note = models.CharField(_("结果说明"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("三个推荐")
        verbose_name_plural = _("三个推荐")
        ordering = ["-recommended_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=RecommendationKind.values), name="development_rec_kind"),
            models.CheckConstraint(
                condition=(
                    Q(kind=RecommendationKind.EMPLOYEE_TO_PARTY) & Q(file__isnull=False) & Q(member__isnull=True)
                )
                | (~Q(kind=RecommendationKind.EMPLOYEE_TO_PARTY) & Q(member__isnull=False) & Q(file__isnull=True)),
                name="development_rec_person_matches_kind",
            ),
            models.CheckConstraint(
                condition=(Q(result=RecommendationResult.PENDING) & Q(result_on__isnull=True))
                | (~Q(result=RecommendationResult.PENDING) & Q(result_on__gte=F("recommended_on"))),
                name="development_rec_result_dated",
            ),
            models.CheckConstraint(condition=~Q(recommender=""), name="development_rec_recommender"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.person_name}"

    def get_absolute_url(self) -> str:
        return reverse("development:recommendation_detail", args=[self.pk])

    @property
    def person_name(self) -> str:
        return self.member.name if self.member is not None else self.file.name if self.file is not None else ""
