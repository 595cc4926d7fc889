from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def pct(value: Decimal | None) -> str:
    """A share as a percentage with one decimal ("66.7%"); "—" when there is nothing to divide."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"


@register.filter
def figure(value: Decimal | None) -> str:
    """A count or sum without decimals, grouped by thousands."""
    if value is None:
        return "—"
    return f"{int(value):,}"
