"""The menu and page links drawn from the role × page rules (``liangxin.accounts.access``)."""

from __future__ import annotations

from typing import Any

from django import template

from liangxin.accounts import access

register = template.Library()


def _role(user: Any) -> str | None:
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return getattr(user, "role", None)


@register.simple_tag(takes_context=True)
def menu(context: template.Context) -> list[access.MenuItem]:
    """The menu entries the signed-in user may open, in menu order."""
    return access.menu_for(_role(context.get("user")))


@register.filter
def may_open(user: Any, view_name: str) -> bool:
    """``{% if user|may_open:"formation:organization_plan" %}``: whether to show a link."""
    return access.may_open(_role(user), view_name)
