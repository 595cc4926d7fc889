"""Forms of the formation register: parse and validate input; writing is the services' job.
Choice lists that depend on the user (townships, party organizations) arrive already scoped."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from liangxin.core.dates import today
from liangxin.core.forms import (
    DateField,
    FastSelect,
    IntegerField,
    ModelChoiceField,
    NameField,
    PastDateField,
    TextField,
)
from liangxin.geo.models import AdministrativeUnit
from liangxin.policy import engine
from liangxin.registry.choices import FormationMethod, PartyOrganizationKind
from liangxin.registry.models import Organization, PartyOrganization

from . import transitions
from .choices import MemberActionKind, NotReadyReason, VerificationMethod, VerificationResult
from .selectors import REGISTER_CODES, RegisterFilter, plan_status_choices
from .services import PlanData

READY_CHOICES = [("yes", _("具备组建条件")), ("no", _("暂不具备组建条件"))]


class RegisterFilterForm(forms.Form):
    q = TextField(
        label=_("搜索"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("名称、拼音首字母或信用代码")}),
    )
    # Selects written in Python (``core.forms.FastSelect``): the register and the gap list render
    # this form on every page, and Django's template per option was a fifth of their rendering.
    township = ModelChoiceField(
        label=_("乡镇"), queryset=AdministrativeUnit.objects.none(), required=False, empty_label=_("全部乡镇")
    )
    recommendation = forms.ChoiceField(label=_("建议组建方式"), required=False, widget=FastSelect)
    plan_status = forms.ChoiceField(label=_("方案状态"), required=False, widget=FastSelect)
    overdue = forms.BooleanField(label=_("只看逾期"), required=False)

    def __init__(self, data: Any, *, townships: QuerySet[AdministrativeUnit]) -> None:
        super().__init__(data)
        self.fields["township"].queryset = townships  # type: ignore[attr-defined]
        self.fields["recommendation"].choices = [  # type: ignore[attr-defined]
            ("", _("全部")),
            *((code, engine.LABELS[code]) for code in REGISTER_CODES),
        ]
        self.fields["plan_status"].choices = [("", _("全部")), *plan_status_choices()]  # type: ignore[attr-defined]

    def to_filter(self) -> RegisterFilter:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return RegisterFilter(
            q=data.get("q") or "",
            township=data["township"].pk if data.get("township") else None,
            recommendation=data.get("recommendation", ""),
            plan_status=data.get("plan_status", ""),
            overdue=bool(data.get("overdue")),
        )

    def audit_filters(self) -> dict[str, object]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items() if v not in (None, "", False)}


class PlanForm(forms.Form):
    ready = forms.ChoiceField(label=_("是否具备组建条件"), choices=READY_CHOICES, widget=forms.RadioSelect)
    responsible_person = NameField(label=_("责任人"), max_length=50)
    method = forms.ChoiceField(label=_("组建方式"), choices=[("", "—"), *FormationMethod.choices], required=False)
    target_kind = forms.ChoiceField(
        label=_("拟组建党组织类别"), choices=[("", "—"), *PartyOrganizationKind.choices], required=False
    )
    planned_date = DateField(
        label=_("计划组建时间"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reason = forms.ChoiceField(label=_("未能组建原因"), choices=[("", "—"), *NotReadyReason.choices], required=False)
    reason_text = forms.CharField(label=_("原因说明"), max_length=500, required=False)
    countermeasure = forms.CharField(
        label=_("对策措施"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    partners = forms.ModelMultipleChoiceField(
        label=_("联建组织"),
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("组建方式为“联合建”时选择:组建时一并纳入联合党组织覆盖"),
    )
    version = IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, partner_choices: QuerySet[Organization] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if partner_choices is None:
            del self.fields["partners"]
        else:
            self.fields["partners"].queryset = partner_choices  # type: ignore[attr-defined]

    def to_data(self) -> PlanData:
        d = self.cleaned_data
        return PlanData(
            ready=d["ready"] == "yes",
            responsible_person=d["responsible_person"],
            method=d["method"],
            target_kind=d["target_kind"],
            planned_date=d["planned_date"],
            reason=d["reason"],
            reason_text=d["reason_text"],
            countermeasure=d["countermeasure"],
            partners=tuple(o.pk for o in d.get("partners") or ()),
        )


class TransitionForm(forms.Form):
    action = forms.ChoiceField(
        label=_("操作"), choices=[(a, transitions.ACTION_LABELS[a]) for a in transitions.USER_ACTIONS]
    )
    reason = forms.CharField(label=_("原因"), max_length=500, required=False)
    name = NameField(label=_("党组织名称"), max_length=200, required=False)
    founded_on = PastDateField(
        label=_("成立日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class VerificationForm(forms.Form):
    verified_on = PastDateField(
        label=_("核实日期"), initial=today, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    verifier = NameField(label=_("核实人"), max_length=50)
    method = forms.ChoiceField(label=_("核实方式"), choices=VerificationMethod.choices)
    result = forms.ChoiceField(label=_("核实结果"), choices=VerificationResult.choices)
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class MemberActionForm(forms.Form):
    kind = forms.ChoiceField(label=_("处理方式"), choices=MemberActionKind.choices)
    party_organization = forms.ModelChoiceField(
        label=_("转入党组织"),
        queryset=PartyOrganization.objects.none(),
        required=False,
        help_text=_("处理方式为“组织关系已转入”时必选"),
    )
    acted_on = PastDateField(
        label=_("处理日期"), initial=today, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(label=_("说明"), max_length=500, required=False)

    def __init__(self, *args: Any, party_organizations: QuerySet[PartyOrganization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party_organization"].queryset = party_organizations  # type: ignore[attr-defined]


class JointTownshipForm(forms.Form):
    """The planner's township (county and department users choose; a township clerk has his own)."""

    township = forms.ModelChoiceField(label=_("乡镇"), queryset=AdministrativeUnit.objects.none(), required=False)

    def __init__(self, data: Any, *, townships: QuerySet[AdministrativeUnit]) -> None:
        super().__init__(data)
        self.fields["township"].queryset = townships  # type: ignore[attr-defined]
        self.fields["township"].empty_label = None  # type: ignore[attr-defined]


class JointGroupForm(forms.Form):
    """Review, edit and accept one group: tick the organizations (add one from the township's other
    candidates, or untick one to leave it for another group), add organizations without full
    members on purpose with a reason, name the party organization. ``moving`` carries back the ids
    of the members the confirmation step listed, so accepting writes what was confirmed."""

    organizations = forms.ModelMultipleChoiceField(
        label=_("联合组建的组织"), queryset=Organization.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    added = forms.ModelMultipleChoiceField(
        label=_("一并纳入的无党员组织"),
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("没有正式党员的组织不参与自动分组;确需纳入的(例如同在一栋楼),勾选并说明理由"),
    )
    added_reason = TextField(label=_("纳入理由"), max_length=500, required=False)
    name = NameField(label=_("党组织名称"), max_length=200, required=False)
    founded_on = PastDateField(
        label=_("成立日期"), initial=today, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    moving = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        candidates: QuerySet[Organization],
        memberless: QuerySet[Organization],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organizations"].queryset = candidates  # type: ignore[attr-defined]
        self.fields["added"].queryset = memberless  # type: ignore[attr-defined]
        if not memberless.exists():
            del self.fields["added"], self.fields["added_reason"]

    def clean_moving(self) -> list[int] | None:
        """None before the confirmation step; after it, the member ids it listed (maybe none)."""
        value = self.cleaned_data.get("moving") or ""
        if not value:
            return None
        prefix, _sep, ids = value.partition(":")
        try:
            if prefix != MOVING_PREFIX:
                raise ValueError(value)
            return sorted(int(v) for v in ids.split(",") if v)
        except ValueError as exc:
            raise forms.ValidationError(_("确认信息有误,请重新确认。")) from exc


MOVING_PREFIX = "members"


def moving_value(member_ids: list[int]) -> str:
    """What the confirmation step posts back in ``JointGroupForm.moving``."""
    return f"{MOVING_PREFIX}:" + ",".join(str(pk) for pk in member_ids)
