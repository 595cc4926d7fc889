"""Reads of API tokens."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from liangxin.accounts.models import User
from liangxin.security.middleware import role_fingerprint

from . import tokens
from .models import ApiToken


def tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """The user's own tokens: nobody sees another account's, administrators included."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def valid_token(secret: str) -> ApiToken | None:
    """The token a request presents, if it may be used now: known, not revoked, not expired, its
    account active and still holding the role and scope the token was made under."""
    token = ApiToken.objects.select_related("user").filter(key_hash=tokens.digest(secret)).first()
    if token is None or token.revoked_at is not None or token.expires_at <= timezone.now():
        return None
    user = token.user
    if not user.is_active or role_fingerprint(user) != token.role_fingerprint:
        return None
    return token
