"""Login lockouts (django-axes): the rules, what a visitor is told, and what the security
administrator sees and undoes.

Three rules, each counting failures within ``AXES_COOLOFF_TIME`` (15 minutes) of the last one:

- an account name, from anywhere: ``AXES_FAILURE_LIMIT`` (5);
- an account name from one address: ``LOGIN_ACCOUNT_ADDRESS_FAILURE_LIMIT`` (5; set it below the
  first to stop one address sooner than a spread-out attack);
- an address, across every account name: ``LOGIN_ADDRESS_FAILURE_LIMIT`` (50) — credential
  stuffing. A township office behind one NAT address shares it: five colleagues mistyping
  their own passwords must not lock each other out, so this one is much higher.

django-axes keeps one ``AccessAttempt`` row per name, address and browser. It compares one count
with one limit, so ``LockoutHandler.get_failures`` answers ``AXES_FAILURE_LIMIT`` minus the
attempts left under the tightest rule: the lockout comes exactly when any rule's count reaches
its limit. A successful login clears the account's rows only: the address's count across
accounts stays, or one known password would reset a stuffing attack's count.

The rows are deleted on success and on expiry, so the list of failed logins the security
administrator reads comes from the audit log, where every failure is recorded.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address, get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db import transaction
from django.db.models import Count, Max, Min, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Role
from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.audit.services import log_change
from liangxin.core.errors import ServiceError

BY_USERNAME = "username"
BY_ADDRESS = "ip_address"
BY_USERNAME_AT_ADDRESS = "username_ip_address"
AUDIT_UNLOCK = AuditAction.UNLOCK


@dataclass(frozen=True)
class Rule:
    kind: str
    fields: tuple[str, ...]  # AccessAttempt columns counted together
    limit: int


def rules() -> tuple[Rule, ...]:
    return (
        Rule(BY_USERNAME, ("username",), settings.AXES_FAILURE_LIMIT),
        Rule(BY_USERNAME_AT_ADDRESS, ("username", "ip_address"), settings.LOGIN_ACCOUNT_ADDRESS_FAILURE_LIMIT),
        Rule(BY_ADDRESS, ("ip_address",), settings.LOGIN_ADDRESS_FAILURE_LIMIT),
    )


def _recent(now: dt.datetime) -> Any:
    return AccessAttempt.objects.filter(attempt_time__gte=now - settings.AXES_COOLOFF_TIME)


@dataclass(frozen=True)
class Standing:
    """How many more failures the tightest rule allows this name at this address."""

    left: int
    rule: Rule


def standing(*, username: str | None, address: str | None, now: dt.datetime | None = None) -> Standing:
    now = now or timezone.now()
    values = {"username": username, "ip_address": address}
    tightest: Standing | None = None
    for rule in rules():
        if any(not values[field] for field in rule.fields):
            continue  # nothing to count by (no name was typed)
        counted = _recent(now).filter(**{field: values[field] for field in rule.fields})
        failures = int(counted.aggregate(n=Sum("failures_since_start"))["n"] or 0)
        here = Standing(left=max(0, rule.limit - failures), rule=rule)
        if tightest is None or here.left < tightest.left:
            tightest = here
    return tightest or Standing(left=settings.AXES_FAILURE_LIMIT, rule=rules()[0])


def standing_of(request: HttpRequest, credentials: dict[str, Any] | None = None) -> Standing:
    return standing(username=attempted_username(request, credentials), address=get_client_ip_address(request))


class LockoutHandler(AxesDatabaseHandler):
    """``AXES_HANDLER``: django-axes' database handler with the three rules above."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        username = get_client_username(request, credentials)
        address = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
        return settings.AXES_FAILURE_LIMIT - standing(username=username, address=address).left

    def reset_user_attempts(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _deleted = AccessAttempt.objects.filter(username=username).delete()
        return int(count)


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


def _minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_message(rule: Rule | None = None) -> str:
    values = {"limit": rule.limit if rule else settings.AXES_FAILURE_LIMIT, "minutes": _minutes()}
    if rule is not None and rule.kind == BY_ADDRESS:
        text = _(
            "您所在的网络地址在短时间内登录失败 %(limit)d 次(不同账号合计),已被暂停登录 %(minutes)d 分钟。"
            "请稍后再试;如需立即解除,请联系安全管理员。"
        )
    else:
        text = _(
            "该账号连续 %(limit)d 次登录失败,已被锁定 %(minutes)d 分钟。请稍后再试;如需立即解锁,请联系安全管理员。"
        )
    return text % values


def attempts_left_message(request: HttpRequest, *, username: str | None = None) -> str | None:
    """After a failed login: how many more failures lock the account (or the address). None
    while lockouts are off or nothing has failed yet."""
    if not settings.AXES_ENABLED:
        return None
    now = standing_of(request, {"username": username} if username else None)
    if now.left <= 0 or now.left >= now.rule.limit:
        return None
    values = {"n": now.left, "minutes": _minutes()}
    if now.rule.kind == BY_ADDRESS:
        return _("您所在的网络地址再登录失败 %(n)d 次,将被暂停登录 %(minutes)d 分钟。") % values
    return _("再输错 %(n)d 次,该账号将被锁定 %(minutes)d 分钟。") % values


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the login page again, with the lockout explained (429)."""
    from . import login_flow

    if hasattr(request, "session"):
        login_flow.cancel(request)
    message = lockout_message(standing_of(request, credentials).rule)
    return render(
        request, "accounts/login.html", {"form": AuthenticationForm(request), "lockout_message": message}, status=429
    )


@dataclass(frozen=True)
class Lockout:
    kind: str  # one of the three rules
    username: str
    address: str
    failures: int
    limit: int
    last_attempt: dt.datetime
    until: dt.datetime

    @property
    def kind_label(self) -> str:
        return {
            BY_USERNAME: _("账号"),
            BY_USERNAME_AT_ADDRESS: _("账号(来自该地址)"),
            BY_ADDRESS: _("来源地址(各账号合计)"),
        }[self.kind]

    @property
    def value(self) -> str:
        return " @ ".join(v for v in (self.username, self.address) if v)

    @property
    def unlock_kind(self) -> str:
        # Lifting an account's lock clears its rows from every address, the one above too.
        return BY_ADDRESS if self.kind == BY_ADDRESS else BY_USERNAME

    @property
    def unlock_value(self) -> str:
        return self.address if self.kind == BY_ADDRESS else self.username


def current_lockouts(*, now: dt.datetime | None = None) -> list[Lockout]:
    """Names and addresses locked right now, the latest first."""
    now = now or timezone.now()
    found: list[Lockout] = []
    for rule in rules():
        rows = (
            _recent(now)
            .exclude(**{f"{field}__isnull": True for field in rule.fields})
            .values(*rule.fields)
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=rule.limit)
        )
        for row in rows:
            found.append(
                Lockout(
                    kind=rule.kind,
                    username=str(row.get("username") or ""),
                    address=str(row.get("ip_address") or ""),
                    failures=int(row["failures"]),
                    limit=rule.limit,
                    last_attempt=row["last"],
                    until=row["last"] + settings.AXES_COOLOFF_TIME,
                )
            )
    return sorted(found, key=lambda lock: lock.last_attempt, reverse=True)


@dataclass(frozen=True)
class FailedLogins:
    """The failed logins of one account name from one address."""

    username: str
    address: str
    failures: int
    first: dt.datetime
    last: dt.datetime
    later_login: dt.datetime | None  # the account's next successful login after the first failure


def recent_failures(*, hours: int = 24, limit: int = 200) -> list[FailedLogins]:
    """Failed logins of the last ``hours`` from the audit log, grouped by name and address, the
    latest first — also those a successful login followed, which django-axes' attempt rows
    forget (they are deleted on success). A run of failures followed by a success may be a
    guessed password: the page says when the success came."""
    since = timezone.now() - dt.timedelta(hours=hours)
    rows = list(
        AuditRecord.objects.filter(action=AuditAction.LOGIN_FAILED, at__gte=since)
        .values("object_repr", "remote_addr")
        .annotate(failures=Count("id"), first=Min("at"), last=Max("at"))
        .order_by("-last")[:limit]
    )
    names = {str(row["object_repr"]).strip().casefold() for row in rows}
    logins: dict[str, list[dt.datetime]] = {}
    for username, at in (
        AuditRecord.objects.filter(action=AuditAction.LOGIN, at__gte=since, actor__isnull=False)
        .order_by("at")
        .values_list("actor_username", "at")
    ):
        if username.casefold() in names:
            logins.setdefault(username.casefold(), []).append(at)
    found = []
    for row in rows:
        name = str(row["object_repr"])
        later = next((at for at in logins.get(name.strip().casefold(), []) if at > row["first"]), None)
        found.append(
            FailedLogins(
                username=name,
                address=str(row["remote_addr"] or ""),
                failures=int(row["failures"]),
                first=row["first"],
                last=row["last"],
                later_login=later,
            )
        )
    return found


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
