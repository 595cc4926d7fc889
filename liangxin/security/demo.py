"""Two-factor login in the demo: every demo account whose role requires it gets a TOTP device
with a secret derived from its name and a fixed seed, so the same demo always has the same
secrets, ``make run`` can print them and the demo login page can show them as QR codes.

Only accounts of a loaded demo county (``registry.demo.demo_accounts``) get one; a real county's
accounts never do, whatever their names.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from liangxin.accounts.models import User
from liangxin.audit.services import log_change

from . import twofactor

# Public on purpose: the demo's secrets are as public as its password.
DEMO_TOTP_SEED = b"liangxin-demo-totp-2009"


def demo_totp_key(username: str) -> bytes:
    """20 bytes (the RFC 6238 key size for SHA-1) from the name and the seed."""
    return hmac.new(DEMO_TOTP_SEED, username.encode("utf-8"), hashlib.sha1).digest()


@dataclass(frozen=True)
class DemoTotp:
    username: str
    role_label: str
    secret: str  # base32, as typed into an authenticator app
    uri: str  # otpauth:// URI, what the QR code holds
    qr: str = ""  # data: URI of the QR code, when asked for


def _demo_required_accounts() -> list[tuple[User, str]]:
    from liangxin.registry.demo import demo_accounts

    accounts = [a for a in demo_accounts() if a.role in settings.OTP_REQUIRED_ROLES]
    users = {u.username: u for u in User.objects.filter(username__in=[a.username for a in accounts])}
    return [(users[a.username], a.role_label) for a in accounts if a.username in users]


def _describe(device: TOTPDevice, role_label: str, *, with_qr: bool) -> DemoTotp:
    uri = device.config_url
    return DemoTotp(
        username=device.user.username,
        role_label=role_label,
        secret=twofactor.secret_base32(device),
        uri=uri,
        qr=twofactor.qr_data_uri(uri) if with_qr else "",
    )


def create_demo_totp_devices() -> list[DemoTotp]:
    """Give each two-factor demo account its deterministic, confirmed TOTP device (idempotent;
    audited when a device is created or replaced). Empty unless the demo county is loaded."""
    result = []
    with transaction.atomic():
        for user, role_label in _demo_required_accounts():
            key = demo_totp_key(user.username).hex()
            device = TOTPDevice.objects.filter(user=user, confirmed=True, key=key).first()
            if device is None:
                TOTPDevice.objects.filter(user=user).delete()
                device = TOTPDevice.objects.create(user=user, name=twofactor.DEVICE_NAME, key=key, confirmed=True)
                log_change(actor=None, action=twofactor.AUDIT_ENROL, obj=user, changes={"two_factor": [False, True]})
            result.append(_describe(device, role_label, with_qr=False))
    return result


def demo_totp_accounts(*, with_qr: bool = False) -> list[DemoTotp]:
    """The demo accounts whose device still has the demo secret (what the login page shows)."""
    result = []
    for user, role_label in _demo_required_accounts():
        key = demo_totp_key(user.username).hex()
        device = TOTPDevice.objects.filter(user=user, confirmed=True, key=key).select_related("user").first()
        if device is not None:
            result.append(_describe(device, role_label, with_qr=with_qr))
    return result
