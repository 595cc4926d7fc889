"""Forms of the talent pool's pages: dates, text, names and money through ``core.forms``. They
parse; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from liangxin.core.dates import today
from liangxin.core.forms import DateField, MoneyField, NameField, PickerField, TextField
from liangxin.geo.models import AdministrativeUnit
from liangxin.registry import pickers
from liangxin.registry.models import Member, Organization, PartyOrganization

from .models import AssignmentMethod, Availability, ManagementRole, Post


def _date(label: Any, **kwargs: Any) -> DateField:
    return DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}), initial=today, **kwargs)


class PoolFilterForm(forms.Form):
    q = forms.CharField(label=_("姓名或专长"), required=False, max_length=50, widget=forms.SearchInput)
    township = forms.ModelChoiceField(
        label=_("乡镇"), queryset=AdministrativeUnit.objects.none(), required=False, empty_label=_("全部乡镇")
    )
    availability = forms.ChoiceField(
        label=_("可派情况"), choices=[("", _("全部")), *Availability.choices], required=False
    )
    assigned = forms.ChoiceField(
        label=_("任职"), choices=[("", _("全部")), ("yes", _("在任")), ("no", _("未任职"))], required=False
    )
    to_complete = forms.BooleanField(label=_("只看待完善"), required=False)

    def __init__(self, data: Any, *, townships: QuerySet[AdministrativeUnit]) -> None:
        super().__init__(data)
        self.fields["township"].queryset = townships  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return self.cleaned_data


class PoolEntryForm(forms.Form):
    name = NameField(label=_("姓名"), max_length=50, required=False, help_text=_("关联党员时取党员的姓名。"))
    township = forms.ModelChoiceField(label=_("所属乡镇"), queryset=AdministrativeUnit.objects.none())
    # Found by searching (a county's members are too many to list); checked against the scope.
    member = PickerField(
        label=_("关联党员"),
        picker=pickers.MEMBERS,
        queryset=Member.objects.none(),
        required=False,
        help_text=_("是党员的关联党员,身份证号不再重复登记;不是党员的留空。"),
    )
    id_number = TextField(
        label=_("公民身份号码"),
        max_length=18,
        required=False,
        help_text=_("不是党员的可填;已登记的不显示,留空即不变。"),
    )
    skills = TextField(label=_("专长"), max_length=200, required=False)
    availability = forms.ChoiceField(label=_("可派情况"), choices=Availability.choices)

    def __init__(
        self, *args: Any, townships: QuerySet[AdministrativeUnit], members: QuerySet[Member], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = townships  # type: ignore[attr-defined]
        self.fields["member"].queryset = members  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("member") and not data.get("name") and "name" not in self.errors:
            self.add_error("name", _("请填写姓名,或选择关联的党员。"))
        return data


class _TermForm(forms.Form):
    valid_from = _date(_("起始日期"))
    method = forms.ChoiceField(label=_("选派方式"), choices=AssignmentMethod.choices)
    subsidy = MoneyField(label=_("补贴(元/年)"), required=False)


class InstructorAssignForm(_TermForm):
    organization = forms.ModelChoiceField(label=_("派驻组织"), queryset=Organization.objects.none())
    field_order = ["organization", "valid_from", "method", "subsidy"]

    def __init__(self, *args: Any, organizations: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]


class PostAssignForm(_TermForm):
    party_organization = forms.ModelChoiceField(label=_("党组织"), queryset=PartyOrganization.objects.none())
    post = forms.ChoiceField(label=_("职务"), choices=Post.choices)
    management_role = forms.ChoiceField(
        label=_("在组织管理层的职务"),
        choices=ManagementRole.choices,
        required=False,
        help_text=_("书记是出资人/负责人即“一肩挑”,是管理层即“交叉任职”;出资人或管理层任委员即“双向进入”。"),
    )
    field_order = ["party_organization", "post", "management_role", "valid_from", "method", "subsidy"]

    def __init__(self, *args: Any, party_organizations: QuerySet[PartyOrganization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party_organization"].queryset = party_organizations  # type: ignore[attr-defined]


class EndForm(forms.Form):
    valid_to = _date(_("结束日期"))
    reason = TextField(label=_("结束原因"), max_length=200)
