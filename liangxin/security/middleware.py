"""Security middleware, each small and in the order ``settings.MIDDLEWARE`` lists them.

- ``SecurityHeadersMiddleware``: the Content-Security-Policy and Permissions-Policy headers on
  every response, and a 413 for a request body above ``MAX_UPLOAD_MB`` before it is read.
- ``RequestBodyMiddleware``: a POST whose body cannot be read as a form (a charset other than
  UTF-8, a broken multipart body, too many fields) is answered 400 here, before the CSRF check
  reads it and turns the error into a 500.
- ``IdleSessionMiddleware``: logs a session out after ``SESSION_IDLE_MINUTES`` without a request.
  The time of the last request is kept in a signed cookie bound to the session, never in the
  session itself: a page view writes nothing to the database (a session write on every page,
  or every minute, is a write that waits for, and fails behind, a long import's lock).
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
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseBase, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.audit.models import AuditAction, AuditRecord

from . import passwords

Handler = Callable[[HttpRequest], HttpResponseBase]

LAST_SEEN_KEY = "security_last_seen"  # in the session: when it logged in
ROLE_KEY = "security_role"
DEMO_KEY = "security_demo_account"
# The last request's time: the signing timestamp of this cookie, whose value names the session.
ACTIVITY_COOKIE = "liangxin_active"
_ACTIVITY_SALT = "liangxin.security.activity"

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


class RequestBodyMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method == "POST":
            try:
                request.POST  # noqa: B018 - parsed here (the CSRF check would parse it next)
            except (BadRequest, SuspiciousOperation, MultiPartParserError, UnreadablePostError):
                from .views import bad_request

                return bad_request(request)
        return self.get_response(request)


def session_tag(request: HttpRequest) -> str:
    """What the activity cookie holds: a keyed digest of the session id, so the cookie of one
    session never vouches for another."""
    return salted_hmac(_ACTIVITY_SALT, request.session.session_key or "").hexdigest()[:32]


class IdleSessionMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        idle = settings.SESSION_IDLE_MINUTES * 60
        if idle > 0 and request.user.is_authenticated and not self._active(request, idle):
            logout(request)  # audited as a logout by accounts.receivers
            messages.info(
                request,
                _("您已 %(minutes)d 分钟未操作,为保护数据已自动退出,请重新登录。")
                % {"minutes": settings.SESSION_IDLE_MINUTES},
            )
            response = _login_redirect(request)
            response.delete_cookie(ACTIVITY_COOKIE)
            return response
        response = self.get_response(request)
        if idle > 0 and request.user.is_authenticated:
            response.set_signed_cookie(
                ACTIVITY_COOKIE,
                session_tag(request),
                salt=_ACTIVITY_SALT,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite=settings.SESSION_COOKIE_SAMESITE,
            )
        elif ACTIVITY_COOKIE in request.COOKIES:
            response.delete_cookie(ACTIVITY_COOKIE)
        return response

    @staticmethod
    def _active(request: HttpRequest, idle: int) -> bool:
        """A request within ``idle`` seconds: the activity cookie of this session, signed less
        than ``idle`` ago; without one (the first request after logging in), the login time."""
        tag = request.get_signed_cookie(ACTIVITY_COOKIE, default=None, salt=_ACTIVITY_SALT, max_age=idle)
        if tag is not None and constant_time_compare(tag, session_tag(request)):
            return True
        logged_in = request.session.get(LAST_SEEN_KEY)
        return isinstance(logged_in, (int, float)) and time.time() - logged_in <= idle


def role_fingerprint(user: User) -> str:
    return f"{user.role}:{user.township_id or ''}:{user.department_id or ''}:{user.party_organization_id or ''}"


def stamp_session(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """``user_logged_in`` receiver: the role and the time the session starts with (login is a
    write anyway; later requests write nothing)."""
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
