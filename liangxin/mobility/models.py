"""Mobile party members (流动党员): the police records and their verification, the ledger, the
activity certificate, introduction letters, relation transfers, contacts and help records.

Rules in words: ``docs/mobile-members.md``. Writes go through ``services.py`` (one function per
transition); the database holds the invariants below as constraints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from liangxin.census.models import ImportMode

from . import transitions as t

if TYPE_CHECKING:
    from liangxin.accounts.models import User


def _valid_range(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name=f"{prefix}_valid_range"
    )


def _user_fk(label: StrOrPromise) -> models.ForeignKey[Any, Any]:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=label,
        db_index=False,  # never looked up by; accounts are disabled, not deleted
    )


# --- Where relations are held outside the county ------------------------------------------------


class ExternalPartyOrganization(models.Model):
    """A party organization outside the county (where an incoming member's relation is held, or
    where an outgoing one's goes): a name and a place, never a local ``PartyOrganization``."""

    name = models.CharField(_("党组织名称"), max_length=200)
    place_code = models.CharField(_("所在县(区划代码)"), max_length=6, blank=True)
    place = models.CharField(_("所在地"), max_length=200, blank=True)
    contact = models.CharField(_("联系方式"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("县外党组织")
        verbose_name_plural = _("县外党组织")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "place_code"], name="mobility_external_po_unique"),
            models.CheckConstraint(condition=~Q(name=""), name="mobility_external_po_name"),
        ]

    def __str__(self) -> str:
        return self.name


class ExternalRelation(models.Model):
    """A member's relation held by a party organization outside the county, over time (the local
    one is ``registry.PartyRelation``; a transfer closes one and opens the other)."""

    member = models.ForeignKey("registry.Member", on_delete=models.CASCADE, related_name="external_relations")
    party_organization = models.ForeignKey(
        ExternalPartyOrganization, on_delete=models.PROTECT, related_name="relations", verbose_name=_("党组织")
    )
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("截止日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("县外组织关系")
        verbose_name_plural = _("县外组织关系")
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(valid_to__isnull=True), name="mobility_external_relation_one_open"
            ),
            _valid_range("mobility_external_relation"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}→{self.party_organization_id}@{self.valid_from}"


# --- The ledger (信息管理台帐) -----------------------------------------------------------------------


class Direction(models.TextChoices):
    INFLOW = "in", _("流入")
    OUTFLOW = "out", _("流出")


class MobileMemberQuerySet(models.QuerySet["MobileMember"]):
    def restrict(self, user: User) -> Self:
        from .scoping import mobile_member_scope

        return self.filter(mobile_member_scope(user))


class MobileMember(models.Model):
    member = models.ForeignKey(
        "registry.Member", on_delete=models.PROTECT, related_name="mobility_records", verbose_name=_("党员")
    )
    direction = models.CharField(_("流向"), max_length=3, choices=Direction.choices)
    # The township responsible: where an incoming member lives, or where an outgoing one's
    # relation is held. It decides which clerk keeps the record (scoping.py).
    township = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("责任乡镇")
    )
    origin_code = models.CharField(_("流出地(区划代码)"), max_length=6, blank=True)
    destination_code = models.CharField(_("流入地(区划代码)"), max_length=6, blank=True)
    place = models.CharField(_("现居住地"), max_length=200, blank=True)
    employer = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("务工单位(本县登记)"),
    )
    employer_name = models.CharField(_("务工单位"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    # Dual activity: the local party organization the member takes part in (双重组织生活).
    takes_part_in = models.ForeignKey(
        "registry.PartyOrganization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("参加活动的党组织"),
    )
    # An outgoing member: the local party organization that keeps in touch.
    liaison = models.ForeignKey(
        "registry.PartyOrganization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("联系党组织"),
    )
    temporary = models.BooleanField(_("临时性、季节性务工"), default=False)
    since = models.DateField(_("流入/流出日期"))
    registered_on = models.DateField(_("登记日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=200, blank=True)
    registration = models.ForeignKey(
        "MigrantRecord",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("来源登记"),
    )
    created_by = _user_fk(_("登记人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    objects = MobileMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("流动党员")
        verbose_name_plural = _("流动党员")
        ordering = ["-registered_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(ended_on__isnull=True), name="mobility_member_one_open"
            ),
            models.CheckConstraint(condition=Q(direction__in=Direction.values), name="mobility_member_direction"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | (Q(ended_on__gte=F("registered_on")) & ~Q(end_reason="")),
                name="mobility_member_end_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["township", "ended_on"], name="mobility_member_township")]

    def __str__(self) -> str:
        return str(self.member)

    def get_absolute_url(self) -> str:
        return reverse("mobility:member_detail", args=[self.pk])


class ContactMethod(models.TextChoices):
    PHONE = "phone", _("电话")
    VISIT = "visit", _("走访")
    MESSAGE = "message", _("短信/微信")
    LETTER = "letter", _("书信")


class Contact(models.Model):
    """One contact with a mobile member, recording the "three knows" (知现状、知想法、知去向)."""

    mobile_member = models.ForeignKey(MobileMember, on_delete=models.CASCADE, related_name="contacts")
    contacted_on = models.DateField(_("联系日期"))
    method = models.CharField(_("联系方式"), max_length=8, choices=ContactMethod.choices)
    situation = models.TextField(_("现状"), max_length=1000)
    thoughts = models.TextField(_("想法"), max_length=1000, blank=True)
    whereabouts = models.TextField(_("去向"), max_length=1000, blank=True)
    recorded_by = _user_fk(_("记录人"))
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("联系记录")
        verbose_name_plural = _("联系记录")
        ordering = ["-contacted_on", "-pk"]
        indexes = [models.Index(fields=["mobile_member", "contacted_on"], name="mobility_contact_latest")]

    def __str__(self) -> str:
        return f"{self.mobile_member_id}@{self.contacted_on}"


# --- Numbers (certificates, letters) ----------------------------------------------------------------


class NumberKind(models.TextChoices):
    CERTIFICATE = "certificate", _("流动党员活动证")
    LETTER = "letter", _("党员证明信")
    TRANSFER = "transfer", _("组织关系介绍信")


class NumberSequence(models.Model):
    """The last serial given out per kind, issuing party organization and year. A serial is taken
    under this row's lock and never given back, so a number is never issued twice."""

    kind = models.CharField(max_length=16, choices=NumberKind.choices)
    issuer = models.ForeignKey("registry.PartyOrganization", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "issuer", "year"], name="mobility_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.kind}/{self.issuer_id}/{self.year}: {self.last}"


class CertificateStatus(models.TextChoices):
    APPLIED = t.APPLIED, _("已申请")
    APPROVED = t.APPROVED, _("已审核")
    REJECTED = t.REJECTED, _("未通过审核")
    ISSUED = t.ISSUED, _("已发放")
    VOIDED = t.VOIDED, _("已作废(补发)")
    REVOKED = t.REVOKED, _("已收回注销")


class VoidReason(models.TextChoices):
    LOST = "lost", _("遗失")
    DAMAGED = "damaged", _("损坏")


class CertificateQuerySet(models.QuerySet["ActivityCertificate"]):
    def restrict(self, user: User) -> Self:
        from .scoping import mobile_member_scope

        return self.filter(mobile_member_scope(user, prefix="mobile_member__"))


class ActivityCertificate(models.Model):
    """《流动党员活动证》: issued by the party organization that holds the member's relation."""

    mobile_member = models.ForeignKey(
        MobileMember, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("流动党员")
    )
    issuer = models.ForeignKey(
        "registry.PartyOrganization", on_delete=models.PROTECT, related_name="+", verbose_name=_("发证党组织")
    )
    status = models.CharField(_("状态"), max_length=10, choices=CertificateStatus.choices, default=t.APPLIED)
    applied_on = models.DateField(_("申请日期"))
    application_note = models.CharField(_("申请说明"), max_length=200, blank=True)
    reviewed_on = models.DateField(_("审核日期"), null=True, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    serial = models.PositiveIntegerField(_("序号"), null=True, blank=True)
    number = models.CharField(_("证号"), max_length=32, null=True, blank=True, unique=True)
    issued_on = models.DateField(_("发放日期"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    voided_on = models.DateField(_("作废日期"), null=True, blank=True)
    void_reason = models.CharField(_("作废原因"), max_length=8, choices=VoidReason.choices, blank=True)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by", verbose_name=_("补发自")
    )
    revoked_on = models.DateField(_("收回日期"), null=True, blank=True)
    revoke_reason = models.CharField(_("收回原因"), max_length=200, blank=True)
    created_by = _user_fk(_("经办人"))
    version = models.PositiveIntegerField(_("版本"), default=1)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("流动党员活动证")
        verbose_name_plural = _("流动党员活动证")
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CertificateStatus.values), name="mobility_cert_status"),
            # A serial is unique per issuer and year; voided and revoked ones keep theirs.
            models.UniqueConstraint(
                fields=["issuer", "year", "serial"], condition=Q(serial__isnull=False), name="mobility_cert_serial"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[t.APPLIED, t.APPROVED, t.REJECTED])
                | Q(number__isnull=False, serial__isnull=False, issued_on__isnull=False, valid_until__isnull=False),
                name="mobility_cert_issued_has_number",
            ),
            models.UniqueConstraint(
                fields=["mobile_member"],
                condition=Q(status__in=list(t.LIVE_CERTIFICATE)),
                name="mobility_cert_one_live",
            ),
            models.CheckConstraint(
                condition=~Q(status=t.VOIDED) | (Q(voided_on__isnull=False) & ~Q(void_reason="")),
                name="mobility_cert_voided_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status=t.REVOKED) | (Q(revoked_on__isnull=False) & ~Q(revoke_reason="")),
                name="mobility_cert_revoked_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.number or str(_("(未发放)"))

    def get_absolute_url(self) -> str:
        return reverse("mobility:certificate_detail", args=[self.pk])


class CheckResult(models.TextChoices):
    PASSED = "passed", _("合格")
    FAILED = "failed", _("不合格")


class CertificateCheck(models.Model):
    """The annual check (年度查验) of an issued certificate: one per certificate and year."""

    certificate = models.ForeignKey(ActivityCertificate, on_delete=models.CASCADE, related_name="checks")
    year = models.PositiveSmallIntegerField(_("查验年度"))
    checked_on = models.DateField(_("查验日期"))
    result = models.CharField(_("查验结果"), max_length=8, choices=CheckResult.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    checked_by = _user_fk(_("查验人"))

    class Meta:
        verbose_name = _("活动证年度查验")
        verbose_name_plural = _("活动证年度查验")
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["certificate", "year"], name="mobility_check_once_a_year")]

    def __str__(self) -> str:
        return f"{self.certificate_id}/{self.year}"


class IntroductionLetter(models.Model):
    """A party member's letter (党员证明信) for a temporary or seasonal worker, numbered like the
    certificates."""

    mobile_member = models.ForeignKey(MobileMember, on_delete=models.PROTECT, related_name="letters")
    issuer = models.ForeignKey(
        "registry.PartyOrganization", on_delete=models.PROTECT, related_name="+", verbose_name=_("开具党组织")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    serial = models.PositiveIntegerField(_("序号"))
    number = models.CharField(_("编号"), max_length=32, unique=True)
    issued_on = models.DateField(_("开具日期"))
    valid_until = models.DateField(_("有效期至"))
    addressee = models.CharField(_("致(接收党组织)"), max_length=200)
    created_by = _user_fk(_("经办人"))

    class Meta:
        verbose_name = _("党员证明信")
        verbose_name_plural = _("党员证明信")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "year", "serial"], name="mobility_letter_serial"),
            models.CheckConstraint(condition=Q(valid_until__gte=F("issued_on")), name="mobility_letter_validity"),
        ]

    def __str__(self) -> str:
        return self.number


# --- Relation transfers (组织关系转接) ----------------------------------------------------------------


class TransferDirection(models.TextChoices):
    OUT = "out", _("转出县外")
    IN = "in", _("从县外转入")


class TransferState(models.TextChoices):
    ISSUED = t.T_ISSUED, _("已开出")
    RECEIVED = t.T_RECEIVED, _("已接收")
    COMPLETED = t.T_COMPLETED, _("已办结")
    RETURNED = t.T_RETURNED, _("已退回")


class RelationTransfer(models.Model):
    member = models.ForeignKey("registry.Member", on_delete=models.PROTECT, related_name="transfers")
    mobile_member = models.ForeignKey(
        MobileMember, on_delete=models.PROTECT, null=True, blank=True, related_name="transfers"
    )
    direction = models.CharField(_("方向"), max_length=3, choices=TransferDirection.choices)
    letter_number = models.CharField(_("介绍信编号"), max_length=40)
    local = models.ForeignKey(
        "registry.PartyOrganization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("本县党组织"),
    )
    external = models.ForeignKey(
        ExternalPartyOrganization, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("县外党组织")
    )
    # The township of the local party organization: whose clerk handles the transfer.
    township = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("办理乡镇")
    )
    state = models.CharField(_("状态"), max_length=10, choices=TransferState.choices, default=t.T_ISSUED)
    issued_on = models.DateField(_("开出日期"))
    received_on = models.DateField(_("接收日期"), null=True, blank=True)
    completed_on = models.DateField(_("办结日期"), null=True, blank=True)
    returned_on = models.DateField(_("退回日期"), null=True, blank=True)
    return_reason = models.CharField(_("退回原因"), max_length=200, blank=True)
    created_by = _user_fk(_("经办人"))
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("组织关系转接")
        verbose_name_plural = _("组织关系转接")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=TransferState.values), name="mobility_transfer_state"),
            models.CheckConstraint(
                condition=Q(direction__in=TransferDirection.values), name="mobility_transfer_direction"
            ),
            models.CheckConstraint(
                condition=~Q(state=t.T_RETURNED) | (Q(returned_on__isnull=False) & ~Q(return_reason="")),
                name="mobility_transfer_returned_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(state=t.T_COMPLETED) | Q(completed_on__isnull=False, received_on__isnull=False),
                name="mobility_transfer_completed_dates",
            ),
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(state__in=list(t.PENDING_TRANSFER)),
                name="mobility_transfer_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return self.letter_number

    def get_absolute_url(self) -> str:
        return reverse("mobility:transfer_detail", args=[self.pk])


# --- Help records -------------------------------------------------------------------------------------


class HelpKind(models.TextChoices):
    LEFT_BEHIND = "left_behind", _("关心留守家庭")
    TRAINING = "training", _("返乡实用技术培训")
    STARTUP = "startup", _("返乡创业扶持")
    JOB_GUIDANCE = "job_guidance", _("就业指导与推荐")
    OTHER = "other", _("其他帮扶")


class HelpRecord(models.Model):
    mobile_member = models.ForeignKey(
        MobileMember, on_delete=models.PROTECT, related_name="help_records", verbose_name=_("流动党员")
    )
    township = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("乡镇")
    )
    kind = models.CharField(_("帮扶类别"), max_length=16, choices=HelpKind.choices)
    helped_on = models.DateField(_("日期"))
    description = models.TextField(_("帮扶内容"), max_length=2000)
    recorded_by = _user_fk(_("记录人"))

    class Meta:
        verbose_name = _("帮扶记录")
        verbose_name_plural = _("帮扶记录")
        ordering = ["-helped_on", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=HelpKind.values), name="mobility_help_kind")]

    def __str__(self) -> str:
        return f"{self.mobile_member_id} {self.kind}@{self.helped_on}"


# --- Intake: the police records (凡进必登、凡登必核) ------------------------------------------------------


class BatchStatus(models.TextChoices):
    PREVIEWED = "previewed", _("已预览")
    APPLIED = "applied", _("已导入")
    REVERTED = "reverted", _("已撤销")


class IntakeBatch(models.Model):
    unit = models.ForeignKey("geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+")
    created_by = _user_fk(_("导入人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    file_name = models.CharField(_("文件名"), max_length=255)
    file_sha256 = models.CharField(max_length=64)
    # The police file as uploaded; deleted (and ``original_erased_at`` set) once a record of it is
    # verified "not a member", since it holds that person's data.
    original = models.FileField(_("原始文件"), upload_to="migrants/%Y/%m/", max_length=255, blank=True)
    original_erased_at = models.DateTimeField(_("原始文件删除时间"), null=True, blank=True)
    sheet_name = models.CharField(_("工作表"), max_length=100, blank=True)
    header_row = models.PositiveIntegerField(_("表头行"), null=True, blank=True)
    # The census import's two modes (one home for them).
    mode = models.CharField(_("导入方式"), max_length=16, choices=ImportMode.choices, default=ImportMode.ALL_OR_NOTHING)
    status = models.CharField(_("状态"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.PREVIEWED)
    rows_total = models.PositiveIntegerField(_("数据行"), default=0)
    new_count = models.PositiveIntegerField(_("新增"), default=0)
    changed_count = models.PositiveIntegerField(_("变更"), default=0)
    unchanged_count = models.PositiveIntegerField(_("无变化"), default=0)
    rejected_count = models.PositiveIntegerField(_("退回"), default=0)
    error_count = models.PositiveIntegerField(_("错误"), default=0)
    warning_count = models.PositiveIntegerField(_("警告"), default=0)
    applied_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    reverted_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    reverted_by = _user_fk(_("撤销人"))

    class Meta:
        verbose_name = _("流动人口信息导入")
        verbose_name_plural = _("流动人口信息导入")
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=BatchStatus.values), name="mobility_batch_status"),
        ]

    def __str__(self) -> str:
        return self.file_name

    def get_absolute_url(self) -> str:
        return reverse("mobility:batch_detail", args=[self.pk])


class IntakeProblem(models.Model):
    batch = models.ForeignKey(IntakeBatch, on_delete=models.CASCADE, related_name="problems")
    sheet = models.CharField(max_length=100, blank=True)
    row = models.PositiveIntegerField(null=True, blank=True)
    column = models.CharField(max_length=100, blank=True)
    field = models.CharField(max_length=64, blank=True)
    value = models.TextField(blank=True)
    severity = models.CharField(max_length=8)
    code = models.CharField(max_length=48)
    message = models.TextField()

    class Meta:
        ordering = ["batch", "row", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(severity__in=["error", "warning"]), name="mobility_problem_severity")
        ]

    def __str__(self) -> str:
        return f"{self.row}:{self.code}"


class RecordStatus(models.TextChoices):
    PENDING = "pending", _("待核实")
    CONFIRMED = "confirmed", _("确认为已登记党员")
    NEW_MOBILE = "new_mobile", _("新登记流动党员(组织关系在县外)")
    NOT_MEMBER = "not_member", _("非党员")
    NOT_FOUND = "not_found", _("查无此人")


class MatchKind(models.TextChoices):
    EXACT = "exact", _("身份号码一致")
    CANDIDATES = "candidates", _("疑似")
    NONE = "none", _("无匹配")


class MigrantRecordQuerySet(models.QuerySet["MigrantRecord"]):
    def restrict(self, user: User) -> Self:
        from .scoping import record_scope

        return self.filter(record_scope(user))


class MigrantRecord(models.Model):
    """A police record of a party member among the migrants: a registration to verify."""

    batch = models.ForeignKey(IntakeBatch, on_delete=models.PROTECT, related_name="records", null=True, blank=True)
    row = models.PositiveIntegerField(_("行号"), null=True, blank=True)
    township = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("所在乡镇")
    )
    # Personal data of the police file: blanked when the record is verified "not a member".
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    id_number_encrypted = models.TextField(blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_number_masked = models.CharField(_("公民身份号码"), max_length=18, blank=True, editable=False)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    household_address = models.CharField(_("户籍地址"), max_length=200, blank=True)
    current_address = models.CharField(_("现住址"), max_length=200, blank=True)
    employer_name = models.CharField(_("务工单位"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    # What the statistics keep.
    sex = models.CharField(_("性别"), max_length=1, blank=True)
    origin_code = models.CharField(_("来自(区划代码)"), max_length=6, blank=True)
    arrived_on = models.DateField(_("来县日期"), null=True, blank=True)
    registered_on = models.DateField(_("登记日期"))
    due_on = models.DateField(_("核实期限"))
    match_kind = models.CharField(_("比对结果"), max_length=10, choices=MatchKind.choices)
    matched_member = models.ForeignKey(
        "registry.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    candidates = models.JSONField(_("疑似党员"), default=list, blank=True)
    status = models.CharField(_("核实结果"), max_length=12, choices=RecordStatus.choices, default=RecordStatus.PENDING)
    verified_on = models.DateField(_("核实日期"), null=True, blank=True)
    verified_by = _user_fk(_("核实人"))
    verification_note = models.CharField(_("核实说明"), max_length=200, blank=True)
    mobile_member = models.ForeignKey(
        MobileMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("台账")
    )
    erased_at = models.DateTimeField(_("个人信息删除时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = MigrantRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("流动人口党员登记")
        verbose_name_plural = _("流动人口党员登记")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RecordStatus.values), name="mobility_record_status"),
            # One registration waiting per person: a second police file adds nothing new.
            models.UniqueConstraint(
                fields=["id_number_hash"],
                condition=Q(status=RecordStatus.PENDING),
                name="mobility_record_one_pending",
            ),
            models.CheckConstraint(
                condition=Q(status=RecordStatus.PENDING) | Q(verified_on__isnull=False),
                name="mobility_record_verified_has_date",
            ),
            # "Not a member": nothing personal left once verified.
            models.CheckConstraint(
                condition=~Q(status=RecordStatus.NOT_MEMBER)
                | Q(
                    name="",
                    id_number_encrypted="",
                    id_number_hash="",
                    id_number_masked="",
                    birth_date__isnull=True,
                    household_address="",
                    current_address="",
                    employer_name="",
                    phone="",
                    erased_at__isnull=False,
                ),
                name="mobility_record_not_member_erased",
            ),
        ]
        indexes = [models.Index(fields=["township", "status", "due_on"], name="mobility_record_todo")]

    def __str__(self) -> str:
        return self.name or str(_("(个人信息已删除)"))

    def get_absolute_url(self) -> str:
        return reverse("mobility:registration_detail", args=[self.pk])
