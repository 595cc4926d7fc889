"""A section's tab bar (``templates/<app>/_tabs.html``): one tag per link, so that the page a link
names is written once, for its address and for marking it as the page shown."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def tab(context: template.Context, view_name: str, label: str, year: int | None = None) -> SafeString:
    """A link to ``view_name`` (with ``?year=`` when a year is given), ``aria-current="page"`` when
    it is the page being shown."""
    url = reverse(view_name) + (f"?year={int(year)}" if year else "")
    match = getattr(context.get("request"), "resolver_match", None)
    if match is not None and match.view_name == view_name:
        return format_html('<a href="{}" aria-current="page">{}</a>', url, label)
    return format_html('<a href="{}">{}</a>', url, label)
