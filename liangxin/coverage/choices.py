"""Code lists of the coverage app. Stored values are stable English codes; labels are Chinese."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from . import values


class Subject(models.TextChoices):
    ORGANIZATION = "organization", _("两新组织")
    PARTY_ORGANIZATION = "party_organization", _("党组织")


class IndicatorKind(models.TextChoices):
    SHARE = values.SHARE, _("比例")
    COUNT = values.COUNT, _("计数")
    SUM = values.SUM, _("合计")


class Grouping(models.TextChoices):
    COUNTY = "county", _("合计")
    TOWNSHIP = "township", _("按乡镇(街道)")
    DEPARTMENT = "department", _("按行业主管部门")
    CATEGORY = "category", _("按组织类别")
    TYPE = "type", _("按组织类型")
    SIZE = "size", _("按规模")


class Part(models.TextChoices):
    """Which organizations behind a figure a drill-down lists."""

    NUMERATOR = "numerator", _("已达标")
    COMPLEMENT = "complement", _("未达标")
    DENOMINATOR = "denominator", _("全部")
