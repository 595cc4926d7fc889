"""Forms of the standardization pages. Dates, numbers and text through ``core.forms``; evidence
through the one upload gate (``security.uploads.UploadField``, kind evidence)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liangxin.core.dates import today
from liangxin.core.forms import IntegerField, NameField, PastDateField, TextField, YearFilterForm
from liangxin.security.uploads import UploadField, UploadKind

from . import rules
from .choices import AssessmentResult, Dimension, FiveOnesItem


class AssessmentFilterForm(YearFilterForm):
    """The year of the assessments shown: last year's when left out (a year is assessed once it is
    over), and a township."""

    def default_year(self) -> int:
        return today().year - 1


class EvidenceForm(forms.Form):
    item = forms.ChoiceField(label=_("项目"), choices=FiveOnesItem.choices)
    file = UploadField(kind=UploadKind.EVIDENCE, label=_("证明材料(照片或文件:JPEG、PNG、PDF)"))
    description = TextField(label=_("说明"), max_length=200, required=False)


class CheckForm(forms.Form):
    item = forms.ChoiceField(label=_("项目"), choices=FiveOnesItem.choices)
    passed = forms.TypedChoiceField(
        label=_("检查结果"),
        choices=[("yes", _("合格")), ("no", _("不合格"))],
        coerce=lambda v: v == "yes",
    )
    checked_on = PastDateField(label=_("检查日期"))
    room_area = forms.DecimalField(
        label=_("活动室面积(平方米)"),
        max_digits=6,
        decimal_places=1,
        min_value=0.1,
        required=False,
        help_text=_("只有活动室填写"),
    )
    inspector = NameField(label=_("检查人"), max_length=50, required=False, help_text=_("如党建指导员;默认为本人"))
    note = TextField(label=_("检查意见"), max_length=300, required=False, help_text=_("不合格须写明"))


class AssessmentForm(forms.Form):
    """The five dimensions (score and comment each), the result, when and by which unit."""

    result = forms.ChoiceField(label=_("评定结果"), choices=AssessmentResult.choices)
    assessed_on = PastDateField(label=_("评定日期"))
    assessing_unit = TextField(label=_("评定单位"), max_length=100, required=False, help_text=_("默认为您所在的单位"))
    note = TextField(label=_("说明"), max_length=300, required=False)
    version = IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, label in Dimension.choices:
            self.fields[f"{code}_score"] = IntegerField(
                label=_("%(dimension)s(得分)") % {"dimension": label}, min_value=0, max_value=rules.MAX_SCORE
            )
            self.fields[f"{code}_comment"] = TextField(
                label=_("%(dimension)s(评语)") % {"dimension": label}, max_length=300, required=False
            )
        # The dimensions first, then the result.
        order = [f"{d}_{part}" for d in rules.DIMENSIONS for part in ("score", "comment")]
        self.order_fields([*order, "result", "assessed_on", "assessing_unit", "note", "version"])

    def scores(self) -> dict[str, int | None]:
        return {d: self.cleaned_data.get(f"{d}_score") for d in rules.DIMENSIONS}

    def comments(self) -> dict[str, str]:
        return {d: self.cleaned_data.get(f"{d}_comment") or "" for d in rules.DIMENSIONS}
