"""Security middleware, each small and in the order ``settings.MIDDLEWARE`` lists them.

- ``SecurityHeadersMiddleware``: the Content-Security-Policy and Permissions-Policy headers on
  every response, and a 413 for a request body above ``MAX_UPLOAD_MB`` before it is read.
- ``IdleSessionMiddleware``: logs a session out after ``SESSION_IDLE_MINUTES`` without a request.
- ``AccountGateMiddleware``: ends a session whose account changed role or scope since it logged
  in (the new role may need two-factor login, and a scope must never widen silently), and sends
  a user who must change their password to the password page first.
- ``ExportRateLimitMiddleware``: at most ``EXPORT_RATE_LIMIT`` exports per user in
  ``EXPORT_RATE_WINDOW_MINUTES``, answered 429 beyond.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.audit.models import AuditAction, AuditRecord

from . import passwords

Handler = Callable[[HttpRequest], HttpResponseBase]

LAST_SEEN_KEY = "security_last_seen"
ROLE_KEY = "security_role"
DEMO_KEY = "security_demo_account"
# Write the last-seen time at most this often: a session write on every request would cost a
# database write per page view.
LAST_SEEN_RESOLUTION = 60

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _go(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect, or for an htmx request a full-page navigation (not a fragment swap)."""
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _login_redirect(request: HttpRequest) -> HttpResponseBase:
    if _is_htmx(request):
        return _go(request, resolve_url(settings.LOGIN_URL))
    return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self._too_large(request) or self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response

    @staticmethod
    def _too_large(request: HttpRequest) -> HttpResponse | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        # The upload itself plus room for the form's other fields and the multipart framing.
        limit = settings.MAX_UPLOAD_MB * 1024 * 1024 + 1024 * 1024
        if length <= limit:
            return None
        message = _("上传的内容过大(上限 %(mb)d MB),请拆分后分批上传。") % {"mb": settings.MAX_UPLOAD_MB}
        return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")


class IdleSessionMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        idle = settings.SESSION_IDLE_MINUTES * 60
        if idle > 0 and request.user.is_authenticated:
            now = time.time()
            last = request.session.get(LAST_SEEN_KEY)
            if isinstance(last, (int, float)) and now - last > idle:
                logout(request)  # audited as a logout by accounts.receivers
                messages.info(
                    request,
                    _("您已 %(minutes)d 分钟未操作,为保护数据已自动退出,请重新登录。")
                    % {"minutes": settings.SESSION_IDLE_MINUTES},
                )
                return _login_redirect(request)
            if not isinstance(last, (int, float)) or now - last >= LAST_SEEN_RESOLUTION:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


def role_fingerprint(user: User) -> str:
    return f"{user.role}:{user.township_id or ''}:{user.department_id or ''}:{user.party_organization_id or ''}"


def stamp_session(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """``user_logged_in`` receiver: the role and the time the session starts with."""
    if request is None or not hasattr(request, "session") or not isinstance(user, User):
        return
    request.session[ROLE_KEY] = role_fingerprint(user)
    request.session[LAST_SEEN_KEY] = time.time()


# Pages a user who must change their password may still open.
PASSWORD_GATE_EXEMPT = frozenset({"accounts:password_change", "accounts:logout", "accounts:login"})


class AccountGateMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        user = request.user
        if not isinstance(user, User) or not user.is_authenticated:
            return None
        fingerprint = role_fingerprint(user)
        stored = request.session.get(ROLE_KEY)
        if stored is None:
            request.session[ROLE_KEY] = fingerprint
        elif stored != fingerprint:
            logout(request)
            messages.warning(request, _("您的角色或管理范围已变更,请重新登录。"))
            return _login_redirect(request)
        match = request.resolver_match
        if match is None or match.view_name in PASSWORD_GATE_EXEMPT:
            return None
        reason = passwords.password_change_reason_before_demo(user)
        if reason is None:
            return None
        if request.session.get(DEMO_KEY) == user.pk:
            return None
        if passwords.is_demo_account(user):
            request.session[DEMO_KEY] = user.pk
            return None
        messages.warning(request, reason)
        return _go(request, resolve_url("accounts:password_change"))


def is_export(request: HttpRequest) -> bool:
    match = request.resolver_match
    if match is not None and (match.url_name or "").endswith("_export"):
        return True
    return request.GET.get("format") in {"xlsx", "csv"}


def export_rate_retry_after(user: User, *, now: dt.datetime | None = None) -> int | None:
    """Seconds until ``user`` may export again, or None if they may now. Exports are counted
    from the audit log, where every export is recorded, so the limit holds across processes."""
    now = now or timezone.now()
    window = dt.timedelta(minutes=settings.EXPORT_RATE_WINDOW_MINUTES)
    recent = AuditRecord.objects.filter(actor_id=user.pk, action=AuditAction.EXPORT, at__gte=now - window)
    times = list(recent.order_by("-at").values_list("at", flat=True)[: settings.EXPORT_RATE_LIMIT])
    if len(times) < settings.EXPORT_RATE_LIMIT:
        return None
    return max(1, int((times[-1] + window - now).total_seconds()) + 1)


class ExportRateLimitMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        user = request.user
        if not isinstance(user, User) or not user.is_authenticated or not is_export(request):
            return None
        retry_after = export_rate_retry_after(user)
        if retry_after is None:
            return None
        response = render(
            request,
            "security/rate_limited.html",
            {
                "limit": settings.EXPORT_RATE_LIMIT,
                "window": settings.EXPORT_RATE_WINDOW_MINUTES,
                "minutes": (retry_after + 59) // 60,
            },
            status=429,
        )
        response["Retry-After"] = str(retry_after)
        return response
