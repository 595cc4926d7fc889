"""API tokens for tests: a bearer header for any account, of any role (the service makes tokens
only for business accounts; the tests also need one of an administrator's, to see it refused)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from liangxin.accounts.models import User
from liangxin.api import tokens
from liangxin.api.models import ApiToken
from liangxin.security.middleware import role_fingerprint


def make_token(user: User, *, days: int = 90) -> tuple[ApiToken, str]:
    secret = tokens.new_secret()
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name="测试",
        key_hash=secret.digest,
        prefix=secret.prefix,
        role_fingerprint=role_fingerprint(user),
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
    )
    return token, secret.token


def bearer(user: User) -> dict[str, str]:
    """Keyword arguments for the test client: the header of a fresh token of ``user``."""
    _token, secret = make_token(user)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
