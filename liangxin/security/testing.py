"""Test helpers for two-factor login: a device for a user, and a valid code from it."""

from __future__ import annotations

import time
from typing import Any

from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from liangxin.accounts.models import User

from .twofactor import DEVICE_NAME


def give_totp(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)


def code_for(device: TOTPDevice) -> str:
    """The code an authenticator app would show now; the next step's code if this step's has
    already been used (django-otp refuses a code twice), so two logins in one test work."""
    device.refresh_from_db()
    now_t = int((time.time() - device.t0) // device.step) + device.drift
    t = max(now_t, device.last_t + 1)
    return f"{hotp(device.bin_key, t, digits=device.digits):0{device.digits}d}"


def login_with_totp(client: Any, user: User, password: str, *, path: str = "/accounts/login/", **extra: Any) -> Any:
    """Both login steps; the response of the second (a redirect to where the user lands)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or give_totp(user)
    first = client.post(path, {"username": user.username, "password": password}, **extra)
    assert first.status_code == 302 and first["Location"] == "/security/2fa/verify/", first
    return client.post("/security/2fa/verify/", {"code": code_for(device)}, **extra)
