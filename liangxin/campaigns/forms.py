from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liangxin.core.forms import DateField, IntegerField, NameField, TextField
from liangxin.geo.models import AdministrativeUnit, Department, UnitLevel
from liangxin.security.uploads import UploadField

from . import workflow
from .models import Verdict
from .services import EDITABLE_KEYS

DATE = forms.DateInput(attrs={"type": "date"})


class CampaignForm(forms.Form):
    name = NameField(label=_("名称"), max_length=200)
    code = TextField(label=_("编号"), max_length=32)
    as_of = DateField(label=_("数据截至日期"), widget=DATE)
    survey_deadline = DateField(label=_("摸底上报截止日期"), widget=DATE)
    plan_deadline = DateField(label=_("组建方案截止日期"), widget=DATE)
    townships = forms.ModelMultipleChoiceField(
        label=_("责任乡镇(不选为全部)"),
        queryset=AdministrativeUnit.objects.filter(level=UnitLevel.TOWNSHIP, valid_to__isnull=True).order_by("code"),
        required=False,
    )
    departments = forms.ModelMultipleChoiceField(
        label=_("责任部门(不选为全部)"),
        queryset=Department.objects.filter(is_active=True).order_by("code"),
        required=False,
    )


class UploadForm(forms.Form):
    file = UploadField(label=_("摸底表(Excel、WPS 或 CSV)"))
    version = IntegerField(widget=forms.HiddenInput)


class ReplaceForm(forms.Form):
    """The clerk's confirmation that the kept file (by its SHA-256) replaces the staged rows of
    the submission at this version."""

    sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    version = IntegerField(widget=forms.HiddenInput)


class TransitionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            (a, a) for a in (workflow.SUBMIT, workflow.WITHDRAW, workflow.RETURN, workflow.APPROVE, workflow.REOPEN)
        ]
    )
    reason = forms.CharField(label=_("原因"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = IntegerField(widget=forms.HiddenInput)
    # Approve: the fingerprint of the plan the review showed (``review.Review.fingerprint``).
    fingerprint = forms.RegexField(regex=r"^[0-9a-f]{1,128}$", required=False, widget=forms.HiddenInput)


class ConfirmForm(forms.Form):
    verdict = forms.ChoiceField(label=_("意见"), choices=Verdict.choices)
    comment = forms.CharField(label=_("说明"), required=False, max_length=1000)
    version = IntegerField(widget=forms.HiddenInput, required=False)


class EntryForm(forms.Form):
    version = IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from liangxin.census.tabular.columns import BY_KEY

        for key in EDITABLE_KEYS:
            field_class = NameField if key in ("name", "contact_person") else TextField
            self.fields[key] = field_class(
                label=BY_KEY[key].label, required=key == "name", max_length=BY_KEY[key].max_length or 200
            )
