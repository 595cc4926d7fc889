"""Forms of the account pages: they parse and check input; the services decide."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liangxin.core.forms import NameField, TextField
from liangxin.security.passwords import password_rules

from . import selectors
from .roles import SCOPE_OF_ROLE, Role, ScopeKind

# The form field that carries the scope of each scope kind.
SCOPE_FIELD: dict[ScopeKind, str] = {
    ScopeKind.TOWNSHIP: "township",
    ScopeKind.DEPARTMENT: "department",
    ScopeKind.PARTY_ORGANIZATION: "party_organization",
}


def scope_field_for(role: str) -> str | None:
    """The name of the scope field a role needs, or None (county-wide roles, administrators)."""
    return SCOPE_FIELD.get(SCOPE_OF_ROLE.get(role, ScopeKind.NONE))


def _role_choices(roles: Iterable[str]) -> list[tuple[str, str]]:
    wanted = set(roles)
    return [(value, str(label)) for value, label in Role.choices if value in wanted]


class ScopeForm(forms.Form):
    """The role and the three scope fields. Only the field the chosen role needs is shown; the
    others are ignored by the services."""

    role = forms.ChoiceField(label=_("角色"))
    township = forms.ModelChoiceField(queryset=selectors.township_choices(), required=False, label=_("所辖乡镇(街道)"))
    department = forms.ModelChoiceField(
        queryset=selectors.department_choices(), required=False, label=_("所属行业主管部门")
    )
    party_organization = forms.ModelChoiceField(
        queryset=selectors.party_organization_choices(), required=False, label=_("所在党组织")
    )

    def __init__(self, *args: Any, roles: Iterable[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = _role_choices(roles)
        role_field = self.fields["role"]
        assert isinstance(role_field, forms.ChoiceField)
        role_field.choices = choices
        if choices and not self.is_bound and "role" not in self.initial:
            self.initial["role"] = choices[0][0]

    def selected_role(self) -> str:
        """The role the form currently shows: as posted, else as initially chosen."""
        if self.is_bound:
            return str(self.data.get(self.add_prefix("role"), ""))
        return str(self.initial.get("role", ""))

    def scope_field_name(self) -> str | None:
        return scope_field_for(self.selected_role())


class UserCreateForm(forms.Form):
    """A new account: who it is and its first password. No role or scope: the security
    administrator assigns them afterwards (``roles.py``)."""

    username = TextField(label=_("账号"), max_length=150)
    full_name = NameField(label=_("姓名"), max_length=50, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=32, required=False)
    password = forms.CharField(
        label=_("初始密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_rules(),
    )
    password_confirm = forms.CharField(
        label=_("确认密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password_confirm") and data["password"] != data["password_confirm"]:
            self.add_error("password_confirm", _("两次输入的密码不一致。"))
        return data


class AssignRoleForm(ScopeForm):
    pass


class ResetPasswordForm(forms.Form):
    new_password = forms.CharField(
        label=_("新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_rules(),
    )
    new_password_confirm = forms.CharField(
        label=_("确认新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("new_password"), data.get("new_password_confirm")
        if first and second and first != second:
            self.add_error("new_password_confirm", _("两次输入的密码不一致。"))
        return data


class OwnPasswordForm(ResetPasswordForm):
    old_password = forms.CharField(
        label=_("原密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    field_order = ["old_password", "new_password", "new_password_confirm"]


class UserFilterForm(forms.Form):
    q = forms.CharField(label=_("账号或姓名"), required=False, max_length=100)
    role = forms.ChoiceField(label=_("角色"), required=False)
    active = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), ("1", _("启用")), ("0", _("停用"))]
    )

    def __init__(self, *args: Any, roles: Iterable[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role_field = self.fields["role"]
        assert isinstance(role_field, forms.ChoiceField)
        role_field.choices = [("", _("全部")), *_role_choices(roles)]

    def filters(self) -> selectors.AccountFilter:
        """The filter from the valid fields; an invalid field is simply not applied."""
        if not self.is_bound:
            return selectors.AccountFilter()
        self.is_valid()  # fills cleaned_data with the fields that parsed
        data = self.cleaned_data
        active = data.get("active")
        return selectors.AccountFilter(
            q=data.get("q", ""),
            role=data.get("role", ""),
            active=None if not active else active == "1",
        )
