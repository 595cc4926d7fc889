from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liangxin.core.forms import TextField

from .lockouts import BY_ADDRESS, BY_USERNAME


class CodeForm(forms.Form):
    """The login's second step. The six digits go in a box that brings up the numeric keypad on a
    phone; a recovery code (letters and digits) has a box of its own, folded away, since a numeric
    keypad cannot type it. Either box takes either kind: the code checked is whichever was filled."""

    code = TextField(
        label=_("验证码"),
        max_length=32,
        required=False,
        help_text=_("手机验证器(如 Microsoft Authenticator、腾讯身份验证器)上的 6 位数字。"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )
    recovery = TextField(
        label=_("恢复码"),
        max_length=32,
        required=False,
        help_text=_("启用两步验证时保存的恢复码之一,每个只能用一次。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        code = data.get("code") or data.get("recovery") or ""
        if not code:
            self.add_error("code", _("请输入验证器上的 6 位数字,或一个恢复码。"))
        data["code"] = code
        return data


class SetupForm(forms.Form):
    code = TextField(
        label=_("验证码"),
        max_length=16,
        help_text=_("扫描二维码后,输入验证器上显示的 6 位数字。"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class DisableForm(forms.Form):
    password = forms.CharField(
        label=_("登录密码"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class UnlockForm(forms.Form):
    kind = forms.ChoiceField(choices=[(BY_USERNAME, _("账号")), (BY_ADDRESS, _("来源地址"))])
    value = TextField(max_length=255)


class ResetTwoFactorForm(forms.Form):
    username = TextField(label=_("账号"), max_length=150)
