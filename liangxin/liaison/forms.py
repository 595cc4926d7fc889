"""Forms of the liaison pages; every date, number, name and text a ``core.forms`` field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from liangxin.core.dates import today
from liangxin.core.forms import (
    ModelChoiceField,
    NameField,
    PastDateField,
    PickerField,
    TextField,
    TownshipFilterForm,
    year_field,
)
from liangxin.geo.models import AdministrativeUnit, Department
from liangxin.registry import pickers
from liangxin.registry.models import Organization


class FilterForm(TownshipFilterForm):
    """A township (all when left out) and, where offered, a year (all when left out)."""

    year = year_field(required=False)

    def __init__(self, *args: Any, townships: QuerySet[AdministrativeUnit], with_year: bool = False, **kwargs: Any):
        super().__init__(*args, townships=townships, **kwargs)
        if not with_year:
            del self.fields["year"]

    def chosen_year(self) -> int | None:
        return self.cleaned_data.get("year") if self.is_valid() else None


class PointForm(forms.Form):
    leader_name = NameField(label=_("联系领导"), max_length=50)
    leader_position = TextField(label=_("领导职务"), max_length=100)
    organization = PickerField(
        label=_("联系的两新组织"), picker=pickers.ORGANIZATIONS, queryset=Organization.objects.none()
    )
    started_on = PastDateField(label=_("建立日期"))
    notes = TextField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, organizations: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]


class VisitForm(forms.Form):
    visited_on = PastDateField(label=_("日期"))
    visitors = TextField(label=_("参加人员"), max_length=200)
    activity = TextField(label=_("开展的工作"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class DemonstrationForm(forms.Form):
    year = year_field(initial=lambda: today().year)
    organization = PickerField(label=_("两新组织"), picker=pickers.ORGANIZATIONS, queryset=Organization.objects.none())
    reason = TextField(label=_("命名理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    named_by = NameField(label=_("命名单位"), max_length=100, initial=_("县委两新组织党工委"))

    def __init__(self, *args: Any, organizations: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]


class JointUnitForm(forms.Form):
    department = ModelChoiceField(label=_("成员单位"), queryset=Department.objects.none())
    duties = TextField(label=_("职责"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    is_lead = forms.BooleanField(label=_("牵头单位"), required=False)
    contact_person = NameField(label=_("联络员"), max_length=50, required=False)
    contact_phone = TextField(label=_("联系电话"), max_length=32, required=False)

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
