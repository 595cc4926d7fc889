"""Forms of the funding pages. Every amount is a ``core.forms.MoneyField`` (Decimal yuan, two
decimals, bounded), every date and month a ``core.forms`` field, every text a ``TextField``;
evidence passes the one upload gate (``security.uploads.UploadField``, kind evidence)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from liangxin.core.dates import today
from liangxin.core.forms import (
    DateField,
    MoneyField,
    MonthField,
    PastDateField,
    TextField,
    YearFilterForm,
    year_field,
)
from liangxin.policy.choices import DuesCategory
from liangxin.registry.models import Organization
from liangxin.security.uploads import UploadField, UploadKind

from .choices import ActivityFundStatus, FiveOnesItem, RewardKind, RewardStatus


class AllocationForm(YearFilterForm):
    as_of = DateField(label=_("党员人数截至日期"), required=False, help_text=_("默认该年12月31日,本年度为今天"))


class IssueAllocationForm(forms.Form):
    year = year_field()
    as_of = PastDateField(label=_("党员人数截至日期"), required=False)


class ReturnDuesForm(forms.Form):
    year = year_field()


class ActivityFundFilterForm(YearFilterForm):
    status = forms.ChoiceField(
        label=_("列支情况"),
        required=False,
        choices=[("", _("全部")), *ActivityFundStatus.choices, ("missing", _("未填报"))],
    )

    def chosen_status(self) -> str:
        return str(self.cleaned_data.get("status") or "") if self.is_valid() else ""


class SpendingForm(forms.Form):
    on = PastDateField(label=_("支出日期"))
    amount = MoneyField(label=_("金额(元)"))
    description = TextField(label=_("用途"), max_length=200)


class ActivityFundForm(forms.Form):
    year = year_field()
    amount = MoneyField(label=_("列支金额(元)"), min_value=Decimal(0))


class DuesBaseForm(forms.Form):
    category = forms.ChoiceField(label=_("党员类别"), choices=DuesCategory.choices)
    valid_from = MonthField(label=_("起始月份"), help_text=_("如 2026-01;个体经营等灵活就业党员按季度,填1、4、7或10月"))
    base = MoneyField(
        label=_("党费计算基数(元/月)"),
        required=False,
        max_value=Decimal("10000000"),
        help_text=_("在职党员填税后月工资收入,离退休党员填税后月离退休费"),
    )
    quarter_income = MoneyField(
        label=_("上一季度纯收入合计(元)"),
        required=False,
        max_value=Decimal("30000000"),
        help_text=_("个体经营等灵活就业党员填写;按月平均数计算"),
    )


class DuesMonthForm(forms.Form):
    """Which month to record: the page then lists the members owing it here."""

    month = MonthField(label=_("所交月份"), required=False)

    def chosen_month(self) -> dt.date:
        month = self.cleaned_data.get("month") if self.is_valid() else None
        current = today().replace(day=1)
        return month if isinstance(month, dt.date) and month <= current else current


class DuesPaymentForm(forms.Form):
    """One month's payments: an amount for each member who paid (left empty: not paid)."""

    month = MonthField(label=_("所交月份"))
    paid_on = PastDateField(label=_("交纳日期"))

    def __init__(self, *args: Any, members: Iterable[tuple[int, str, Decimal | None]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.member_fields: list[tuple[int, str]] = []
        for member_id, name, due in members:
            field_name = f"amount_{member_id}"
            self.fields[field_name] = MoneyField(label=name, required=False, max_value=Decimal("1000000"), initial=due)
            self.member_fields.append((member_id, field_name))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(data.get(name) for _pk, name in self.member_fields):
            raise forms.ValidationError(_("请至少为一名党员填写交纳金额。"))
        return data

    def paid(self) -> list[tuple[int, Decimal]]:
        return [(pk, self.cleaned_data[name]) for pk, name in self.member_fields if self.cleaned_data.get(name)]


class RewardForm(forms.Form):
    kind = forms.ChoiceField(label=_("奖补事项"), choices=RewardKind.choices)
    five_ones_item = forms.ChoiceField(
        label=_("对应“五个一”项目"), choices=[("", _("不涉及")), *FiveOnesItem.choices], required=False
    )
    organization = forms.ModelChoiceField(
        label=_("所在两新组织"), queryset=Organization.objects.none(), required=False, empty_label=_("(不指定)")
    )
    title = TextField(label=_("项目名称"), max_length=100)
    description = TextField(label=_("建设情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    amount = MoneyField(label=_("申请金额(元)"), max_value=Decimal("10000000"))
    file = UploadField(kind=UploadKind.EVIDENCE, label=_("证明材料(照片、发票或验收材料)"))

    def __init__(self, *args: Any, organizations: QuerySet[Organization] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organizations is not None:
            self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]


class RewardDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审批"), choices=[(RewardStatus.APPROVED, _("批准")), (RewardStatus.REJECTED, _("驳回"))]
    )
    amount = MoneyField(label=_("批准金额(元)"), required=False)
    note = TextField(label=_("审批意见"), max_length=500, required=False, help_text=_("驳回须写明原因"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == RewardStatus.APPROVED and not data.get("amount"):
            self.add_error("amount", _("批准须填写批准金额。"))
        return data


class RewardFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部")), *RewardStatus.choices], required=False)

    def chosen_status(self) -> str:
        return str(self.cleaned_data.get("status") or "") if self.is_valid() else ""
