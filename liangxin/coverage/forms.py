from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from liangxin.core.dates import today
from liangxin.core.forms import DateField

from .choices import Grouping, Part
from .forecast import MONTH


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

    def trend_period(self) -> str:
        return (self.cleaned_data.get("period") if self.is_valid() else "") or MONTH


class TableForm(AsOfForm):
    by = forms.ChoiceField(label=_("分组"), choices=Grouping.choices, required=False)

    def grouping(self) -> str:
        return (self.cleaned_data.get("by") if self.is_valid() else "") or Grouping.TOWNSHIP


# The drill-down list's sort keys → its columns (organizations; party organizations sort by the
# first three). A leading "-" sorts the other way.
DRILL_SORTS = {
    "township": ("township__code", "name_normalized", "pk"),
    "name": ("name_normalized", "pk"),
    "founded_on": ("founded_on", "pk"),
    "employees": ("employees_on", "pk"),
    "full_members": ("full_members_on", "pk"),
}
PARTY_DRILL_SORTS = {
    "township": ("township__code", "name", "pk"),
    "name": ("name", "pk"),
    "founded_on": ("founded_on", "pk"),
}


class DrillDownForm(AsOfForm):
    indicator = forms.SlugField(max_length=40)
    by = forms.ChoiceField(choices=Grouping.choices, required=False)
    key = forms.CharField(max_length=40, required=False)
    part = forms.ChoiceField(choices=Part.choices, required=False)
    sort = forms.ChoiceField(
        required=False, choices=[("", "")] + [(f"{d}{k}", k) for k in DRILL_SORTS for d in ("", "-")]
    )

    def ordering(self, *, party: bool) -> tuple[str, ...] | None:
        """The order_by of the chosen sort, None for the list's own order (or a key that does
        not apply to the subject)."""
        sort = self.cleaned_data.get("sort") or ""
        key = sort.lstrip("-")
        columns = (PARTY_DRILL_SORTS if party else DRILL_SORTS).get(key)
        if not columns:
            return None
        if sort.startswith("-"):
            return tuple(f"-{c}" for c in columns)
        return columns


class GapForm(AsOfForm):
    by = forms.ChoiceField(choices=Grouping.choices, required=False)
    key = forms.CharField(max_length=40, required=False)
