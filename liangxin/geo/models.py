"""Administrative units (county → township → village/community) and supervisory departments.

Units are dated (valid_from / valid_to) so that a past year's report keeps that year's tree:
a township merged in 2027 is closed, not deleted, and its code stays resolvable for 2026.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

FAR_PAST = dt.date(1949, 10, 1)


class UnitLevel(models.IntegerChoices):
    COUNTY = 1, _("县(市、区)")
    TOWNSHIP = 2, _("乡镇(街道)")
    VILLAGE = 3, _("村(社区)")


# GB/T 2260 county codes have 6 digits; statistical-division township codes 9, villages 12.
CODE_LENGTH = {UnitLevel.COUNTY: 6, UnitLevel.TOWNSHIP: 9, UnitLevel.VILLAGE: 12}


class AdministrativeUnit(models.Model):
    code = models.CharField(_("区划代码"), max_length=12)
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("层级"), choices=UnitLevel.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级"),
    )
    # Materialised path of codes ("530324/530324001/530324001001"): subtree queries are one
    # indexed prefix match instead of a recursive walk.
    path = models.CharField(_("路径"), max_length=64, db_index=True)
    valid_from = models.DateField(_("生效日期"), default=FAR_PAST)
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(valid_to__isnull=True), name="geo_unit_code_current_unique"
            ),
            models.UniqueConstraint(fields=["code", "valid_from"], name="geo_unit_code_from_unique"),
            models.CheckConstraint(
                condition=(
                    Q(level=UnitLevel.COUNTY, code__regex=r"^[0-9]{6}$", parent__isnull=True)
                    | Q(level=UnitLevel.TOWNSHIP, code__regex=r"^[0-9]{9}$", parent__isnull=False)
                    | Q(level=UnitLevel.VILLAGE, code__regex=r"^[0-9]{12}$", parent__isnull=False)
                ),
                name="geo_unit_code_matches_level",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="geo_unit_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


class Department(models.Model):
    """A supervisory department (行业主管部门): the second axis of responsibility beside territory."""

    code = models.CharField(_("部门代码"), max_length=32, unique=True)
    name = models.CharField(_("部门名称"), max_length=100, unique=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("行业主管部门")
        verbose_name_plural = _("行业主管部门")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="geo_department_code_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


__all__ = ["CODE_LENGTH", "FAR_PAST", "AdministrativeUnit", "Department", "UnitLevel"]
