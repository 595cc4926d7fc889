"""Forms of the register: they parse and validate input, nothing more.

The choice lists (townships, departments, villages) arrive from the view, already scoped by the
selectors, so a form cannot offer what the user may not see. Writing is the services' job.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from liangxin.core import industry
from liangxin.core.dates import today
from liangxin.core.forms import IntegerField, NameField, PastDateField, TextField
from liangxin.geo.models import AdministrativeUnit, Department

from .choices import Category, MemberStatus, OperatingStatus, OrganizationType, OwnerAttitude, PartyOrganizationKind
from .models import Organization, OrganizationFacts
from .selectors import (
    MEMBER_SORTS,
    PARTY_ORGANIZATION_SORTS,
    SORTS,
    MemberFilter,
    OrganizationFilter,
    PartyOrganizationFilter,
)
from .services import FactsData, OrganizationData

YES_NO_ANY = [("", _("全部")), ("yes", _("是")), ("no", _("否"))]
UNKNOWN_YES_NO = [("", _("未知")), ("true", _("是")), ("false", _("否"))]


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def _with_all(choices: list[tuple[str, Any]], label: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class _ListFilterForm(forms.Form):
    """Filters arrive in the query string. An invalid value (a township out of scope, a typo in
    a bookmarked link) is dropped, not fatal: the list shows, the field shows its error."""

    def valid_data(self) -> dict[str, Any]:
        self.is_valid()
        return getattr(self, "cleaned_data", {})

    def audit_filters(self) -> dict[str, object]:
        """The filters actually applied, for the export's audit record."""
        data = self.valid_data()
        return {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items() if v not in (None, "")}


class OrganizationFilterForm(_ListFilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100, widget=forms.SearchInput)
    township = forms.ModelChoiceField(
        label=_("乡镇"), queryset=AdministrativeUnit.objects.none(), required=False, empty_label=_("全部乡镇")
    )
    department = forms.ModelChoiceField(
        label=_("行业主管部门"), queryset=Department.objects.none(), required=False, empty_label=_("全部部门")
    )
    category = forms.ChoiceField(label=_("类别"), choices=_with_all(Category.choices, _("全部类别")), required=False)
    org_type = forms.ChoiceField(
        label=_("类型"), choices=_with_all(OrganizationType.choices, _("全部类型")), required=False
    )
    operating_status = forms.ChoiceField(
        label=_("经营状况"), choices=_with_all(OperatingStatus.choices, _("全部状况")), required=False
    )
    has_party_organization = forms.ChoiceField(label=_("已建党组织"), choices=YES_NO_ANY, required=False)
    sort = forms.ChoiceField(choices=[(k, k) for k in SORTS], required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        data: Any,
        *,
        townships: QuerySet[AdministrativeUnit],
        departments: QuerySet[Department],
    ) -> None:
        super().__init__(data)
        self.fields["township"].queryset = townships  # type: ignore[attr-defined]
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        self.fields["q"].widget.attrs.update({"placeholder": _("名称、拼音首字母或信用代码"), "autocomplete": "off"})

    def to_filter(self) -> OrganizationFilter:
        data = self.valid_data()
        return OrganizationFilter(
            q=data.get("q", ""),
            township=data["township"].pk if data.get("township") else None,
            department=data["department"].pk if data.get("department") else None,
            category=data.get("category", ""),
            org_type=data.get("org_type", ""),
            operating_status=data.get("operating_status", ""),
            has_party_organization=_yes_no(data.get("has_party_organization", "")),
            sort=data.get("sort") or "township",
        )


class PartyOrganizationFilterForm(_ListFilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100, widget=forms.SearchInput)
    township = forms.ModelChoiceField(
        label=_("乡镇"), queryset=AdministrativeUnit.objects.none(), required=False, empty_label=_("全部乡镇")
    )
    kind = forms.ChoiceField(
        label=_("类别"), choices=_with_all(PartyOrganizationKind.choices, _("全部类别")), required=False
    )
    dissolved = forms.ChoiceField(label=_("已撤销"), choices=YES_NO_ANY, required=False)
    sort = forms.ChoiceField(
        choices=[(k, k) for k in PARTY_ORGANIZATION_SORTS], required=False, widget=forms.HiddenInput
    )

    def __init__(self, data: Any, *, townships: QuerySet[AdministrativeUnit]) -> None:
        super().__init__(data)
        self.fields["township"].queryset = townships  # type: ignore[attr-defined]
        self.fields["q"].widget.attrs.update({"placeholder": _("党组织名称"), "autocomplete": "off"})

    def to_filter(self) -> PartyOrganizationFilter:
        data = self.valid_data()
        return PartyOrganizationFilter(
            q=data.get("q", ""),
            township=data["township"].pk if data.get("township") else None,
            kind=data.get("kind", ""),
            dissolved=_yes_no(data.get("dissolved", "")),
            sort=data.get("sort") or "township",
        )


class MemberFilterForm(_ListFilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=50, widget=forms.SearchInput)
    status = forms.ChoiceField(
        label=_("党员类别"), choices=_with_all(MemberStatus.choices, _("全部类别")), required=False
    )
    township = forms.ModelChoiceField(
        label=_("乡镇"), queryset=AdministrativeUnit.objects.none(), required=False, empty_label=_("全部乡镇")
    )
    sort = forms.ChoiceField(choices=[(k, k) for k in MEMBER_SORTS], required=False, widget=forms.HiddenInput)

    def __init__(self, data: Any, *, townships: QuerySet[AdministrativeUnit]) -> None:
        super().__init__(data)
        self.fields["township"].queryset = townships  # type: ignore[attr-defined]
        self.fields["q"].widget.attrs.update({"placeholder": _("姓名"), "autocomplete": "off"})

    def to_filter(self) -> MemberFilter:
        data = self.valid_data()
        return MemberFilter(
            q=data.get("q", ""),
            status=data.get("status", ""),
            township=data["township"].pk if data.get("township") else None,
            sort=data.get("sort") or "name",
        )


class ExportFormatForm(forms.Form):
    format = forms.ChoiceField(choices=[("xlsx", "XLSX"), ("csv", "CSV")], required=False)

    def file_format(self) -> str | None:
        """``xlsx`` when absent; None when the value is not one we write."""
        if not self.is_valid():
            return None
        return self.cleaned_data["format"] or "xlsx"


# --- Editing ---------------------------------------------------------------------------------


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _null_boolean(label: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=UNKNOWN_YES_NO,
        coerce=lambda v: {"true": True, "false": False}.get(v),
        empty_value=None,
        required=False,
    )


class VillageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: AdministrativeUnit) -> str:
        # Villages of several townships share one list for a county account: name both.
        return f"{obj.parent.name} / {obj.name}" if obj.parent_id else obj.name  # type: ignore[union-attr]


class IndustryCodeInput(forms.TextInput):
    """A text box with the standard's sections and divisions as suggestions (a ``datalist``: the
    browser filters it by code or name as the clerk types, without a script)."""

    LIST_ID = "gbt4754-entries"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"list": self.LIST_ID, "autocomplete": "off", **(attrs or {})})

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        box = super().render(name, value, attrs, renderer)
        options = format_html_join("", '<option value="{}">{}</option>', ((e.code, e.name) for e in industry.entries()))
        return format_html('{}<datalist id="{}">{}</datalist>', box, self.LIST_ID, options)


class IndustryCodeField(forms.CharField):
    """行业代码: a section or division of GB/T 4754-2017 picked from the list, or a finer code typed
    (``C1311``); stored as ``core.industry.parse`` reads it (``1311`` → ``C1311``)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "help_text", _("输入代码或行业名称的一部分(如“C13”或“食品”)后从列表中选择;也可填更细的代码,如 C1311。")
        )
        super().__init__(max_length=5, widget=IndustryCodeInput, **kwargs)

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        if not text:
            return ""
        try:
            return industry.parse(text)
        except ValueError:
            raise ValidationError(
                _("“%(code)s”不是《国民经济行业分类》(GB/T 4754-2017)的代码。请从列表中选择,如制造业的 C13。"),
                code="invalid_industry_code",
                params={"code": text},
            ) from None


class OrganizationForm(forms.Form):
    name = NameField(label=_("组织名称"), max_length=200)
    uscc = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=40,
        required=False,
        help_text=_("18位;个体工商户无代码的可不填。"),
    )
    category = forms.ChoiceField(label=_("组织类别"), choices=Category.choices)
    org_type = forms.ChoiceField(label=_("组织类型"), choices=OrganizationType.choices)
    industry_code = IndustryCodeField(label=_("行业代码"), required=False)
    township = forms.ModelChoiceField(label=_("所属乡镇"), queryset=AdministrativeUnit.objects.none())
    village = VillageChoiceField(label=_("所属村(社区)"), queryset=AdministrativeUnit.objects.none(), required=False)
    department = forms.ModelChoiceField(label=_("行业主管部门"), queryset=Department.objects.none(), required=False)
    above_designated_size = forms.BooleanField(label=_("规模以上"), required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    latitude = forms.DecimalField(label=_("纬度"), max_digits=9, decimal_places=6, required=False)
    longitude = forms.DecimalField(label=_("经度"), max_digits=9, decimal_places=6, required=False)
    contact_person = NameField(label=_("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=32, required=False)
    owner_is_member = _null_boolean(_("业主是否党员"))

    def __init__(
        self,
        *args: Any,
        townships: QuerySet[AdministrativeUnit],
        villages: QuerySet[AdministrativeUnit],
        departments: QuerySet[Department],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = townships  # type: ignore[attr-defined]
        self.fields["village"].queryset = villages  # type: ignore[attr-defined]
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]

    @staticmethod
    def initial_from(organization: Organization) -> dict[str, Any]:
        return {
            "name": organization.name,
            "uscc": organization.uscc or "",
            "category": organization.category,
            "org_type": organization.org_type,
            "industry_code": organization.industry_code,
            "township": organization.township_id,
            "village": organization.village_id,
            "department": organization.department_id,
            "above_designated_size": organization.above_designated_size,
            "address": organization.address,
            "latitude": organization.latitude,
            "longitude": organization.longitude,
            "contact_person": organization.contact_person,
            "contact_phone": organization.contact_phone,
            "owner_is_member": {True: "true", False: "false"}.get(organization.owner_is_member, ""),  # type: ignore[arg-type]
            "version": organization.version,
        }

    def organization_data(self, *, former_names: list[str] | None = None) -> OrganizationData:
        d = self.cleaned_data
        return OrganizationData(
            name=d["name"],
            category=d["category"],
            org_type=d["org_type"],
            township=d["township"],
            uscc=d["uscc"] or None,
            village=d["village"],
            department=d["department"],
            industry_code=d["industry_code"],
            above_designated_size=d["above_designated_size"],
            address=d["address"],
            latitude=d["latitude"],
            longitude=d["longitude"],
            contact_person=d["contact_person"],
            contact_phone=d["contact_phone"],
            owner_is_member=d["owner_is_member"],
            # Former names are kept by the merge, not typed in: the edit passes them through.
            former_names=former_names or [],
        )


class OrganizationEditForm(OrganizationForm):
    # Optimistic locking: the version the clerk started from travels with the form.
    version = IntegerField(widget=forms.HiddenInput, min_value=1)


class FactsForm(forms.Form):
    valid_from = PastDateField(label=_("起始日期"), widget=_date_input(), initial=today)
    operating_status = forms.ChoiceField(label=_("经营状况"), choices=OperatingStatus.choices)
    employees = IntegerField(label=_("从业人员数"), min_value=0)
    full_members = IntegerField(label=_("正式党员数"), min_value=0)
    probationary_members = IntegerField(label=_("预备党员数"), min_value=0)
    owner_attitude = forms.ChoiceField(
        label=_("业主对组建党组织态度"), choices=_with_all(OwnerAttitude.choices, _("未填")), required=False
    )
    secretary_candidate_available = _null_boolean(_("有无合适支部书记人选"))
    payroll = forms.DecimalField(
        label=_("工资总额(万元)"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    has_union = _null_boolean(_("有无工会"))
    has_youth_league = _null_boolean(_("有无共青团组织"))
    has_womens_federation = _null_boolean(_("有无妇联组织"))

    @staticmethod
    def initial_from(facts: OrganizationFacts | None) -> dict[str, Any]:
        initial: dict[str, Any] = {"valid_from": today()}
        if facts is None:
            return initial | {"employees": 0, "full_members": 0, "probationary_members": 0}
        as_choice = {True: "true", False: "false", None: ""}
        return initial | {
            "operating_status": facts.operating_status,
            "employees": facts.employees,
            "full_members": facts.full_members,
            "probationary_members": facts.probationary_members,
            "owner_attitude": facts.owner_attitude,
            "secretary_candidate_available": as_choice[facts.secretary_candidate_available],
            "payroll": facts.payroll,
            "has_union": as_choice[facts.has_union],
            "has_youth_league": as_choice[facts.has_youth_league],
            "has_womens_federation": as_choice[facts.has_womens_federation],
        }

    def facts_data(self) -> FactsData:
        d = self.cleaned_data
        return FactsData(
            employees=d["employees"],
            full_members=d["full_members"],
            probationary_members=d["probationary_members"],
            operating_status=d["operating_status"],
            owner_attitude=d["owner_attitude"],
            secretary_candidate_available=d["secretary_candidate_available"],
            payroll=d["payroll"],
            has_union=d["has_union"],
            has_youth_league=d["has_youth_league"],
            has_womens_federation=d["has_womens_federation"],
        )


class OrganizationCreateForm(OrganizationForm):
    """A new organization and its first census figures, in one form."""

    valid_from = PastDateField(label=_("普查数据起始日期"), widget=_date_input(), initial=today)
    operating_status = forms.ChoiceField(
        label=_("经营状况"), choices=OperatingStatus.choices, initial=OperatingStatus.OPERATING
    )
    employees = IntegerField(label=_("从业人员数"), min_value=0, initial=0)
    full_members = IntegerField(label=_("正式党员数"), min_value=0, initial=0)
    probationary_members = IntegerField(label=_("预备党员数"), min_value=0, initial=0)
    owner_attitude = forms.ChoiceField(
        label=_("业主对组建党组织态度"), choices=_with_all(OwnerAttitude.choices, _("未填")), required=False
    )

    def facts_data(self) -> FactsData:
        d = self.cleaned_data
        return FactsData(
            employees=d["employees"],
            full_members=d["full_members"],
            probationary_members=d["probationary_members"],
            operating_status=d["operating_status"],
            owner_attitude=d["owner_attitude"],
        )


class DeregisterForm(forms.Form):
    on = PastDateField(label=_("注销日期"), widget=_date_input(), initial=today)
    reason = TextField(label=_("注销原因"), max_length=200, widget=forms.Textarea(attrs={"rows": 3}))


class DissolveForm(forms.Form):
    dissolved_on = PastDateField(label=_("撤销日期"), widget=_date_input(), initial=today)
    dissolution_reason = TextField(label=_("撤销原因"), max_length=200, widget=forms.Textarea(attrs={"rows": 3}))


class MergeSearchForm(forms.Form):
    q = forms.CharField(label=_("查找重复记录"), required=False, max_length=100)


class MergeConfirmForm(forms.Form):
    duplicate = IntegerField(widget=forms.HiddenInput, min_value=1)
