"""The form fields every form takes dates and text with: one home for what a date or a name may be.

- ``DateField``: a date from ``EARLIEST`` (1900) to ``PLANNING_YEARS`` years from today. Dates
  beyond either end are typing errors (0001-01-01, 9999-12-31, 2099-01-01), and they would
  break the date arithmetic of the pages that use them.
- ``PastDateField``: a date when something happened (figures took effect, an organization was
  deregistered, a party organization founded): not after today either.
- ``TextField``: text, trimmed of white space *and* of invisible characters (zero-width spaces,
  byte-order marks, direction marks) at both ends, so text made of nothing visible counts as
  empty: a required field says so.
- ``NameField``: a name (of an organization, a party organization, a person, a campaign): text
  with at least one letter or digit, and no control or invisible character inside it.
- ``IntegerField``: a whole number no larger than the smallest integer column holds
  (2,147,483,647 on PostgreSQL): a larger one made the database raise, a 500.

A test walks every form of the project and fails on a ``forms.DateField``, an unbounded integer
field, a required text field or a name field that does not use these
(``core/tests/test_form_fields.py``).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .dates import today

EARLIEST = dt.date(1900, 1, 1)
PLANNING_YEARS = 10
LARGEST_INTEGER = 2_147_483_647

# Characters that show nothing: format characters (zero-width space and joiners, byte-order mark,
# direction marks, soft hyphen), controls, and every kind of space.
_INVISIBLE_CATEGORIES = {"Cf", "Cc", "Zs", "Zl", "Zp"}


def is_invisible(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) in _INVISIBLE_CATEGORIES


def strip_invisible(value: str) -> str:
    start, end = 0, len(value)
    while start < end and is_invisible(value[start]):
        start += 1
    while end > start and is_invisible(value[end - 1]):
        end -= 1
    return value[start:end]


def latest_date() -> dt.date:
    now = today()
    try:
        return now.replace(year=now.year + PLANNING_YEARS)
    except ValueError:  # 29 February
        return now.replace(year=now.year + PLANNING_YEARS, day=28)


class DateField(forms.DateField):
    def validate(self, value: Any) -> None:
        super().validate(value)
        if value in self.empty_values:
            return
        what = str(self.label or _("日期"))
        if value < EARLIEST:
            raise ValidationError(
                _("%(what)s不能早于 %(date)s,请检查年份。") % {"what": what, "date": f"{EARLIEST:%Y-%m-%d}"},
                code="too_early",
            )
        latest = self.latest()
        if value > latest:
            raise ValidationError(self.too_late_message(what, latest), code="too_late")

    def latest(self) -> dt.date:
        return latest_date()

    def too_late_message(self, what: str, latest: dt.date) -> str:
        return _("%(what)s不能晚于 %(date)s,请检查年份。") % {"what": what, "date": f"{latest:%Y-%m-%d}"}


class PastDateField(DateField):
    def latest(self) -> dt.date:
        return today()

    def too_late_message(self, what: str, latest: dt.date) -> str:
        return _("%(what)s不能晚于今天(%(date)s):记录的是已经发生的事。") % {"what": what, "date": f"{latest:%Y-%m-%d}"}


class IntegerField(forms.IntegerField):
    def __init__(self, *, max_value: int = LARGEST_INTEGER, **kwargs: Any) -> None:
        super().__init__(max_value=min(max_value, LARGEST_INTEGER), **kwargs)


class TextField(forms.CharField):
    default_error_messages = {"required": gettext_lazy("请填写这一项(只有空格或不可见字符的不算)。")}

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        if isinstance(value, str) and self.strip:
            value = strip_invisible(value)
            if value in self.empty_values:
                return self.empty_value
        return value


class NameField(TextField):
    default_error_messages = {"required": gettext_lazy("请填写名称(只有空格或不可见字符的不算)。")}

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value in self.empty_values:
            return
        if not any(unicodedata.category(ch)[0] in "LN" for ch in value):
            raise ValidationError(_("名称至少要有一个汉字、字母或数字。"), code="no_letters")
        if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
            raise ValidationError(_("名称中有控制字符或不可见字符,请删除后重新输入。"), code="invisible")
