"""Code lists of standardization and the five-goods assessment: stable English codes (those of
``rules``), Chinese labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from . import rules


class FiveOnesItem(models.TextChoices):
    """The five ones of a standardized party organization (``docs/standardization.md``). A
    funding reward for one of them names it too."""

    ACTIVITY_ROOM = rules.ACTIVITY_ROOM, _("一个30平方米左右的活动室")
    BULLETIN_BOARD = rules.BULLETIN_BOARD, _("一块党员公示栏")
    SIGN_BOARD = rules.SIGN_BOARD, _("一块党组织标牌")
    PARTY_FLAG = rules.PARTY_FLAG, _("一面党旗")
    WORKING_RULES = rules.WORKING_RULES, _("一套工作制度")


class Dimension(models.TextChoices):
    LEADERSHIP = "leadership", _("领导班子好")
    TEAM = "team", _("队伍素质好")
    RULES = "rules", _("制度建设好")
    PERFORMANCE = "performance", _("工作业绩好")
    PUBLIC = "public", _("群众反映好")


class AssessmentResult(models.TextChoices):
    FIVE_GOODS = rules.FIVE_GOODS, _("达到“五个好”")
    NOT_MET = rules.NOT_MET, _("未达到")


# What each item must show, beside its label (the pages and the checker's form).
ITEM_HINTS = {
    rules.ACTIVITY_ROOM: _("面积(平方米)须达到政策标准,附活动室照片。"),
    rules.BULLETIN_BOARD: _("公示每名党员的照片、姓名、籍贯、入党时间和职务,附公示栏照片。"),
    rules.SIGN_BOARD: _("党组织名称标牌挂在显著位置,附照片。"),
    rules.PARTY_FLAG: _("活动室悬挂党旗,附照片。"),
    rules.WORKING_RULES: _(
        "五项制度:基本工作制度、党员教育管理制度、党内民主制度、关爱帮扶制度、主题活动制度,附制度文本或上墙照片。"
    ),
}
