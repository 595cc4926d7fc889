"""Money on pages: ``{{ amount|yuan }}`` → ``1,250.50`` (rounded by the project's one rule, then
two decimals with thousands separators); ``—`` for no figure."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from liangxin.policy import funding_rules

register = template.Library()


@register.filter
def yuan(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return f"{funding_rules.yuan(Decimal(value)):,.2f}"


@register.filter
def percent(share: Any) -> str:
    return "—" if share is None or share == "" else funding_rules.percent(Decimal(share))


@register.filter
def category_label(code: str) -> str:
    return funding_rules.CATEGORY_LABELS.get(code, "")
