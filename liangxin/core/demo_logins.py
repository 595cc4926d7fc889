"""The demo logins, as the login page and the password policy ask for them.

The demo app (``liangxin.demo``) builds on every other app and nothing imports it: when it is
installed it registers itself here (``DemoConfig.ready``). Without it, or outside demo mode
(``settings.DEMO_MODE``), there are no demo logins. The provider lists only the accounts of a
loaded demo county, never a real county's, whatever their names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    role_label: str
    scope_label: str
    group: str  # "admin", "township", "department", "secretary": how the lists group them


@dataclass(frozen=True)
class DemoTotp:
    username: str
    role_label: str
    secret: str  # base32, as typed into an authenticator app
    uri: str  # otpauth:// URI, what the QR code holds
    qr: str = ""  # data: URI of the QR code, when asked for


class DemoLogins(Protocol):
    password: str

    def accounts(self) -> list[DemoAccount]: ...

    def totp_accounts(self, *, with_qr: bool) -> list[DemoTotp]: ...


_registered: list[DemoLogins] = []


def register(provider: DemoLogins) -> None:
    _registered[:] = [provider]


def provider() -> DemoLogins | None:
    """The demo logins in demo mode, when the demo app is installed; else None."""
    if not settings.DEMO_MODE or not _registered:
        return None
    return _registered[0]


def is_demo_account(username: str) -> bool:
    """A demo login in a demo database (demo mode on, the demo county loaded, and the account one
    of those it created): a name alone never makes an account a demo account."""
    demo = provider()
    return demo is not None and any(a.username == username for a in demo.accounts())
