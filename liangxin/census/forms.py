"""Forms of the census import pages: upload, column mapping, confirm, and the list filters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liangxin.core.dates import today
from liangxin.core.forms import PastDateField
from liangxin.geo.models import AdministrativeUnit, UnitLevel
from liangxin.security.uploads import UploadField

from . import mappings
from .models import BatchStatus, ChangeKind, ImportMode
from .tabular import BY_KEY, COLUMNS
from .tabular.columns import is_serial_header
from .tabular.problems import title_of


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: AdministrativeUnit) -> str:
        if obj.level == UnitLevel.COUNTY:
            return _("全县(%(name)s)") % {"name": obj.name}
        return str(obj.name)


def _units_field(units: QuerySet[AdministrativeUnit], label: str) -> UnitChoiceField:
    field = UnitChoiceField(queryset=units.order_by("level", "code"), label=label, empty_label=None)
    return field


class UploadForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=AdministrativeUnit.objects.none(), label=gettext_lazy("填报单位"))
    as_of = PastDateField(
        label=gettext_lazy("数据日期"),
        widget=_date_input(),
        initial=today,
        help_text=gettext_lazy("表中数字截至的日期,默认今天。"),
    )
    file = UploadField(label=gettext_lazy("摸底表文件"))

    def __init__(self, *args: Any, units: QuerySet[AdministrativeUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = _units_field(units, _("填报单位"))
        self.data_bytes = b""

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]  # through the upload gate
        self.data_bytes = upload.read()
        return upload


class TemplateForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=AdministrativeUnit.objects.none(), label=gettext_lazy("单位"))

    def __init__(self, *args: Any, units: QuerySet[AdministrativeUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = _units_field(units, _("模板预填哪个单位的组织"))


NOT_IMPORTED = ""


def column_choices() -> list[tuple[str, str]]:
    return [(NOT_IMPORTED, _("(不导入)")), *((c.key, c.label) for c in COLUMNS)]


class MappingForm(forms.Form):
    """One drop-down per header cell of the file: which template column it is."""

    def __init__(self, *args: Any, columns: Sequence[Sequence[Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.columns = [(str(letter), str(written), key) for letter, written, key in columns]
        choices = column_choices()
        for index, (letter, written, key) in enumerate(self.columns):
            if is_serial_header(written):
                continue
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=f"{letter} {written}", choices=choices, required=False, initial=key or NOT_IMPORTED
            )

    def rows(self) -> list[dict[str, Any]]:
        out = []
        first_of: dict[str, str] = {}
        for index, (letter, written, key) in enumerate(self.columns):
            name = f"col_{index}"
            duplicate_of = first_of.get(key) if key else None
            if key and key not in first_of:
                first_of[key] = letter
            out.append(
                {
                    "letter": letter,
                    "written": written,
                    "key": key,
                    "label": BY_KEY[key].label if key in BY_KEY else "",
                    "field": self[name] if name in self.fields else None,
                    "serial": name not in self.fields,
                    "default": mappings.default_key(written),
                    "duplicate_of": duplicate_of,
                }
            )
        return out

    @staticmethod
    def summary(rows: list[dict[str, Any]]) -> dict[str, int]:
        """How many columns were recognised, not recognised, or repeat another column."""
        data = [r for r in rows if not r["serial"]]
        return {
            "total": len(data),
            "mapped": sum(1 for r in data if r["key"] and not r["duplicate_of"]),
            "unmapped": sum(1 for r in data if not r["key"]),
            "duplicates": sum(1 for r in data if r["duplicate_of"]),
            "chosen": sum(1 for r in data if r["key"] and r["key"] != r["default"]),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for index, (_letter, written, _key) in enumerate(self.columns):
            name = f"col_{index}"
            if name not in self.fields:
                continue
            unit = mappings.unit_conflict(written, cleaned.get(name) or None)
            if unit is not None:
                self.add_error(
                    name,
                    _(
                        "“%(written)s”的单位是“%(unit)s”,与模板列不同,不能直接对应,否则数字会错。请在文件中换算后再导入。"
                    )
                    % {"written": written, "unit": unit},
                )
        return cleaned

    def choices(self) -> list[tuple[str, str | None]]:
        """(header as written, chosen key or None) for every header that has a drop-down."""
        out: list[tuple[str, str | None]] = []
        for index, (_letter, written, _key) in enumerate(self.columns):
            name = f"col_{index}"
            if name in self.fields:
                out.append((written, self.cleaned_data.get(name) or None))
        return out


class NewOrganizationsForm(forms.Form):
    """The rows whose name matches an organization with another USCC (``name_uscc_conflict``):
    the clerk ticks those that are other organizations, to be registered as new. ``conflicts``
    are (USCC, message) of the preview's problems; codes already declared new stay listed, ticked,
    so that a declaration can be taken back."""

    new_organizations = forms.MultipleChoiceField(
        label=gettext_lazy("作为新组织登记"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self, *args: Any, conflicts: Sequence[tuple[str, str]], declared: Sequence[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = dict(conflicts)
        for code in declared:
            choices.setdefault(code, _("已确认为新组织"))
        field = self.fields["new_organizations"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(code, f"{code}:{text}") for code, text in sorted(choices.items())]
        field.initial = list(declared)

    def codes(self) -> list[str]:
        return sorted(self.cleaned_data.get("new_organizations") or [])


class ConfirmForm(forms.Form):
    mode = forms.ChoiceField(
        label=gettext_lazy("导入方式"),
        choices=ImportMode.choices,
        initial=ImportMode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )

    @classmethod
    def for_preview(cls, *, rows: int, rejected: int) -> ConfirmForm:
        """The form under a preview: each mode says what it would do with this file before the
        click, and the one chosen is what a clerk expects from what the preview shows — the valid
        rows when it shows rejected ones (all or nothing would import nothing), else all."""
        form = cls(initial={"mode": ImportMode.ACCEPT_VALID if rejected else ImportMode.ALL_OR_NOTHING})
        mode = form.fields["mode"]
        assert isinstance(mode, forms.ChoiceField)
        if rejected:
            all_or_nothing = _("全部导入或全部不导入:文件有错误,选这一项将不导入任何数据,请改正后重新上传。")
        else:
            all_or_nothing = _("全部导入或全部不导入:%(rows)d 行全部写入登记册,出错则一行也不写。") % {"rows": rows}
        accept_valid = _(
            "只导入有效行:%(valid)d 行写入登记册,有错误的 %(rejected)d 行不导入,列为退回清单(可下载,改正后再导入)。"
        ) % {"valid": max(rows - rejected, 0), "rejected": rejected}
        mode.choices = [(ImportMode.ALL_OR_NOTHING, all_or_nothing), (ImportMode.ACCEPT_VALID, accept_valid)]
        return form


class ProblemFilterForm(forms.Form):
    severity = forms.ChoiceField(
        label=gettext_lazy("级别"),
        required=False,
        choices=[("", gettext_lazy("全部")), ("error", gettext_lazy("错误")), ("warning", gettext_lazy("警告"))],
    )
    code = forms.ChoiceField(label=gettext_lazy("问题类型"), required=False)

    def __init__(self, *args: Any, codes: Sequence[tuple[str, int]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        code = self.fields["code"]
        assert isinstance(code, forms.ChoiceField)
        code.choices = [("", _("全部")), *((c, f"{title_of(c)}({n})") for c, n in codes)]

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


class ChangeFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("变更类型"),
        required=False,
        choices=[("", gettext_lazy("全部")), *ChangeKind.choices],
    )

    def kind_filter(self) -> str:
        return self.cleaned_data.get("kind", "") if self.is_valid() else ""


class BatchFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("状态"), required=False, choices=[("", gettext_lazy("全部")), *BatchStatus.choices]
    )

    def status_filter(self) -> str:
        return self.cleaned_data.get("status", "") if self.is_valid() else ""
