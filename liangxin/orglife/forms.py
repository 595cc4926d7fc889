"""Forms of organization life: dates, numbers and text through ``core.forms``; files through the
one upload gate (``security.uploads.UploadField``, kind evidence)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from liangxin.core.dates import today
from liangxin.core.forms import DateField, IntegerField, PastDateField, TextField, TownshipFilterForm
from liangxin.core.text import normalize_name
from liangxin.registry.models import Member, Organization
from liangxin.security.uploads import UploadField, UploadKind

from .choices import GuestKind
from .models import ActivityType

if TYPE_CHECKING:
    from .services import ActivityData

GUEST_KINDS = {str(label): value for value, label in GuestKind.choices}


class ActivityForm(forms.Form):
    activity_type = forms.ModelChoiceField(label=_("活动类型"), queryset=ActivityType.objects.none())
    held_on = PastDateField(label=_("活动日期"))
    hours = IntegerField(label=_("时长(小时)"), min_value=0, max_value=24, initial=2)
    minutes = IntegerField(label=_("时长(分钟)"), min_value=0, max_value=59, initial=0, required=False)
    place = TextField(label=_("地点"), max_length=200)
    topic = TextField(label=_("主题"), max_length=200)
    content = TextField(label=_("内容"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    present = forms.ModelMultipleChoiceField(
        label=_("出席的党员"), queryset=Member.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    absences = TextField(
        label=_("缺席的党员及原因"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一人:姓名:原因(如“张三:外出务工”)。未勾选出席的党员都须在此写明原因。"),
    )
    guests = TextField(
        label=_("其他参加人员"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一人:姓名,类别(其他党组织党员、流动党员、覆盖组织人员、其他人员;不写为其他人员)。"),
    )
    held_in = forms.ModelChoiceField(
        label=_("活动举办地(两新组织)"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("(不在两新组织中)"),
    )
    took_part = forms.ModelMultipleChoiceField(
        label=_("参加活动的两新组织"), queryset=Organization.objects.none(), required=False
    )
    # The version the correction form showed: a correction made meanwhile by someone else is refused.
    version = IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(
        self,
        *args: Any,
        types: QuerySet[ActivityType] | None = None,
        members: QuerySet[Member] | None = None,
        organizations: QuerySet[Organization] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if types is not None:
            self.fields["activity_type"].queryset = types  # type: ignore[attr-defined]
        if members is not None:
            self.fields["present"].queryset = members  # type: ignore[attr-defined]
        if organizations is not None:
            self.fields["held_in"].queryset = organizations  # type: ignore[attr-defined]
            self.fields["took_part"].queryset = organizations  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        minutes = (data.get("hours") or 0) * 60 + (data.get("minutes") or 0)
        if "hours" in data and not 1 <= minutes <= 24 * 60:
            self.add_error("hours", _("时长须在1分钟到24小时之间。"))
        data["duration_minutes"] = minutes
        members = list(self.fields["present"].queryset)  # type: ignore[attr-defined]
        by_name: dict[str, list[Member]] = {}
        for member in members:
            by_name.setdefault(normalize_name(member.name), []).append(member)
        present = {m.pk for m in data.get("present") or []}
        absent: list[tuple[Member, str]] = []
        problems = []
        for line in (data.get("absences") or "").splitlines():
            if not line.strip():
                continue
            name, sep, reason = line.replace(":", ":").partition(":")
            found = by_name.get(normalize_name(name), [])
            if not sep or not reason.strip():
                problems.append(_("“%(line)s”:请写成“姓名:原因”。") % {"line": line.strip()})
            elif len(found) != 1:
                problems.append(_("“%(name)s”不是本党组织的党员(或有同名,无法区分)。") % {"name": name.strip()})
            elif found[0].pk in present:
                problems.append(_("%(name)s 已勾选出席。") % {"name": found[0].name})
            else:
                absent.append((found[0], reason.strip()))
        accounted = present | {m.pk for m, _reason in absent}
        missing = [m.name for m in members if m.pk not in accounted]
        if missing and not problems:
            problems.append(_("请为未出席的党员写明缺席原因:%(names)s。") % {"names": "、".join(missing)})
        if problems:
            self.add_error("absences", problems)
        data["absent"] = absent
        guests = []
        for line in (data.get("guests") or "").splitlines():
            if not line.strip():
                continue
            name, _sep, kind_label = line.replace(",", ",").partition(",")
            kind = GUEST_KINDS.get(kind_label.strip(), GuestKind.OTHER if not kind_label.strip() else "")
            if not kind or not name.strip():
                self.add_error("guests", _("“%(line)s”:类别须是规定的几种之一。") % {"line": line.strip()})
                continue
            guests.append((name.strip()[:50], kind))
        data["guest_rows"] = guests
        return data


def activity_initial(data: ActivityData, *, version: int) -> dict[str, Any]:
    """A recorded activity (``services.recorded_data``) as ``ActivityForm`` shows it: absences and
    guests one a line, as typed."""
    labels = dict(GuestKind.choices)
    return {
        "activity_type": data.activity_type.pk,
        "held_on": data.held_on,
        "hours": data.duration_minutes // 60,
        "minutes": data.duration_minutes % 60,
        "place": data.place,
        "topic": data.topic,
        "content": data.content,
        "present": [m.pk for m in data.present],
        "absences": "\n".join(f"{member.name}:{reason}" for member, reason in data.absent),
        "guests": "\n".join(f"{name},{labels[kind]}" for name, kind in data.guests),
        "held_in": data.held_in.pk if data.held_in else None,
        "took_part": [o.pk for o in data.took_part],
        "version": version,
    }


class FileForm(forms.Form):
    file = UploadField(kind=UploadKind.EVIDENCE, label=_("照片或文件"))


class AsOfForm(TownshipFilterForm):
    """The day (and for county roles a township) a list is computed for; today when left out."""

    as_of = DateField(label=_("截至日期"), required=False)

    def chosen_as_of(self) -> dt.date:
        return (self.cleaned_data.get("as_of") if self.is_valid() else None) or today()
