from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from liangxin.core.dates import today
from liangxin.core.forms import DateField

from .choices import Grouping, Part


class AsOfForm(forms.Form):
    as_of = DateField(label=_("截至日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_as_of(self) -> dt.date:
        value: dt.date | None = self.cleaned_data.get("as_of")
        now = today()
        return now if value is None or value > now else value

    def as_of_or_today(self) -> dt.date:
        return self.cleaned_data["as_of"] if self.is_valid() else today()


PERIOD_CHOICES = [("month", _("近12个月")), ("quarter", _("近8个季度")), ("year", _("近5年"))]


class DashboardForm(AsOfForm):
    period = forms.ChoiceField(label=_("走势"), required=False, choices=PERIOD_CHOICES)

    def period_and_count(self) -> tuple[str, int]:
        period = (self.cleaned_data.get("period") if self.is_valid() else "") or "month"
        return period, {"month": 12, "quarter": 8, "year": 5}[period]


class TableForm(AsOfForm):
    by = forms.ChoiceField(label=_("分组"), choices=Grouping.choices, required=False)

    def grouping(self) -> str:
        return (self.cleaned_data.get("by") if self.is_valid() else "") or Grouping.TOWNSHIP


class DrillDownForm(AsOfForm):
    indicator = forms.SlugField(max_length=40)
    by = forms.ChoiceField(choices=Grouping.choices, required=False)
    key = forms.CharField(max_length=40, required=False)
    part = forms.ChoiceField(choices=Part.choices, required=False)


class GapForm(AsOfForm):
    by = forms.ChoiceField(choices=Grouping.choices, required=False)
    key = forms.CharField(max_length=40, required=False)
