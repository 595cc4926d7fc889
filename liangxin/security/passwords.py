"""Password policy: strength, history, expiry, and who must change their password now.

The validators are Django password validators (``AUTH_PASSWORD_VALIDATORS``), so every path that
sets a password through ``validate_password`` applies them: account creation, an administrator's
reset, one's own change, ``create_county_admin``.

``PasswordHistoryValidator.password_changed`` is Django's hook after a new password is saved. It
keeps the hash in the history and decides whether the owner must change it at next login: a
password set by anyone but its owner (a new account, an administrator's reset, a command) must
be. The owner's own change says so explicitly with ``set_by_owner(user)``; everything else is
"set by someone else", so forgetting it errs on the safe side.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import CommonPasswordValidator, password_validators_help_texts
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.core import demo_logins

from .models import PasswordHistory
from .password_patterns import Weakness, weakness

CHINESE_COMMON_PASSWORDS = Path(__file__).with_name("common_passwords_zh.txt")

_owner_changing: ContextVar[int | None] = ContextVar("liangxin_password_owner", default=None)


@contextmanager
def set_by_owner(user: User) -> Iterator[None]:
    """Inside this block, a new password of ``user`` counts as chosen by ``user`` themselves."""
    token = _owner_changing.set(user.pk)
    try:
        yield
    finally:
        _owner_changing.reset(token)


# --- Validators ------------------------------------------------------------------------------------


def character_classes(password: str) -> int:
    """How many of lower case, upper case, digits and other characters the password uses."""
    return sum(
        [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )


class CharacterClassesValidator:
    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return _("密码须包含大写字母、小写字母、数字和其他符号中的至少 %(n)d 类。") % {"n": self.min_classes}


class NotContainingUsernameValidator:
    """Refuses a password that contains the account name (either way round), whatever the case:
    ``county_admin2026!`` is as guessable as the account name itself."""

    def validate(self, password: str, user: Any = None) -> None:
        username = str(getattr(user, "username", "") or "").casefold()
        if len(username) < 3:
            return
        folded = password.casefold()
        if username in folded or username[::-1] in folded:
            raise ValidationError(_("密码不能包含账号名。"), code="password_contains_username")

    def get_help_text(self) -> str:
        return _("密码不能包含账号名。")


@functools.cache
def common_passwords() -> frozenset[str]:
    """Django's list of 20,000 common passwords and the common Chinese choices, case-folded."""
    chinese = (
        line.strip().casefold()
        for line in CHINESE_COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )
    return frozenset(CommonPasswordValidator().passwords) | frozenset(chinese)


class GuessablePasswordValidator:
    """Refuses common passwords and keyboard or counting patterns, also when dressed up with
    digits, a year or symbols (``Admin@123456``, ``P@ssw0rd2026``): the rule is in
    ``password_patterns``. It takes the place of Django's ``CommonPasswordValidator``, whose
    list it reads, and which only refuses the list's words exactly as written."""

    def validate(self, password: str, user: Any = None) -> None:
        found = weakness(password, common_passwords())
        if found is Weakness.COMMON:
            raise ValidationError(
                _(
                    "这个密码太常见(常用密码、拼音或姓名,加上数字、年份或符号也一样),"
                    "很容易被猜中。请换一个与众不同的密码。"
                ),
                code="password_too_common",
            )
        if found is Weakness.PATTERN:
            raise ValidationError(
                _("这个密码是键盘上相邻的按键或连续、重复的字符(如 qwerty、1qaz2wsx、abc123),很容易被猜中。"),
                code="password_keyboard_pattern",
            )

    def get_help_text(self) -> str:
        return _(
            "不能是常用密码、常见拼音或姓名,也不能是键盘上相邻的按键或连续的字符"
            "(如 password、woaini、Admin@123456、1qaz2wsx),加上数字、年份或符号也不行。"
        )


def password_rules_html() -> SafeString:
    """Every rule a new password must keep, as a list for the password forms, shown before the
    user types: the help texts of ``AUTH_PASSWORD_VALIDATORS``, so the list cannot drift from
    the rules applied."""
    return format_html(
        '<ul class="password-rules">{}</ul>',
        format_html_join("", "<li>{}</li>", ((text,) for text in password_validators_help_texts())),
    )


password_rules = lazy(password_rules_html, SafeString)


class PasswordHistoryValidator:
    def __init__(self, history: int = 5) -> None:
        self.history = history

    def _previous_hashes(self, user: User) -> list[str]:
        hashes = list(
            PasswordHistory.objects.filter(user=user)
            .order_by("-created_at", "-pk")
            .values_list("password", flat=True)[: self.history]
        )
        # The current password, also when it was set before the history existed.
        if user.password and user.has_usable_password() and user.password not in hashes:
            hashes = [user.password, *hashes][: self.history]
        return hashes

    def validate(self, password: str, user: Any = None) -> None:
        if not isinstance(user, User) or user.pk is None:
            return
        for encoded in self._previous_hashes(user):
            if check_password(password, encoded):
                raise ValidationError(
                    _("新密码不能与最近 %(n)d 次使用过的密码相同。") % {"n": self.history},
                    code="password_reused",
                )

    def password_changed(self, password: str, user: Any = None) -> None:
        if not isinstance(user, User) or user.pk is None:
            return
        now = timezone.now()
        PasswordHistory.objects.create(user=user, password=user.password, created_at=now)
        stale = PasswordHistory.objects.filter(user=user).order_by("-created_at", "-pk")[self.history :]
        PasswordHistory.objects.filter(pk__in=list(stale.values_list("pk", flat=True))).delete()
        user.password_changed_at = now
        user.must_change_password = _owner_changing.get() != user.pk
        User.objects.filter(pk=user.pk).update(
            password_changed_at=user.password_changed_at, must_change_password=user.must_change_password
        )

    def get_help_text(self) -> str:
        return _("新密码不能与最近 %(n)d 次使用过的密码相同。") % {"n": self.history}


# --- Who must change their password now ----------------------------------------------------------


def password_expires_at(user: User) -> dt.datetime | None:
    days = settings.PASSWORD_MAX_AGE_DAYS
    if days <= 0:
        return None
    changed = user.password_changed_at or user.date_joined
    return changed + dt.timedelta(days=days)


def password_expired(user: User, *, now: dt.datetime | None = None) -> bool:
    expires = password_expires_at(user)
    return expires is not None and (now or timezone.now()) >= expires


def is_demo_account(user: User) -> bool:
    """A demo login in a demo database (``core.demo_logins``)."""
    return demo_logins.is_demo_account(user.username)


def password_change_reason_before_demo(user: User) -> str | None:
    """Why ``user`` must change their password before doing anything else, or None; the demo
    exemption (``is_demo_account``) is the caller's, as it costs a query."""
    if user.must_change_password:
        return _("您的密码由管理员设置,请先修改为只有您自己知道的密码。")
    if password_expired(user):
        return _("您的密码已超过 %(days)d 天未修改,请先修改密码。") % {"days": settings.PASSWORD_MAX_AGE_DAYS}
    return None


def password_change_reason(user: User) -> str | None:
    reason = password_change_reason_before_demo(user)
    return None if reason is None or is_demo_account(user) else reason
