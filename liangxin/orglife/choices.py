from django.db import models
from django.utils.translation import gettext_lazy as _


class Period(models.TextChoices):
    MONTH = "month", _("每月")
    QUARTER = "quarter", _("每季度")
    YEAR = "year", _("每年")


class GuestKind(models.TextChoices):
    """Who else took part: people who are not members of the party organization."""

    OTHER_PARTY_MEMBER = "other_party_member", _("其他党组织党员")
    MOBILE_MEMBER = "mobile_member", _("流动党员")
    COVERED_ORGANIZATION = "covered_organization", _("覆盖组织人员")
    OTHER = "other", _("其他人员")


class Involvement(models.TextChoices):
    """How an organization was involved in an activity (work coverage, docs/organization-life.md)."""

    HELD_IN = "held_in", _("活动举办地")
    TOOK_PART = "took_part", _("参加活动")
