"""Login lockouts (django-axes): what the security administrator sees and undoes, and what a
locked-out visitor is told.

django-axes counts failures per account name and per address (``AXES_LOCKOUT_PARAMETERS``) in
``AccessAttempt`` rows; a name or an address with ``AXES_FAILURE_LIMIT`` failures within
``AXES_COOLOFF_TIME`` of the last one is locked until that time has passed.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db import transaction
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Role
from liangxin.audit.models import AuditAction
from liangxin.audit.services import log_change
from liangxin.core.errors import ServiceError

BY_USERNAME = "username"
BY_ADDRESS = "ip_address"
AUDIT_UNLOCK = AuditAction.UNLOCK


def may_manage_lockouts(*, user: User) -> bool:
    """Only the security administrator (the accounts' safety is his duty, MLPS 安全管理员)."""
    return user.is_active and user.role == Role.SEC_ADMIN


def attempted_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """The name an attempt was for, as django-axes counts it: trimmed and case-folded, so that
    ``Bob`` and ``bob `` are one account's failures."""
    value = (credentials or {}).get("username")
    if value is None and request is not None and hasattr(request, "POST"):
        value = request.POST.get("username")
    if value is None:
        return None
    return str(value).strip().casefold()[:150]


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _(
        "连续 %(limit)d 次登录失败,该账号或您所在的地址已被锁定 %(minutes)d 分钟。"
        "请稍后再试;如需立即解锁,请联系安全管理员。"
    ) % {"limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the login page again, with the lockout explained (429)."""
    from . import login_flow

    if hasattr(request, "session"):
        login_flow.cancel(request)
    return render(
        request,
        "accounts/login.html",
        {"form": AuthenticationForm(request), "lockout_message": lockout_message()},
        status=429,
    )


@dataclass(frozen=True)
class Lockout:
    kind: str  # BY_USERNAME or BY_ADDRESS
    value: str
    failures: int
    last_attempt: dt.datetime
    until: dt.datetime

    @property
    def kind_label(self) -> str:
        return _("账号") if self.kind == BY_USERNAME else _("来源地址")


def _recent(now: dt.datetime) -> Any:
    return AccessAttempt.objects.filter(attempt_time__gte=now - settings.AXES_COOLOFF_TIME)


def current_lockouts(*, now: dt.datetime | None = None) -> list[Lockout]:
    """Names and addresses locked right now, the latest first."""
    now = now or timezone.now()
    found: list[Lockout] = []
    for kind in (BY_USERNAME, BY_ADDRESS):
        rows = (
            _recent(now)
            .exclude(**{f"{kind}__isnull": True})
            .values(kind)
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        )
        for row in rows:
            found.append(
                Lockout(
                    kind=kind,
                    value=str(row[kind]),
                    failures=int(row["failures"]),
                    last_attempt=row["last"],
                    until=row["last"] + settings.AXES_COOLOFF_TIME,
                )
            )
    return sorted(found, key=lambda lock: lock.last_attempt, reverse=True)


def recent_attempts(*, hours: int = 24, limit: int = 200) -> list[AccessAttempt]:
    """Failed attempts of the last ``hours``, the latest first (one row per name, address and
    browser, with its count)."""
    since = timezone.now() - dt.timedelta(hours=hours)
    return list(AccessAttempt.objects.filter(attempt_time__gte=since).order_by("-attempt_time")[:limit])


def unlock(*, by: User, kind: str, value: str, remote_addr: str | None = None) -> int:
    """Lift a lockout now (audited). Returns how many attempt rows were cleared."""
    if not may_manage_lockouts(user=by):
        raise ServiceError(_("只有安全管理员可以解除登录锁定。"))
    if kind not in (BY_USERNAME, BY_ADDRESS) or not value:
        raise ServiceError(_("请选择要解除的锁定。"))
    if kind == BY_ADDRESS:
        try:
            value = str(ipaddress.ip_address(value.strip()))
        except ValueError:
            raise ServiceError(_("“%(value)s”不是有效的 IP 地址。") % {"value": value[:60]}) from None
    with transaction.atomic():
        rows = AccessAttempt.objects.filter(**{kind: value})
        failures = int(rows.aggregate(n=Sum("failures_since_start"))["n"] or 0)
        count, _deleted = rows.delete()
        if not count:
            raise ServiceError(_("该锁定已不存在(可能已到期或已被解除)。"))
        target = User.objects.filter(username__iexact=value).first() if kind == BY_USERNAME else None
        log_change(
            actor=by,
            action=AUDIT_UNLOCK,
            obj=target,
            object_type="" if target else "axes.accessattempt",
            object_repr="" if target else value,
            changes={"login_lockout": ["locked", "unlocked"], "lockout_by": [None, kind], "failures": [failures, 0]},
            remote_addr=remote_addr,
        )
    return count
