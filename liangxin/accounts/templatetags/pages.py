"""The menu drawn from the role × page rules (``liangxin.accounts.access``)."""

from __future__ import annotations

from django import template

from liangxin.accounts import access

register = template.Library()


@register.simple_tag(takes_context=True)
def menu(context: template.Context) -> list[access.MenuItem]:
    """The menu entries the signed-in user may open, in menu order."""
    return access.menu_for(access.role_of(context.get("user")))


@register.simple_tag(takes_context=True)
def may_open(context: template.Context, view_name: str) -> bool:
    """Whether the signed-in user may open the page (for links outside the menu)."""
    return access.may_open(access.role_of(context.get("user")), view_name)
