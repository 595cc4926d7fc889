"""Forms of the reconciliation pages: the list upload, a decision on a row, a bulk accept."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from liangxin.census.forms import UnitChoiceField
from liangxin.core.forms import TextField
from liangxin.geo.models import AdministrativeUnit
from liangxin.security.uploads import UploadField

from .models import Decision, ListSource, RowKind


class UploadForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=AdministrativeUnit.objects.none(), label=gettext_lazy("比对单位"))
    source = forms.ChoiceField(
        choices=ListSource.choices, label=gettext_lazy("名单来源"), widget=forms.RadioSelect, initial=ListSource.MARKET
    )
    file = UploadField(label=gettext_lazy("登记名单文件"))

    def __init__(self, *args: Any, units: QuerySet[AdministrativeUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(
            queryset=units.order_by("level", "code"), label=gettext_lazy("比对单位"), empty_label=None
        )
        self.data_bytes = b""

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]  # through the upload gate
        self.data_bytes = upload.read()
        return upload


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[(Decision.ACCEPTED, gettext_lazy("采纳")), (Decision.REJECTED, gettext_lazy("驳回"))],
        label=gettext_lazy("处理"),
    )
    reason = TextField(label=gettext_lazy("驳回理由"), required=False, max_length=500)
    township = forms.ModelChoiceField(
        queryset=AdministrativeUnit.objects.none(), label=gettext_lazy("所属乡镇"), required=False
    )

    def __init__(self, *args: Any, townships: QuerySet[AdministrativeUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = townships  # type: ignore[attr-defined]


class RowFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=RowKind.choices, required=False, label=gettext_lazy("结果类别"))
    decision = forms.ChoiceField(
        choices=[("", gettext_lazy("全部")), *Decision.choices], required=False, label=gettext_lazy("处理")
    )
    unresolved = forms.BooleanField(required=False, label=gettext_lazy("只看待县里确定乡镇的"))
