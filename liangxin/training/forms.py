"""Forms of the training pages; every date, number, name and text a ``core.forms`` field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from liangxin.core.forms import (
    DateField,
    IntegerField,
    ModelChoiceField,
    NameField,
    PastDateField,
    PickerField,
    TextField,
    YearFilterForm,
)
from liangxin.geo.models import AdministrativeUnit
from liangxin.registry import pickers
from liangxin.registry.models import Member, Organization, PartyOrganization

from . import rules
from .models import AttendeeKind


class TrainingFilterForm(YearFilterForm):
    """The year a training page shows (this year when left out) and, where offered, a township and an audience."""

    audience = forms.ChoiceField(
        label=_("培训对象"), choices=[("", _("全部")), *rules.AUDIENCE_LABELS.items()], required=False
    )

    def chosen_audience(self) -> str | None:
        return (self.cleaned_data.get("audience") or None) if self.is_valid() else None


class TrainingForm(forms.Form):
    title = NameField(label=_("培训名称"), max_length=200)
    starts_on = PastDateField(label=_("开始日期"))
    ends_on = PastDateField(label=_("结束日期"))
    hours = forms.DecimalField(
        label=_("学时"), max_digits=5, decimal_places=1, min_value=Decimal("0.5"), max_value=Decimal(1000)
    )
    organizer = NameField(label=_("主办单位"), max_length=100)
    location = TextField(label=_("地点"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("结束日期不能早于开始日期。"))
        return data


class AttendeeForm(forms.Form):
    kind = forms.ChoiceField(label=_("参训身份"), choices=AttendeeKind.choices)
    party_organization = ModelChoiceField(
        label=_("党组织(书记参训)"), queryset=PartyOrganization.objects.none(), required=False
    )
    # Found by searching (a county has too many to list); the posted id is checked against the scope.
    member = PickerField(label=_("党员"), picker=pickers.MEMBERS, queryset=Member.objects.none(), required=False)
    organization = PickerField(
        label=_("两新组织(业主参训)"),
        picker=pickers.ORGANIZATIONS,
        queryset=Organization.objects.none(),
        required=False,
    )
    person_name = NameField(
        label=_("姓名"), max_length=50, required=False, help_text=_("其他人员必填;业主可填,未登记书记的党组织必填")
    )
    township = ModelChoiceField(
        label=_("所属乡镇(其他人员)"), queryset=AdministrativeUnit.objects.none(), required=False
    )

    def __init__(
        self,
        *args: Any,
        party_organizations: QuerySet[PartyOrganization],
        members: QuerySet[Member],
        organizations: QuerySet[Organization],
        townships: QuerySet[AdministrativeUnit],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party_organization"].queryset = party_organizations  # type: ignore[attr-defined]
        self.fields["member"].queryset = members  # type: ignore[attr-defined]
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]
        self.fields["township"].queryset = townships  # type: ignore[attr-defined]


class RuleVersionForm(forms.Form):
    name = NameField(label=_("版本名称"), max_length=100)
    effective_from = DateField(label=_("生效日期"), help_text=_("一年的要求按该年12月31日有效的版本"))
    source = TextField(label=_("依据文件"), max_length=200)
    secretary_times = IntegerField(label=_("党组织书记每年培训次数"), min_value=0, max_value=12)
    party_worker_times = IntegerField(label=_("专职党务工作者每年培训次数"), min_value=0, max_value=12)
    owner_times = IntegerField(label=_("业主每年培训次数"), min_value=0, max_value=12)
    notes = TextField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
