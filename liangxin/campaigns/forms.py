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
    """A staged row corrected in the page, with the register's inputs: the code lists as choices
    (their labels, which the census reader takes as written), yes/no as a choice, head counts as
    number inputs. The row keeps the file's text otherwise; a value the lists cannot read stays
    selectable as it was written, so opening and saving the form never loses what the file said."""

    version = IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from liangxin.census.tabular.columns import BY_KEY
        from liangxin.census.tabular.vocab import VOCABULARIES

        for key in EDITABLE_KEYS:
            column = BY_KEY[key]
            field: forms.Field
            if column.kind == "choice" and column.vocabulary:
                labels = list(VOCABULARIES[column.vocabulary].values())
                field = forms.ChoiceField(label=column.label, required=False, choices=_choices(labels, self, key))
            elif column.kind == "bool":
                field = forms.ChoiceField(
                    label=column.label, required=False, choices=_choices([str(_("是")), str(_("否"))], self, key)
                )
            elif column.kind == "int":
                field = IntegerField(label=column.label, required=False, min_value=0)
            else:
                field_class = NameField if key in ("name", "contact_person") else TextField
                field = field_class(label=column.label, required=key == "name", max_length=column.max_length or 200)
            self.fields[key] = field

    @classmethod
    def initial_from(cls, data: dict[str, str]) -> dict[str, str]:
        """The form's values for a staged row: choices and numbers as the census reader reads
        them (``正常`` → 正常经营, ``√`` → 是, ``12人`` → 12), anything unreadable as written."""
        from liangxin.census.tabular.columns import BY_KEY
        from liangxin.census.tabular.normalize import converter_for
        from liangxin.census.tabular.problems import ValueProblem
        from liangxin.census.tabular.vocab import VOCABULARIES

        values: dict[str, str] = {}
        for key in EDITABLE_KEYS:
            column = BY_KEY[key]
            raw = data.get(key, "")
            values[key] = raw
            if not raw or column.kind not in ("choice", "bool", "int"):
                continue
            try:
                read = converter_for(column)(raw)
            except ValueProblem:
                continue
            if read is None:
                continue
            if column.kind == "choice" and column.vocabulary:
                values[key] = VOCABULARIES[column.vocabulary][str(read)]
            elif column.kind == "bool":
                values[key] = str(_("是") if read else _("否"))
            else:
                values[key] = str(read)
        return values

    def values(self) -> dict[str, str]:
        """The cleaned row as the text the service stores ("" for a blank)."""
        return {k: "" if self.cleaned_data[k] is None else str(self.cleaned_data[k]) for k in EDITABLE_KEYS}


def _choices(labels: list[str], form: forms.Form, key: str) -> list[tuple[str, str]]:
    """A blank, the labels, and the row's own value when it is none of them (kept, not lost)."""
    current = form.data.get(key) if form.is_bound else form.initial.get(key)
    extra = [(str(current), str(current))] if current and str(current) not in labels else []
    return [("", "—"), *((label, label) for label in labels), *extra]
