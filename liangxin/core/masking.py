"""Masked forms of personal data, for every screen, export and audit record that shows them to
someone who may not see the whole value. Pure functions, no Django.

What is shown of a member, and why it cannot be rebuilt into the ID number, is explained in
``docs/personal-data.md``.
"""

from __future__ import annotations

import datetime as dt


def mask_phone(phone: str) -> str:
    """``13812345678`` → ``138****5678``: enough to recognise a number, not to call it. Numbers
    of fewer than 8 digits are masked whole. A masked number stays as it is, so masking twice
    (an audit record written masked, masked again on the page) shows the same."""
    if "*" in phone:
        return phone
    digits = "".join(ch for ch in phone if ch.isdigit())
    if not digits:
        return ""
    if len(digits) < 8:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def birth_year(value: dt.date | str | None) -> str:
    """The year of a birth date (a date or its ISO text), never the day."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.date):
        return str(value.year)
    return str(value)[:4]
