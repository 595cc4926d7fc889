"""The menu drawn from the role × page rules (``liangxin.accounts.access``)."""

from __future__ import annotations

from django import template

from liangxin.accounts import access

register = template.Library()


@register.simple_tag(takes_context=True)
def menu(context: template.Context) -> list[access.MenuItem]:
    """The menu entries the signed-in user may open, in menu order."""
    return access.menu_for(access.role_of(context.get("user")))
