"""Append-only, hash-chained audit log.

Each record carries the hash of the one before it, keyed with HMAC-SHA256 over every column
(``audit.chain``), so editing, inserting or deleting a record breaks the chain from that point
on. Records are written only by ``audit.services``; database triggers refuse to change any and to
delete one younger than six months (``audit.retention``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    MERGE = "merge", _("合并")
    DEREGISTER = "deregister", _("注销")
    VIEW_ID_NUMBER = "view_id_number", _("查看完整身份证号")
    EXPORT = "export", _("导出")
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOGOUT = "logout", _("退出")
    PERMISSION_CHANGE = "permission_change", _("权限变更")
    DISABLE = "disable", _("停用")
    ENABLE = "enable", _("启用")
    PASSWORD_RESET = "password_reset", _("重置密码")
    IMPORT = "import", _("导入")
    REVERT = "revert", _("撤销导入")
    # Census campaign submissions (campaigns.services): one action per transition.
    CAMPAIGN_START = "campaigns.start", _("开始填报")
    CAMPAIGN_STAGE = "campaigns.stage", _("上传摸底表")
    CAMPAIGN_SUBMIT = "campaigns.submit", _("上报")
    CAMPAIGN_RETURN = "campaigns.return", _("退回")
    CAMPAIGN_EDIT_AGAIN = "campaigns.edit_again", _("退回后重新填报")
    CAMPAIGN_APPROVE = "campaigns.approve", _("审核通过")
    CAMPAIGN_REOPEN = "campaigns.reopen", _("重新打开")
    CAMPAIGN_WITHDRAW = "campaigns.withdraw", _("撤回上报")
    CAMPAIGN_DECLARE_NEW = "campaigns.declare_new", _("确认同名不同代码的行为新组织")
    # Login security (security app).
    UNLOCK = "security.unlock", _("解除登录锁定")
    TWO_FACTOR_ENROL = "security.2fa_enrol", _("启用两步验证")
    TWO_FACTOR_DISABLE = "security.2fa_disable", _("停用两步验证")
    TWO_FACTOR_RESET = "security.2fa_reset", _("重置他人两步验证")
    TWO_FACTOR_CODES_RENEWED = "security.2fa_codes_renew", _("重新生成恢复码")
    TWO_FACTOR_RECOVERY_USED = "security.2fa_recovery_used", _("使用恢复码登录")
    # Census files kept by the system, and the column mappings remembered for a unit.
    CENSUS_UPLOAD = "census.upload", _("摸底导入:上传文件")
    CENSUS_PREVIEW = "census.preview", _("摸底导入:校验预览")
    CENSUS_MAPPING = "census.mapping", _("摸底导入:修改列对应")
    # Reconciling the register with registration lists (reconcile.services).
    RECONCILE_UPLOAD = "reconcile.upload", _("登记比对:上传名单")
    RECONCILE_ACCEPT = "reconcile.accept", _("登记比对:采纳")
    RECONCILE_REJECT = "reconcile.reject", _("登记比对:驳回")
    RECONCILE_REVERT = "reconcile.revert", _("登记比对:撤销批次")
    # Funding (funding.services): a full view of a member's dues base, and the county's money moves.
    VIEW_DUES_BASE = "funding.view_dues_base", _("查看党费计算基数")
    FUNDING_ALLOCATE = "funding.allocate", _("拨付党建工作经费")
    FUNDING_RETURN_DUES = "funding.return_dues", _("返还党费留存部分")
    REWARD_APPROVE = "funding.reward_approve", _("批准以奖代补")
    REWARD_REJECT = "funding.reward_reject", _("驳回以奖代补")
    # Backups (security.backup).
    BACKUP = "security.backup", _("备份")
    RESTORE = "security.restore", _("从备份恢复")
    # The chain itself (audit.services): written by the system, never by a person.
    CHAIN_KEYED = "audit.chain_keyed", _("审计链启用密钥")
    CHAIN_BREAK = "audit.chain_break", _("审计链断裂")


class AuditRecord(models.Model):
    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    # Kept as text too, so the record still says who it was if the account is renamed.
    actor_username = models.CharField(_("操作人账号"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=32, choices=AuditAction.choices)
    object_type = models.CharField(_("对象类型"), max_length=64, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    remote_addr = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    # Ties together the records one request (or one background job it queued) wrote.
    request_id = models.CharField(_("请求编号"), max_length=32, blank=True, default="", db_index=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.get_action_display()} {self.object_repr}"
