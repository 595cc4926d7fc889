"""The form fields every form takes dates and text with: one home for what a date or a name may be.

- ``DateField``: a date from ``EARLIEST`` (1900) to ``PLANNING_YEARS`` years from today. Dates
  beyond either end are typing errors (0001-01-01, 9999-12-31, 2099-01-01), and they would
  break the date arithmetic of the pages that use them.
- ``PastDateField``: a date when something happened (figures took effect, an organization was
  deregistered, a party organization founded): not after today either.
- ``TextField``: text, trimmed of white space *and* of invisible characters (zero-width spaces,
  byte-order marks, direction marks) at both ends, so text made of nothing visible counts as
  empty: a required field says so.
- ``NameField``: a name (of an organization, a party organization, a person, a campaign): text
  with at least one letter or digit, and no control or invisible character inside it.
- ``IntegerField``: a whole number no larger than the smallest integer column holds
  (2,147,483,647 on PostgreSQL): a larger one made the database raise, a 500.
- ``MoneyField``: an amount in yuan, a ``Decimal`` with at most two decimals (yuan, jiao, fen),
  more than zero unless told otherwise, and at most ``max_value`` (by default below a hundred
  million yuan: a larger figure in a party organization's funds is a typing error).
- ``MonthField``: a month typed ``2026-03`` (or any day of it), returned as its first day, within
  the years ``DateField`` takes.
- ``PickerField``: one row of a list too long for a select (a county's members or organizations),
  found by a search box; the posted id is checked against the user's scope like any choice.
- ``year_field``: a year figures are kept for, 2000 to 2100.
- ``TownshipFilterForm`` and ``YearFilterForm``: a list page's filters, the township it drills down
  to (among those the view offers) and the year it shows (this year unless the page says otherwise;
  its box then says which).

A test walks every form of the project and fails on a ``forms.DateField``, an unbounded integer
field, a money field (named ``amount``, ``base`` or ``…_income``), a required text field or a name
field that does not use these
(``core/tests/test_form_fields.py``).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.forms.utils import flatatt
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .dates import today

EARLIEST = dt.date(1900, 1, 1)
PLANNING_YEARS = 10
LARGEST_INTEGER = 2_147_483_647
FIRST_YEAR, LAST_YEAR = 2000, 2100

# Characters that show nothing: format characters (zero-width space and joiners, byte-order mark,
# direction marks, soft hyphen), controls, and every kind of space.
_INVISIBLE_CATEGORIES = {"Cf", "Cc", "Zs", "Zl", "Zp"}


def is_invisible(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) in _INVISIBLE_CATEGORIES


def strip_invisible(value: str) -> str:
    start, end = 0, len(value)
    while start < end and is_invisible(value[start]):
        start += 1
    while end > start and is_invisible(value[end - 1]):
        end -= 1
    return value[start:end]


def latest_date() -> dt.date:
    now = today()
    try:
        return now.replace(year=now.year + PLANNING_YEARS)
    except ValueError:  # 29 February
        return now.replace(year=now.year + PLANNING_YEARS, day=28)


class DateField(forms.DateField):
    def validate(self, value: Any) -> None:
        super().validate(value)
        if value in self.empty_values:
            return
        what = str(self.label or _("日期"))
        if value < EARLIEST:
            raise ValidationError(
                _("%(what)s不能早于 %(date)s,请检查年份。") % {"what": what, "date": f"{EARLIEST:%Y-%m-%d}"},
                code="too_early",
            )
        latest = self.latest()
        if value > latest:
            raise ValidationError(self.too_late_message(what, latest), code="too_late")

    def latest(self) -> dt.date:
        return latest_date()

    def too_late_message(self, what: str, latest: dt.date) -> str:
        return _("%(what)s不能晚于 %(date)s,请检查年份。") % {"what": what, "date": f"{latest:%Y-%m-%d}"}


class PastDateField(DateField):
    def latest(self) -> dt.date:
        return today()

    def too_late_message(self, what: str, latest: dt.date) -> str:
        return _("%(what)s不能晚于今天(%(date)s):记录的是已经发生的事。") % {"what": what, "date": f"{latest:%Y-%m-%d}"}


class IntegerField(forms.IntegerField):
    def __init__(self, *, max_value: int = LARGEST_INTEGER, **kwargs: Any) -> None:
        super().__init__(max_value=min(max_value, LARGEST_INTEGER), **kwargs)


def year_field(**kwargs: Any) -> IntegerField:
    """A year figures are kept for, 2000 to 2100: a year outside them is a typing error."""
    return IntegerField(label=gettext_lazy("年度"), min_value=FIRST_YEAR, max_value=LAST_YEAR, **kwargs)


class TextField(forms.CharField):
    default_error_messages = {"required": gettext_lazy("请填写这一项(只有空格或不可见字符的不算)。")}

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        if isinstance(value, str) and self.strip:
            value = strip_invisible(value)
            if value in self.empty_values:
                return self.empty_value
        return value


class NameField(TextField):
    default_error_messages = {"required": gettext_lazy("请填写名称(只有空格或不可见字符的不算)。")}

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value in self.empty_values:
            return
        if not any(unicodedata.category(ch)[0] in "LN" for ch in value):
            raise ValidationError(_("名称至少要有一个汉字、字母或数字。"), code="no_letters")
        if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
            raise ValidationError(_("名称中有控制字符或不可见字符,请删除后重新输入。"), code="invisible")


LARGEST_MONEY = Decimal("99999999.99")


class MoneyField(forms.DecimalField):
    default_error_messages = {
        "invalid": gettext_lazy("请输入金额(元),如 1250 或 1250.50。"),
        "max_decimal_places": gettext_lazy("金额最多两位小数(元、角、分)。"),
        "max_digits": gettext_lazy("金额过大,请检查是否多输了位数。"),
        "max_whole_digits": gettext_lazy("金额过大,请检查是否多输了位数。"),
    }

    def __init__(
        self, *, min_value: Decimal = Decimal("0.01"), max_value: Decimal = LARGEST_MONEY, **kwargs: Any
    ) -> None:
        super().__init__(
            max_digits=12, decimal_places=2, min_value=min_value, max_value=min(max_value, LARGEST_MONEY), **kwargs
        )
        self.error_messages["min_value"] = _("金额必须大于0。") if min_value > 0 else _("金额不能为负数。")
        self.error_messages["max_value"] = _("金额不能超过 %(limit)s 元,请检查是否多输了位数。") % {
            "limit": f"{self.max_value:,}"
        }
        self.widget.attrs.setdefault("inputmode", "decimal")

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        # Figures as people write them: 1,250.00 / 1250元 / full-width digits.
        if isinstance(value, str):
            value = unicodedata.normalize("NFKC", value).replace(",", "").strip().removesuffix("元").strip()
        result = super().to_python(value)
        if result is not None and not result.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return result

    def clean(self, value: Any) -> Decimal | None:
        result = super().clean(value)
        return None if result is None else result.quantize(Decimal("0.01"))


_MONTH = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*(?:[-/.]\s*\d{1,2}\s*日?)?\s*$")


class MonthField(forms.Field):
    """A month: ``2026-03``, ``2026/3``, ``2026年3月`` or a day of it, cleaned to the first day."""

    widget = forms.TextInput
    default_error_messages = {"invalid": gettext_lazy("请按“2026-03”的格式填写年月。")}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("placeholder", "2026-03")
        self.widget.attrs.setdefault("maxlength", "20")

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, dt.date):
            return value.replace(day=1)
        if value in self.empty_values:
            return None
        text = str(value)
        if len(text) > 20:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        match = _MONTH.match(unicodedata.normalize("NFKC", text))
        if match is None or not 1 <= int(match.group(2)) <= 12:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        month = dt.date(int(match.group(1)), int(match.group(2)), 1)
        if month < EARLIEST or month > latest_date():
            raise ValidationError(
                _("年月须在 %(first)s 至 %(last)s 之间。")
                % {"first": f"{EARLIEST:%Y-%m}", "last": f"{latest_date():%Y-%m}"},
                code="out_of_range",
            )
        return month

    def prepare_value(self, value: Any) -> Any:
        return f"{value:%Y-%m}" if isinstance(value, dt.date) else value


class FastSelect(forms.Select):
    """A select whose options are written in Python rather than through Django's template per
    option: a county administrator's list of 1,100 organizations or members took 60–150 ms CPU to
    render that way, most of a form page's time (``make bench BENCH=pages``). Same markup."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group_name, options, _index in widget["optgroups"]:
            rendered = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                (("" if o["value"] is None else o["value"], flatatt(o["attrs"]), o["label"]) for o in options),
            )
            groups.append(
                format_html('<optgroup label="{}">{}</optgroup>', group_name, rendered) if group_name else rendered
            )
        # Every part was escaped by format_html and format_html_join above.
        options = mark_safe("".join(groups))
        return format_html('<select name="{}"{}>{}</select>', widget["name"], flatatt(widget["attrs"]), options)


class ModelChoiceField(forms.ModelChoiceField):
    """A choice of a model's rows rendered by :class:`FastSelect`: for lists as long as a county's
    organizations or members."""

    widget = FastSelect


# --- Picking one of many rows by searching ------------------------------------------------------

MAX_QUERY = 100  # characters of a search kept (a name, pinyin or credit code is far shorter)


@dataclass(frozen=True)
class PickOption:
    pk: int
    label: str
    detail: str = ""  # what tells two rows of the same name apart (a township, a party organization)


@dataclass(frozen=True)
class Picker:
    """How rows of one kind are searched for a :class:`PickerField` and for its search endpoint
    (``url_name``, which answers ``GET ?<field>_q=…&name=<field>`` with at most ``LIMIT`` options).
    The queryset (the user's scope) is the caller's; the picker only narrows and labels it."""

    url_name: str
    match: Callable[[str], Q]  # rows matching what was typed (part of the name, pinyin initials …)
    exact: Callable[[str], Q]  # rows named exactly what was typed (the answer without JavaScript)
    rows: Callable[[QuerySet[Any]], QuerySet[Any]]  # these rows in the order shown, with what labels need
    option: Callable[[Any], PickOption]  # one row's label
    placeholder: str | Promise = ""

    LIMIT = 20

    def search(self, queryset: QuerySet[Any], q: str) -> tuple[list[PickOption], bool]:
        """At most ``LIMIT`` rows of ``queryset`` matching ``q`` (none for an empty ``q``), and
        whether there were more."""
        q = " ".join(q.split())[:MAX_QUERY]
        if not q:
            return [], False
        found = [self.option(row) for row in self.rows(queryset.filter(self.match(q)))[: self.LIMIT + 1]]
        return found[: self.LIMIT], len(found) > self.LIMIT

    def chosen(self, queryset: QuerySet[Any], pk: Any) -> PickOption | None:
        try:
            row = self.rows(queryset.filter(pk=int(pk))).first()
        except (TypeError, ValueError, OverflowError):
            return None
        return None if row is None else self.option(row)


def picker_query(data: Any, name: str) -> tuple[str, str]:
    """What a picker named ``name`` sent: the chosen row's id and the text typed."""
    return str(data.get(name) or ""), " ".join(str(data.get(f"{name}_q") or "").split())[:MAX_QUERY]


class SearchPicker(forms.Widget):
    """A search box and the options found (radio buttons named after the field). With htmx each
    keystroke asks the picker's endpoint for the options; without JavaScript the typed name is sent
    with the form, and the form answers with the matches to choose from
    (``templates/core/_search_picker.html``)."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> tuple[str, str]:
        return picker_query(data, name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and f"{name}_q" not in data

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        field: PickerField = self.choices.field  # type: ignore[attr-defined]  # ModelChoiceIterator
        pk, q = value if isinstance(value, tuple) else ("" if value is None else str(value), "")
        rows = field.queryset  # None only before the view gives the field its rows: nothing to offer
        chosen = field.picker.chosen(rows, pk) if pk and rows is not None else None
        found, more = field.picker.search(rows, q) if q and chosen is None and rows is not None else ([], False)
        attrs = self.build_attrs(self.attrs, attrs)
        context = {
            "name": name,
            "id": attrs.get("id") or f"id_{name}",
            "q": q if chosen is None else chosen.label,
            "url": reverse(field.picker.url_name),
            "placeholder": field.picker.placeholder,
            "options": [chosen] if chosen else found,
            "chosen": chosen.pk if chosen else None,
            "more": more,
            "searched": bool(q) and chosen is None,
            "limit": Picker.LIMIT,
        }
        return render_to_string("core/_search_picker.html", context)


class PickerField(forms.ModelChoiceField):
    """One row of a long list (a county's members or organizations) chosen by searching rather
    than from a select of every row. The posted id is checked against the queryset (the user's
    scope, as the view gives it): an id outside it is refused like any invalid choice. Without an id,
    a name typed exactly (``Picker.exact``) chooses the one row of that name."""

    widget = SearchPicker
    default_error_messages = {
        "invalid_choice": gettext_lazy("所选项不在您的管理范围内或已不存在,请重新查找选择。"),
        "not_found": gettext_lazy("没有找到名为“%(q)s”的记录,请从查找结果中选择。"),
        "several": gettext_lazy("名为“%(q)s”的记录不止一条,请从查找结果中选择。"),
    }

    def __init__(self, *, picker: Picker, **kwargs: Any) -> None:
        self.picker = picker
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        pk, q = value if isinstance(value, tuple) else (value, "")
        if pk not in self.empty_values or not q:
            return super().clean(pk)
        matches = list(self.queryset.filter(self.picker.exact(q))[:2])  # type: ignore[union-attr]
        if len(matches) == 1:
            self.run_validators(matches[0])
            return matches[0]
        code = "several" if matches else "not_found"
        raise ValidationError(self.error_messages[code], code=code, params={"q": q})

    def has_changed(self, initial: Any, data: Any) -> bool:
        pk, q = data if isinstance(data, tuple) else (data, "")
        return super().has_changed(initial, pk) or bool(q)


# --- A list page's filters -----------------------------------------------------------------------


class TownshipFilterForm(forms.Form):
    """The filters of a list page, read from its query string. Given the townships a user may
    choose among, it offers them (all when none is chosen); a view that reads no township passes
    none, and the form then has no township field."""

    def __init__(self, *args: Any, townships: QuerySet[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if townships is not None:
            self.fields["township"] = ModelChoiceField(
                label=gettext_lazy("乡镇(街道)"),
                queryset=townships,
                required=False,
                empty_label=gettext_lazy("全部"),
            )
            # The township follows the fields that say when, and comes before the rest.
            self.order_fields(["year", "as_of", "township"])

    def chosen_township(self) -> Any:
        """The township chosen (an ``AdministrativeUnit``), None for all."""
        if "township" not in self.fields or not self.is_valid():
            return None
        return self.cleaned_data.get("township")


class YearFilterForm(TownshipFilterForm):
    """The year a page shows: ``default_year()`` (this year) when none is asked for. The box is
    then filled with it, so that it says which year the page shows."""

    year = year_field(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.is_bound and not self.data.get("year"):
            data: Any = self.data  # a QueryDict or a dict: both copy to a mutable mapping
            data = data.copy()
            data["year"] = str(self.default_year())
            self.data = data

    def default_year(self) -> int:
        return today().year

    def chosen_year(self) -> int:
        year = self.cleaned_data.get("year") if self.is_valid() else None
        return int(year) if year else self.default_year()
