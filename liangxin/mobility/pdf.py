"""The printable activity certificate: HTML from a template, rendered to PDF by WeasyPrint with a
Chinese font (Debian's ``fonts-noto-cjk``; any installed CJK font fontconfig finds will do)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, which only this page needs

    html = render_to_string(template, context)
    return bytes(HTML(string=html).write_pdf())
