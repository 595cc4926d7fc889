"""Login, logout and failed logins go to the audit log.

Receivers of Django's auth signals rather than code in the login view, so that every way of
logging in (the form today, single sign-on later) is recorded. They do nothing but write the
record.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from liangxin.audit.models import AuditAction
from liangxin.audit.services import log_change
from liangxin.core.clients import client_address

from .models import User


def _remote_addr(request: HttpRequest | None) -> str | None:
    return client_address(request) if request is not None else None


def _second_factor(user: User) -> str | None:
    # Set by security.login_flow.complete when the login passed a code: "totp" or "static"
    # (a recovery code), from the django-otp device model's name.
    device = getattr(user, "otp_device", None)
    return device._meta.model_name.removesuffix("device") if device is not None else None


def on_logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    factor = _second_factor(user)
    log_change(
        actor=user,
        action=AuditAction.LOGIN,
        obj=user,
        changes={"two_factor": [None, factor]} if factor else None,
        remote_addr=_remote_addr(request),
    )


def on_logged_out(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is None:  # logging out without a session: nothing happened
        return
    log_change(actor=user, action=AuditAction.LOGOUT, obj=user, remote_addr=_remote_addr(request))


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already replaced the password in ``credentials``; only the attempted username
    # is kept, as the object of the record, since there is no actor to name.
    attempted = str(credentials.get(User.USERNAME_FIELD) or credentials.get("username") or "")[:150]
    # A wrong second-factor code (security.views) says so; the code itself is never passed.
    step = credentials.get("step")
    log_change(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        object_type="accounts.user",
        object_repr=attempted,
        changes={"step": [None, str(step)]} if step else None,
        remote_addr=_remote_addr(request),
    )
