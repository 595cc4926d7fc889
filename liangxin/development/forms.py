"""Forms of the member development pages: dates, names and text through ``core.forms`` fields;
the party organizations, organizations and members offered are those of the user's scope."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from liangxin.core.forms import (
    IntegerField,
    ModelChoiceField,
    NameField,
    PastDateField,
    PickerField,
    TextField,
    TownshipFilterForm,
)
from liangxin.geo.models import AdministrativeUnit
from liangxin.registry import pickers
from liangxin.registry.models import Member, Organization, PartyOrganization

from .models import DevelopmentFile, RecommendationKind, RecommendationResult, StageKind, StepKind, WorkRole


class ListFilterForm(TownshipFilterForm):
    party_organization = ModelChoiceField(
        label=_("党组织"), queryset=PartyOrganization.objects.none(), required=False, empty_label=_("全部")
    )
    stage = forms.ChoiceField(label=_("阶段"), choices=[("", _("全部")), *StageKind.choices], required=False)

    def __init__(
        self,
        *args: Any,
        townships: QuerySet[AdministrativeUnit],
        party_organizations: QuerySet[PartyOrganization],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, townships=townships, **kwargs)
        self.fields["party_organization"].queryset = party_organizations  # type: ignore[attr-defined]

    def chosen(self, name: str) -> Any:
        return self.cleaned_data.get(name) if self.is_valid() else None


class ApplicationForm(forms.Form):
    name = NameField(label=_("姓名"), max_length=50)
    id_number = TextField(label=_("公民身份号码"), max_length=18)
    party_organization = ModelChoiceField(label=_("培养党组织"), queryset=PartyOrganization.objects.none())
    # Found by searching (a county has too many to list); the posted id is checked against the scope.
    organization = PickerField(
        label=_("工作单位"), picker=pickers.ORGANIZATIONS, queryset=Organization.objects.none(), required=False
    )
    work_role = forms.ChoiceField(label=_("岗位类别"), choices=WorkRole.choices)
    position = TextField(label=_("职务/岗位"), max_length=50, required=False)
    phone = TextField(label=_("联系电话"), max_length=32, required=False)
    applied_on = PastDateField(label=_("递交入党申请日期"))

    def __init__(
        self,
        *args: Any,
        party_organizations: QuerySet[PartyOrganization],
        organizations: QuerySet[Organization],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party_organization"].queryset = party_organizations  # type: ignore[attr-defined]
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]


class StepForm(forms.Form):
    step = forms.ChoiceField(label=_("步骤"), choices=StepKind.choices)
    done_on = PastDateField(label=_("日期"))
    months = IntegerField(label=_("延长月数(仅延长预备期)"), min_value=0, max_value=12, required=False)
    note = TextField(label=_("说明(谁做了什么)"), max_length=500, required=False)


class StageForm(forms.Form):
    stage = forms.ChoiceField(label=_("进入阶段"), choices=StageKind.choices)
    on = PastDateField(label=_("日期"))


class RecommendationForm(forms.Form):
    kind = forms.ChoiceField(label=_("推荐类别"), choices=RecommendationKind.choices)
    party_organization = ModelChoiceField(label=_("推荐党组织"), queryset=PartyOrganization.objects.none())
    recommender = NameField(label=_("推荐人"), max_length=100)
    member = PickerField(
        label=_("被推荐党员(推荐就业、进入管理层)"),
        picker=pickers.MEMBERS,
        queryset=Member.objects.none(),
        required=False,
    )
    file = ModelChoiceField(label=_("被推荐员工(推荐入党)"), queryset=DevelopmentFile.objects.none(), required=False)
    organization = PickerField(
        label=_("推荐到的两新组织"), picker=pickers.ORGANIZATIONS, queryset=Organization.objects.none()
    )
    recommended_on = PastDateField(label=_("推荐日期"))
    note = TextField(label=_("说明"), max_length=500, required=False)

    def __init__(
        self,
        *args: Any,
        party_organizations: QuerySet[PartyOrganization],
        members: QuerySet[Member],
        files: QuerySet[DevelopmentFile],
        organizations: QuerySet[Organization],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party_organization"].queryset = party_organizations  # type: ignore[attr-defined]
        self.fields["member"].queryset = members  # type: ignore[attr-defined]
        self.fields["file"].queryset = files  # type: ignore[attr-defined]
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]


class RecommendationResultForm(forms.Form):
    result = forms.ChoiceField(
        label=_("结果"),
        choices=[(v, label) for v, label in RecommendationResult.choices if v != RecommendationResult.PENDING],
    )
    result_on = PastDateField(label=_("结果日期"))
    result_note = TextField(label=_("结果说明"), max_length=500, required=False)
