"""The login in two steps: the password (``accounts.views.LoginView``), then, for an account with
two-factor login or a role that requires it, a code (``security.views.otp_verify``) or, the first
time, the enrolment (``security.views.otp_setup``).

Between the steps nobody is logged in: the session holds only which account passed the password
step, and for how long that counts (``OTP_PENDING_SECONDS``). ``django.contrib.auth.login`` is
called once, at the end, so the audit record of the login and django-axes' reset of the failure
count happen only for a complete login.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.http import HttpRequest
from django.urls import reverse

from liangxin.accounts.models import User

from . import twofactor

PENDING_KEY = "security_pending_login"


def needs_second_step(user: User) -> bool:
    return twofactor.required_for(user) or twofactor.is_enabled(user)


def begin(request: HttpRequest, user: User, *, redirect_to: str) -> str:
    """Remember that ``user`` passed the password step; the URL of the next step."""
    request.session.cycle_key()  # a new session id, as login() would give
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[-1]),
        "at": time.time(),
        "next": redirect_to,
    }
    return reverse("security:otp_verify" if twofactor.is_enabled(user) else "security:otp_setup")


def _pending(request: HttpRequest) -> dict[str, Any] | None:
    data = request.session.get(PENDING_KEY)
    if not isinstance(data, dict):
        return None
    if time.time() - float(data.get("at", 0)) > settings.OTP_PENDING_SECONDS:
        cancel(request)
        return None
    return data


def pending_user(request: HttpRequest) -> User | None:
    """The account between its password and its code, if still valid and active."""
    data = _pending(request)
    if data is None:
        return None
    user_id = data.get("user")
    user = User.objects.filter(pk=user_id, is_active=True).first() if isinstance(user_id, int) else None
    if user is None:
        cancel(request)
    return user


def cancel(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)


def complete(request: HttpRequest, user: User, device: Any) -> str:
    """Log ``user`` in, verified by ``device``; the URL to go on to."""
    data = _pending(request) or {}
    cancel(request)
    # django-otp's user_logged_in receiver stores the device in the session, so the login's audit
    # record (accounts.receivers) can say it was a two-factor login.
    user.otp_device = device  # type: ignore[attr-defined]
    auth_login(request, user, backend=str(data.get("backend") or settings.AUTHENTICATION_BACKENDS[-1]))
    return str(data.get("next") or "")
