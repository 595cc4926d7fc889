"""The audit log's filter form: parses the query string into an ``AuditFilter``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liangxin.core.forms import DateField

from .models import AuditAction
from .selectors import AuditFilter


class AuditFilterForm(forms.Form):
    date_from = DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    actor = forms.CharField(label=_("操作人账号"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("操作"), required=False, choices=[("", _("全部")), *AuditAction.choices])
    object_type = forms.ChoiceField(label=_("对象类型"), required=False)
    # With the type, one object's whole history (e.g. every change to one account).
    object_id = forms.CharField(label=_("对象编号"), required=False, max_length=64)
    # Every record one request wrote (the detail page links to it).
    request_id = forms.CharField(label=_("请求编号"), required=False, max_length=32)
    q = forms.CharField(label=_("对象名称包含"), required=False, max_length=200)

    def __init__(self, *args: Any, object_types: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["object_type"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("全部")), *object_types]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        return data

    def filters(self) -> AuditFilter:
        """The filter from the fields that parsed; a field with an error is left out, and the
        page shows its error above the list."""
        if not self.is_bound:
            return AuditFilter()
        self.is_valid()
        data = self.cleaned_data
        return AuditFilter(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            actor=data.get("actor", ""),
            action=data.get("action", ""),
            object_type=data.get("object_type", ""),
            object_id=data.get("object_id", ""),
            request_id=data.get("request_id", ""),
            q=data.get("q", ""),
        )
