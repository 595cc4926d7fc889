"""Every form takes dates, text and names through ``core.forms`` (one home for what a date or a
name may be), and those fields refuse what they must with a clear message."""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import pkgutil
import re
from decimal import Decimal
from typing import Any

import pytest
from django import forms

import liangxin
from liangxin.core import forms as core_forms
from liangxin.core.dates import today

LARGEST = core_forms.LARGEST_INTEGER
NAME_LIKE = re.compile(r"(^|_)name$|person$|^verifier$")
MONEY_LIKE = re.compile(r"(^|_)amount(_|$)|^base$|_income$")


def project_forms() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(liangxin.__path__, "liangxin."):
        if module.name.rsplit(".", 1)[-1] in ("forms", "views"):
            importlib.import_module(module.name)
    found: list[type[forms.BaseForm]] = []
    stack: list[type[Any]] = [forms.BaseForm]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("liangxin.") and ".tests." not in sub.__module__:
                found.append(sub)
    return found


def fields_of(form_class: type[forms.BaseForm]) -> dict[str, forms.Field]:
    """The declared fields, and those ``__init__`` adds when the form needs no arguments."""
    fields = dict(form_class.base_fields)  # type: ignore[attr-defined]
    # A form that needs arguments (choices from the view): its declared fields are checked.
    with contextlib.suppress(TypeError):
        fields.update(form_class().fields)
    return fields


def test_the_walk_finds_the_forms():
    names = {cls.__name__ for cls in project_forms()}
    assert {"OrganizationForm", "CampaignForm", "EntryForm", "PlanForm", "AuditFilterForm"} <= names


def test_every_date_text_and_name_field_uses_the_shared_fields():
    problems = []
    for form_class in project_forms():
        for name, field in fields_of(form_class).items():
            where = f"{form_class.__module__}.{form_class.__name__}.{name}"
            if isinstance(field, forms.DateField) and not isinstance(field, core_forms.DateField):
                problems.append(f"{where}: a date field not from core.forms")
            bounded = isinstance(field, forms.DecimalField) and field.max_digits is not None
            if isinstance(field, forms.IntegerField) and not bounded and (field.max_value or 2**63) > LARGEST:
                problems.append(f"{where}: an integer field without the bound of core.forms.IntegerField")
            if MONEY_LIKE.search(name) and not isinstance(field, core_forms.MoneyField):
                problems.append(f"{where}: an amount of money not taken with core.forms.MoneyField")
            if not isinstance(field, forms.CharField) or isinstance(field, forms.SlugField | forms.RegexField):
                continue
            if not field.strip:
                continue  # passwords and codes, taken as typed
            if NAME_LIKE.search(name) and name != "username" and not isinstance(field, core_forms.NameField):
                problems.append(f"{where}: a name not taken with core.forms.NameField")
            elif field.required and not isinstance(field, core_forms.TextField):
                problems.append(f"{where}: required text not taken with core.forms.TextField")
    assert not problems, "\n".join(problems)


# --- The fields ----------------------------------------------------------------------------------


def errors(field: forms.Field, value: Any) -> list[str]:
    try:
        field.clean(value)
    except forms.ValidationError as exc:
        return list(exc.messages)
    return []


@pytest.mark.parametrize("value", ["\u200b", "\u200b\u200c\u200d\ufeff", " \u3000\u00a0\t", "\u2060\u202e", ""])
def test_a_name_of_nothing_visible_is_refused(value):
    assert errors(core_forms.NameField(label="名称"), value) == ["请填写名称(只有空格或不可见字符的不算)。"]
    assert errors(core_forms.TextField(), value) == ["请填写这一项(只有空格或不可见字符的不算)。"]
    assert core_forms.NameField(required=False).clean(value) == ""


def test_a_name_is_trimmed_of_invisible_characters_and_needs_a_letter():
    assert core_forms.NameField().clean("\ufeff\u200b 罗平县蜂产业协会\u200b\u3000") == "罗平县蜂产业协会"
    assert errors(core_forms.NameField(), "——·") == ["名称至少要有一个汉字、字母或数字。"]
    assert errors(core_forms.NameField(), "罗平\u200b县") == ["名称中有控制字符或不可见字符,请删除后重新输入。"]
    assert errors(core_forms.NameField(), "罗平\x1b[31m县") == ["名称中有控制字符或不可见字符,请删除后重新输入。"]
    assert core_forms.NameField().clean("A.O. Smith(中国)") == "A.O. Smith(中国)"


def test_dates_stay_within_the_years_a_person_could_mean():
    field = core_forms.DateField(label="截止日期")
    assert field.clean(str(today())) == today()
    assert errors(field, "0001-01-01") == ["截止日期不能早于 1900-01-01,请检查年份。"]
    latest = core_forms.latest_date()
    assert latest.year == today().year + 10
    assert field.clean(str(latest)) == latest
    assert errors(field, "9999-12-31") == [f"截止日期不能晚于 {latest:%Y-%m-%d},请检查年份。"]


def test_a_date_of_something_that_happened_is_not_after_today():
    field = core_forms.PastDateField(label="注销日期")
    assert field.clean(str(today())) == today()
    tomorrow = today() + dt.timedelta(days=1)
    assert errors(field, str(tomorrow)) == [f"注销日期不能晚于今天({today():%Y-%m-%d}):记录的是已经发生的事。"]
    assert errors(field, "2099-01-01") and errors(field, "1899-12-31")


def test_a_number_beyond_the_integer_columns_is_refused():
    field = core_forms.IntegerField(label="从业人员数", min_value=0)
    assert field.clean("2147483647") == 2_147_483_647
    assert errors(field, "9" * 40) == ["确保该值小于或等于2147483647。"]
    assert core_forms.IntegerField(max_value=10).max_value == 10


def test_an_id_beyond_every_integer_column_matches_nothing(org_in_a):
    from liangxin.registry.models import Organization

    assert list(Organization.objects.filter(pk__in=[10**25])) == []
    assert list(Organization.objects.filter(pk__in=[10**25, org_in_a.pk, -(2**70)])) == [org_in_a]
    assert list(Organization.objects.filter(pk__in=[2**63 - 1])) == []


def test_money_is_a_positive_decimal_in_yuan_with_at_most_two_decimals():
    field = core_forms.MoneyField(label="金额")
    assert field.clean("1,250.5元") == Decimal("1250.50")
    assert field.clean("１２３") == Decimal("123.00")
    assert errors(field, "0") == ["金额必须大于0。"]
    assert errors(field, "-3") == ["金额必须大于0。"]
    assert errors(core_forms.MoneyField(min_value=Decimal(0)), "-3") == ["金额不能为负数。"]
    assert core_forms.MoneyField(min_value=Decimal(0)).clean("0") == Decimal("0.00")
    assert errors(field, "1.005") == ["金额最多两位小数(元、角、分)。"]
    assert errors(field, "NaN") == errors(field, "Infinity") == ["请输入金额(元),如 1250 或 1250.50。"]
    assert errors(field, "100000000") == ["金额不能超过 99,999,999.99 元,请检查是否多输了位数。"]
    assert "金额过大,请检查是否多输了位数。" in errors(field, "9" * 40)
    assert errors(core_forms.MoneyField(max_value=Decimal("1000")), "1000.01") == [
        "金额不能超过 1,000 元,请检查是否多输了位数。"
    ]


def test_a_month_is_typed_as_people_write_it_and_cleaned_to_its_first_day():
    field = core_forms.MonthField(label="月份")
    for text in ("2026-03", "2026/3", "2026年3月", "2026-03-17", "２０２６-０３"):
        assert field.clean(text) == dt.date(2026, 3, 1), text
    for text in ("2026-13", "2026-00", "三月", "2026", "x" * 50):
        assert errors(field, text) == ["请按“2026-03”的格式填写年月。"], text
    assert errors(field, "1899-12") == [f"年月须在 1900-01 至 {core_forms.latest_date():%Y-%m} 之间。"]


def test_the_fast_select_renders_what_djangos_select_renders():
    """FastSelect writes the options itself (speed); the markup must stay Django's: values, labels
    escaped, the selected option, groups, the select's own attributes."""
    from django import forms as django_forms
    from django.test.html import parse_html

    from liangxin.core.forms import FastSelect

    choices = [("", "---------"), ("1", "甲 & 乙 <公司>"), ("乡镇", [("2", "丙"), ("3", '丁"店"')])]
    for value in ("2", "", None, "1"):
        ours = FastSelect(choices=choices, attrs={"class": "wide"}).render(
            "org", value, attrs={"id": "id_org", "required": True}
        )
        django = django_forms.Select(choices=choices, attrs={"class": "wide"}).render(
            "org", value, attrs={"id": "id_org", "required": True}
        )
        assert parse_html(ours) == parse_html(django)
    assert "&lt;公司&gt;" in ours and "selected" in ours
