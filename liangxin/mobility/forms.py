"""Forms of the mobile members' pages: dates, text and names through ``core.forms``; the upload
through ``security.uploads.UploadField``. They parse; the services decide."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from liangxin.census.models import ImportMode
from liangxin.core.dates import today
from liangxin.core.forms import IntegerField, NameField, PastDateField, PickerField, TextField
from liangxin.geo.models import AdministrativeUnit
from liangxin.registry import pickers
from liangxin.registry.choices import MemberStatus
from liangxin.registry.models import Member, PartyOrganization
from liangxin.security.uploads import UploadField

from .models import (
    CheckResult,
    ContactMethod,
    Direction,
    HelpKind,
    RecordStatus,
    TransferDirection,
    VoidReason,
)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"})


def _past(label: Any, *, required: bool = True) -> PastDateField:
    return PastDateField(label=label, required=required, widget=_date_input(), initial=today)


class LedgerFilterForm(forms.Form):
    STATES = [
        ("", _("在册")),
        ("unplaced", _("尚未编入党组织")),
        ("contact_overdue", _("超期未联系")),
        ("ended", _("已结束")),
        ("all", _("全部")),
    ]
    q = forms.CharField(label=_("搜索"), required=False, max_length=50, widget=forms.SearchInput)
    direction = forms.ChoiceField(label=_("流向"), choices=[("", _("流入和流出")), *Direction.choices], required=False)
    township = forms.ModelChoiceField(
        label=_("乡镇"), queryset=AdministrativeUnit.objects.none(), required=False, empty_label=_("全部乡镇")
    )
    state = forms.ChoiceField(label=_("状态"), choices=STATES, required=False)

    def __init__(self, data: Any, *, townships: QuerySet[AdministrativeUnit]) -> None:
        super().__init__(data)
        self.fields["township"].queryset = townships  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return self.cleaned_data


class LevelForm(forms.Form):
    level = forms.ChoiceField(
        label=_("统计到"),
        choices=[("county", _("县")), ("prefecture", _("市(州)")), ("province", _("省"))],
        required=False,
    )

    def chosen_level(self) -> str:
        return (self.cleaned_data.get("level") if self.is_valid() else "") or "prefecture"


class IntakeForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("导入单位"), queryset=AdministrativeUnit.objects.none(), empty_label=None)
    mode = forms.ChoiceField(label=_("导入方式"), choices=ImportMode.choices, initial=ImportMode.ALL_OR_NOTHING)
    file = UploadField(label=_("公安流动人口党员信息表"))

    def __init__(self, *args: Any, units: QuerySet[AdministrativeUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class VerifyForm(forms.Form):
    result = forms.ChoiceField(
        label=_("核实结果"), choices=[c for c in RecordStatus.choices if c[0] != RecordStatus.PENDING]
    )
    member = forms.ModelChoiceField(
        label=_("对应的党员(确认为已登记党员时)"), queryset=Member.objects.none(), required=False
    )
    status = forms.ChoiceField(
        label=_("党员类别(新登记时)"), choices=[("", "—"), *MemberStatus.choices], required=False
    )
    admitted_on = _past(_("入党日期(新登记时)"), required=False)
    full_membership_on = _past(_("转正日期(正式党员)"), required=False)
    external_name = NameField(label=_("组织关系所在党组织(县外)"), required=False, max_length=200)
    external_place = TextField(label=_("该党组织所在地"), required=False, max_length=200)
    verified_on = _past(_("核实日期"))
    note = TextField(label=_("核实说明"), required=False, max_length=200, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, members: QuerySet[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members  # type: ignore[attr-defined]
        self.fields["admitted_on"].initial = None
        self.fields["full_membership_on"].initial = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        result = data.get("result")
        if result == RecordStatus.CONFIRMED and not data.get("member"):
            self.add_error("member", _("请选择对应的党员。"))
        if result == RecordStatus.NEW_MOBILE:
            for name in ("status", "admitted_on", "external_name"):
                if not data.get(name):
                    self.add_error(name, _("新登记流动党员须填写此项。"))
        return data


# The members an outflow may be registered for (``selectors.outflow_candidates``), found by
# searching: a county's members made a select that alone cost the page most of its 100 ms.
OUTFLOW_CANDIDATES = replace(pickers.MEMBERS, url_name="mobility:outflow_member_pick")


class OutflowForm(forms.Form):
    member = PickerField(label=_("党员"), picker=OUTFLOW_CANDIDATES, queryset=Member.objects.none())
    destination = TextField(label=_("流向地(写明省、市、县)"), max_length=200)
    employer_name = NameField(label=_("务工单位"), required=False, max_length=200)
    phone = TextField(label=_("联系电话"), required=False, max_length=32)
    liaison = forms.ModelChoiceField(
        label=_("联系党组织"),
        queryset=PartyOrganization.objects.none(),
        required=False,
        empty_label=_("组织关系所在党组织"),
    )
    since = _past(_("流出日期"))
    temporary = forms.BooleanField(label=_("临时性、季节性务工"), required=False)

    def __init__(
        self, *args: Any, members: QuerySet[Member], party_organizations: QuerySet[PartyOrganization], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members  # type: ignore[attr-defined]
        self.fields["liaison"].queryset = party_organizations  # type: ignore[attr-defined]


class LedgerForm(forms.Form):
    place = TextField(label=_("现居住地"), required=False, max_length=200)
    employer_name = NameField(label=_("务工单位"), required=False, max_length=200)
    phone = TextField(label=_("联系电话"), required=False, max_length=32)
    takes_part_in = forms.ModelChoiceField(
        label=_("参加活动的党组织"),
        queryset=PartyOrganization.objects.none(),
        required=False,
        empty_label=_("尚未编入"),
    )
    liaison = forms.ModelChoiceField(
        label=_("联系党组织"), queryset=PartyOrganization.objects.none(), required=False, empty_label="—"
    )
    temporary = forms.BooleanField(label=_("临时性、季节性务工"), required=False)
    version = IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, party_organizations: QuerySet[PartyOrganization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["takes_part_in"].queryset = party_organizations  # type: ignore[attr-defined]
        self.fields["liaison"].queryset = party_organizations  # type: ignore[attr-defined]


class EndForm(forms.Form):
    ended_on = _past(_("结束日期"))
    reason = TextField(label=_("结束原因"), max_length=200)


class ContactForm(forms.Form):
    contacted_on = _past(_("联系日期"))
    method = forms.ChoiceField(label=_("联系方式"), choices=ContactMethod.choices)
    situation = TextField(label=_("现状"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    thoughts = TextField(label=_("想法"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    whereabouts = TextField(label=_("去向"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class LetterForm(forms.Form):
    addressee_name = NameField(label=_("致(接收党组织)"), max_length=200)
    issued_on = _past(_("开具日期"))


class HelpForm(forms.Form):
    kind = forms.ChoiceField(label=_("帮扶类别"), choices=HelpKind.choices)
    helped_on = _past(_("日期"))
    description = TextField(label=_("帮扶内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class CertificateApplyForm(forms.Form):
    applied_on = _past(_("申请日期"))
    note = TextField(label=_("申请说明"), required=False, max_length=200)


class CertificateActionForm(forms.Form):
    ACTIONS = [
        ("approve", _("审核通过")),
        ("reject", _("审核不通过")),
        ("issue", _("发放")),
        ("check", _("年度查验")),
        ("reissue", _("补发")),
        ("revoke", _("收回注销")),
    ]
    action = forms.ChoiceField(choices=ACTIONS, widget=forms.HiddenInput)
    on = _past(_("日期"))
    year = IntegerField(label=_("查验年度"), required=False, min_value=1949)
    result = forms.ChoiceField(label=_("查验结果"), choices=CheckResult.choices, required=False)
    void_reason = forms.ChoiceField(label=_("补发原因"), choices=VoidReason.choices, required=False)
    reason = TextField(label=_("原因/说明"), required=False, max_length=200)


class CertificateLookupForm(forms.Form):
    number = forms.CharField(label=_("活动证证号"), max_length=32, required=False)


class TransferForm(forms.Form):
    direction = forms.ChoiceField(label=_("方向"), choices=TransferDirection.choices)
    local = forms.ModelChoiceField(label=_("本县党组织"), queryset=PartyOrganization.objects.none())
    external_name = NameField(label=_("县外党组织名称"), max_length=200)
    external_place = TextField(label=_("县外党组织所在地"), required=False, max_length=200)
    letter_number = TextField(
        label=_("介绍信编号"), required=False, max_length=40, help_text=_("转出的留空由系统编号;转入的照介绍信填写。")
    )
    issued_on = _past(_("开出日期"))

    def __init__(self, *args: Any, party_organizations: QuerySet[PartyOrganization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["local"].queryset = party_organizations  # type: ignore[attr-defined]


class TransferActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("receive", _("接收")), ("complete", _("办结")), ("return", _("退回"))], widget=forms.HiddenInput
    )
    on = _past(_("日期"))
    reason = TextField(label=_("退回原因"), required=False, max_length=200)


class StateFilterForm(forms.Form):
    state = forms.CharField(required=False, max_length=20)
    year = IntegerField(required=False, min_value=1949, max_value=9999)
