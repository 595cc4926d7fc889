"""Code lists of funding. Stored values are stable English codes; labels are Chinese.

``LedgerKind`` repeats the pure ledger's kinds with gettext labels; a test keeps them equal."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from liangxin.standards.choices import FiveOnesItem  # the checklist's items, named by a reward

from . import ledger

__all__ = ["ActivityFundStatus", "FiveOnesItem", "LedgerKind", "RewardKind", "RewardStatus"]


class LedgerKind(models.TextChoices):
    ALLOCATION = ledger.ALLOCATION, _("党建工作经费拨付")
    DUES_RETURN = ledger.DUES_RETURN, _("党费留存部分返还")
    REWARD = ledger.REWARD, _("以奖代补")
    SPENDING = ledger.SPENDING, _("经费支出")


class RewardStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class RewardKind(models.TextChoices):
    """What the reward is for: the speech names self-built activity rooms and service centers."""

    ACTIVITY_ROOM = "activity_room", _("自建党组织活动场所")
    SERVICE_CENTER = "service_center", _("党员服务中心")
    STANDARDIZATION = "standardization", _("规范化建设(“五个一”)")
    OTHER = "other", _("其他")


class ActivityFundStatus(models.TextChoices):
    BELOW = "below", _("低于下限")
    WITHIN = "within", _("在范围内")
    ABOVE = "above", _("高于上限")
    NO_PAYROLL = "no_payroll", _("无工资总额数据")
