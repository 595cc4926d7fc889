"""Second login step and two-factor settings; the security administrator's lockout page.

The lockout page answers 404 to everyone but the security administrator, like every page that
is not one's own business here.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_login_failed
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_otp import login as otp_login

from liangxin.accounts.models import User
from liangxin.core.errors import ServiceError

from . import lockouts, login_flow, twofactor
from .forms import CodeForm, DisableForm, ResetTwoFactorForm, SetupForm, UnlockForm


def _remote_addr(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _viewer(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise Http404
    return user


def _landing(user: User, next_url: str = "") -> str:
    if next_url:
        return next_url
    from liangxin.accounts.views import landing_url

    return landing_url(user)


def _locked(request: HttpRequest, user: User) -> bool:
    return bool(settings.AXES_ENABLED) and not AxesProxyHandler.is_allowed(request, {"username": user.username})


# --- Second login step ----------------------------------------------------------------------------


@login_not_required
def otp_verify(request: HttpRequest) -> HttpResponseBase:
    user = login_flow.pending_user(request)
    if user is None:
        messages.info(request, _("请先输入账号和密码。"))
        return redirect("accounts:login")
    if not twofactor.is_enabled(user):
        return redirect("security:otp_setup")
    if _locked(request, user):
        return lockouts.lockout_response(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        verified = twofactor.verify(user=user, code=form.cleaned_data["code"], remote_addr=_remote_addr(request))
        if verified is not None:
            next_url = login_flow.complete(request, user, verified.device)
            if verified.recovery:
                messages.warning(
                    request,
                    _("您使用了一个恢复码,还剩 %(n)d 个。恢复码用完前请在“两步验证”页面重新生成。")
                    % {"n": twofactor.recovery_codes_left(user)},
                )
            return redirect(_landing(user, next_url))
        # Counted by django-axes like a wrong password, and audited as a failed login.
        user_login_failed.send(
            sender=__name__, credentials={"username": user.username, "step": "two_factor"}, request=request
        )
        form.add_error("code", _("验证码不正确或已过期。"))
        left = lockouts.attempts_left_message(request, username=user.username)
        if left:
            form.add_error("code", left)
    return render(request, "security/otp_verify.html", {"form": form, "pending": user})


@login_not_required
def otp_setup(request: HttpRequest) -> HttpResponseBase:
    """Enrolment: during login for a role that requires it (not logged in yet), or from the
    two-factor page for anyone logged in."""
    pending = login_flow.pending_user(request)
    current = request.user if isinstance(request.user, User) and request.user.is_authenticated else None
    user = pending or current
    if user is None:
        return redirect("accounts:login")
    if twofactor.is_enabled(user):
        return redirect("security:otp_verify" if pending else "security:twofactor")
    if pending is not None and _locked(request, user):
        return lockouts.lockout_response(request)
    device = twofactor.start_enrolment(user=user)
    form = SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = twofactor.confirm_enrolment(
                user=user, device=device, code=form.cleaned_data["code"], remote_addr=_remote_addr(request)
            )
        except ServiceError as exc:
            form.add_error("code" if exc.field == "code" else None, exc.message)
            if pending is not None and exc.field == "code":
                user_login_failed.send(
                    sender=__name__, credentials={"username": user.username, "step": "two_factor"}, request=request
                )
        else:
            device.refresh_from_db()
            if pending is not None:
                next_url = login_flow.complete(request, user, device)
            else:
                otp_login(request, device)
                next_url = ""
            return render(
                request,
                "security/recovery_codes.html",
                {"codes": codes, "next_url": _landing(user, next_url), "first_time": True},
            )
    return render(
        request,
        "security/otp_setup.html",
        {
            "form": form,
            "pending": pending,
            "required": twofactor.required_for(user),
            "secret": twofactor.secret_base32(device),
            "qr": twofactor.qr_data_uri(device.config_url),
        },
    )


# --- One's own two-factor settings ---------------------------------------------------------------


@require_GET
def twofactor_status(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    return render(
        request,
        "security/twofactor.html",
        {
            "enabled": twofactor.is_enabled(user),
            "required": twofactor.required_for(user),
            "codes_left": twofactor.recovery_codes_left(user),
            "disable_form": DisableForm(),
        },
    )


@require_POST
def recovery_codes_regenerate(request: HttpRequest) -> HttpResponseBase:
    user = _viewer(request)
    try:
        codes = twofactor.regenerate_recovery_codes(user=user, remote_addr=_remote_addr(request))
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("security:twofactor")
    return render(
        request,
        "security/recovery_codes.html",
        {"codes": codes, "next_url": resolve_url("security:twofactor"), "first_time": False},
    )


@require_POST
def twofactor_disable(request: HttpRequest) -> HttpResponseBase:
    user = _viewer(request)
    form = DisableForm(request.POST)
    if form.is_valid():
        try:
            twofactor.disable(user=user, password=form.cleaned_data["password"], remote_addr=_remote_addr(request))
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("两步验证已关闭。"))
    else:
        messages.error(request, _("请输入登录密码。"))
    return redirect("security:twofactor")


# --- Lockouts (security administrator) -----------------------------------------------------------


def _lockout_manager(request: HttpRequest) -> User:
    user = _viewer(request)
    if not lockouts.may_manage_lockouts(user=user):
        raise Http404
    return user


@require_GET
def lockout_list(request: HttpRequest) -> HttpResponse:
    _lockout_manager(request)
    return render(
        request,
        "security/lockouts.html",
        {
            "lockouts": lockouts.current_lockouts(),
            "failures": lockouts.recent_failures(),
            "rules": lockouts.rules(),
            "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            "reset_form": ResetTwoFactorForm(),
        },
    )


@require_POST
def lockout_unlock(request: HttpRequest) -> HttpResponseBase:
    manager = _lockout_manager(request)
    form = UnlockForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择要解除的锁定。"))
        return redirect("security:lockout_list")
    kind, value = form.cleaned_data["kind"], form.cleaned_data["value"]
    try:
        lockouts.unlock(by=manager, kind=kind, value=value, remote_addr=_remote_addr(request))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已解除对 %(value)s 的登录锁定。") % {"value": value})
    return redirect("security:lockout_list")


@require_POST
def twofactor_reset(request: HttpRequest) -> HttpResponseBase:
    """The security administrator resets an account's two-factor login (a lost phone)."""
    manager = _lockout_manager(request)
    form = ResetTwoFactorForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请输入要重置两步验证的账号。"))
        return redirect("security:lockout_list")
    username = form.cleaned_data["username"].strip()
    target = User.objects.filter(username__iexact=username).first()
    try:
        if target is None:
            raise ServiceError(_("没有账号“%(name)s”。") % {"name": username})
        twofactor.reset(by=manager, target=target, remote_addr=_remote_addr(request))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("已重置 %(name)s 的两步验证,该账号下次登录时需重新绑定验证器。") % {"name": target.username}
        )
    return redirect("security:lockout_list")


# --- CSRF failure, bad requests ------------------------------------------------------------------


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "", **kwargs: Any) -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: Django's own page carries inline styles the CSP forbids."""
    return render(request, "security/csrf_failure.html", status=403)


@login_not_required
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler400``, and the answer to a form body that cannot be read
    (``middleware.RequestBodyMiddleware``). Django's own 400 view checks the CSRF token, which
    reads the body again: an unreadable body then raised once more, up to a 500."""
    return render(request, "security/bad_request.html", status=400)
