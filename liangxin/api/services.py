"""Writes of API tokens: creating and revoking (audited), and the token's last use (at most once a
minute, never audited: it is bookkeeping of a read, not a change)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission
from liangxin.audit.models import AuditAction
from liangxin.audit.services import log_change
from liangxin.core.errors import ServiceError
from liangxin.security.middleware import role_fingerprint

from . import tokens
from .models import ApiToken

LAST_USE_GRANULARITY = dt.timedelta(minutes=1)


def create_token(*, by: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token of ``by``, valid for ``days`` (``API_TOKEN_DAYS``, 90, by default). Returns the
    token and its secret, which is shown once and kept nowhere."""
    if not by.can(Permission.VIEW_BUSINESS):
        raise ServiceError(_("该账号没有业务数据权限,不能创建数据接口令牌。"))
    days = settings.API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ServiceError(_("有效期须在 1 至 %(max)d 天之间。") % {"max": settings.API_TOKEN_MAX_DAYS})
    secret = tokens.new_secret()
    now = timezone.now()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=by,
            name=name,
            key_hash=secret.digest,
            prefix=secret.prefix,
            role_fingerprint=role_fingerprint(by),
            created_at=now,
            expires_at=now + dt.timedelta(days=days),
        )
        log_change(
            actor=by,
            action=AuditAction.CREATE,
            obj=token,
            changes={"name": [None, name], "prefix": [None, secret.prefix], "expires_at": [None, token.expires_at]},
        )
    return token, secret.token


def revoke_token(*, by: User, token: ApiToken) -> ApiToken:
    """Revoke one of ``by``'s own tokens; revoking a revoked token changes nothing."""
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.user_id != by.pk:
            raise ServiceError(_("只能吊销自己的令牌。"))
        if locked.revoked_at is not None:
            return locked
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        log_change(actor=by, action=AuditAction.DISABLE, obj=locked, changes={"revoked_at": [None, locked.revoked_at]})
    return locked


def record_use(*, token: ApiToken, now: dt.datetime | None = None) -> bool:
    """Note that ``token`` was used now, at most once a minute: the cache lets one request a
    minute per process through, and the conditional UPDATE writes the row only when its last use
    is a minute old, so several processes or servers together still write it at most once a
    minute. True when the row was written."""
    now = now or timezone.now()
    if not cache.add(f"api-token-used:{token.key_hash}", 1, timeout=int(LAST_USE_GRANULARITY.total_seconds())):
        return False
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USE_GRANULARITY)
    return ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now) == 1
