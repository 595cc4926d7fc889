from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from liangxin.core.forms import NameField

DAY_CHOICES = [(30, _("30 天")), (90, _("90 天")), (180, _("180 天")), (365, _("365 天"))]


class TokenForm(forms.Form):
    name = NameField(label=_("名称"), max_length=50, help_text=_("用途,例如“市级党建平台同步”"))
    days = forms.TypedChoiceField(label=_("有效期"), choices=DAY_CHOICES, coerce=int)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["days"].initial = settings.API_TOKEN_DAYS
