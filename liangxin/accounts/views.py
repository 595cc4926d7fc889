"""Login, one's own password, the landing page, and the account pages.

Which role may open which account page is in ``access.PAGE_RULES`` (403 otherwise, before the
view runs). Accounts are fetched through ``selectors.accounts_visible_to``: an account outside the
viewer's reach answers 404 exactly like a missing one. Writes go through ``services``, which check
the separation of duties again and explain a refusal.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from liangxin.core import demo_logins
from liangxin.core.errors import ServiceError
from liangxin.core.shortcuts import get_in_scope_or_404
from liangxin.security.passwords import set_by_owner

from . import access, selectors, services
from .forms import AssignRoleForm, OwnPasswordForm, ResetPasswordForm, ScopeForm, UserCreateForm, UserFilterForm
from .models import User
from .roles import Role, may_create_accounts


def viewer_of(request: HttpRequest) -> User:
    """The logged-in account. LoginRequiredMiddleware sends anonymous visitors to the login page
    before a view runs, so this only narrows the type."""
    user = request.user
    if not isinstance(user, User):
        raise Http404
    return user


def add_service_error(form: forms.Form, exc: ServiceError) -> None:
    """Show a refusal on the field it names, or above the form."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def landing_url(user: User) -> str:
    """Where a user lands after login: the page of the role's everyday work (``access.LANDING``;
    a secretary's party organization), or, for an account without a role, the page that says so."""
    view_name = access.landing_view(access.role_of(user))
    if view_name == "registry:party_organization_detail":
        if user.party_organization_id is None:
            return resolve_url("registry:party_organization_list")
        return resolve_url(view_name, pk=user.party_organization_id)
    return resolve_url(view_name or "home")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = viewer_of(request)
    if access.landing_view(access.role_of(user)) is not None:
        return redirect(landing_url(user))
    return render(request, "accounts/no_role.html")


# --- Login, logout, own password ---------------------------------------------------------------


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.request.method == "POST":
            from liangxin.security.lockouts import attempts_left_message

            context["attempts_left"] = attempts_left_message(self.request)
        # The demo accounts and their password are listed only in demo mode, never in production,
        # and only those of a loaded demo county (the same list as `manage.py demo_logins`).
        demo = demo_logins.provider()
        if demo is not None:
            context["demo_accounts"] = demo.accounts()
            context["demo_password"] = demo.password
            # QR codes of the demo accounts' authenticator secrets (two-factor login).
            context["demo_totp"] = demo.totp_accounts(with_qr=True) if context["demo_accounts"] else []
        return context

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        """The password is right. Accounts with two-factor login (required by their role, or
        chosen) go on to the code step before anyone is logged in (``security.login_flow``)."""
        from liangxin.security import login_flow

        user = form.get_user()
        if isinstance(user, User) and login_flow.needs_second_step(user):
            return redirect(login_flow.begin(self.request, user, redirect_to=self.get_redirect_url()))
        return super().form_valid(form)

    def get_default_redirect_url(self) -> str:
        user = self.request.user
        return landing_url(user) if isinstance(user, User) else resolve_url(settings.LOGIN_REDIRECT_URL)


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default); the audit record is written by ``receivers``."""


def password_change(request: HttpRequest) -> HttpResponse:
    user = viewer_of(request)
    form = OwnPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            # Chosen by the owner: no forced change at the next login (security.passwords).
            with set_by_owner(user):
                services.change_own_password(
                    user=user,
                    old_password=form.cleaned_data["old_password"],
                    new_password=form.cleaned_data["new_password"],
                )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            # Keep this session; other sessions of the account end with the old password hash.
            update_session_auth_hash(request, user)
            messages.success(request, _("密码已修改。"))
            return redirect(landing_url(user))
    return render(request, "accounts/password_change.html", {"form": form})


# --- Account management ------------------------------------------------------------------------


@require_GET
def user_list(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    form = UserFilterForm(request.GET or None, roles=selectors.visible_roles(viewer))
    accounts = selectors.account_list(user=viewer, filters=form.filters())
    page = Paginator(accounts, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/user_list.html",
        {
            "form": form,
            "page_obj": page,
            "may_create": viewer.is_active and may_create_accounts(viewer.role),
        },
    )


def user_create(request: HttpRequest) -> HttpResponse:
    """The system administrator creates an account without a role; the security administrator
    then assigns its role and scope on the account's page."""
    viewer = viewer_of(request)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = services.create_user(
                by=viewer,
                username=data["username"],
                password=data["password"],
                full_name=data["full_name"],
                phone=data["phone"],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("账号 %(name)s 已创建,尚未分配角色:请安全管理员分配角色和范围后再交付使用。")
                % {"name": account.username},
            )
            return redirect("accounts:user_detail", pk=account.pk)
    return render(request, "accounts/user_form.html", {"form": form})


@require_GET
def scope_fields(request: HttpRequest) -> HttpResponse:
    """The scope field for the chosen role, swapped into the assign form by htmx when the role
    changes. Without JavaScript the field appears after the first submit."""
    form = ScopeForm(initial={"role": request.GET.get("role", "")}, roles=Role.values)
    return render(request, "accounts/_scope_fields.html", {"form": form, "scope_field": form.scope_field_name()})


def _detail(
    request: HttpRequest,
    viewer: User,
    account: User,
    *,
    reset_form: ResetPasswordForm | None = None,
    assign_form: AssignRoleForm | None = None,
) -> HttpResponse:
    actions = selectors.account_actions(viewer=viewer, target=account)
    if assign_form is None and actions.assign_role:
        assign_form = AssignRoleForm(
            initial={
                "role": account.role,
                "township": account.township_id,
                "department": account.department_id,
                "party_organization": account.party_organization_id,
            },
            roles=Role.values,
        )
    return render(
        request,
        "accounts/user_detail.html",
        {
            "account": account,
            "actions": actions,
            "reset_form": reset_form or (ResetPasswordForm() if actions.manage else None),
            "assign_form": assign_form,
            "assign_scope_field": assign_form.scope_field_name() if assign_form else None,
        },
    )


def _visible_account(viewer: User, pk: int) -> User:
    return get_in_scope_or_404(selectors.accounts_visible_to(user=viewer), pk=pk)


@require_GET
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    return _detail(request, viewer, _visible_account(viewer, pk))


def _set_active(request: HttpRequest, pk: int, *, active: bool) -> HttpResponse:
    viewer = viewer_of(request)
    account = _visible_account(viewer, pk)
    try:
        services.set_active(by=viewer, target=account, active=active)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        if active:
            messages.success(request, _("账号 %(name)s 已启用。") % {"name": account.username})
        else:
            messages.success(request, _("账号 %(name)s 已停用。") % {"name": account.username})
    return redirect("accounts:user_detail", pk=account.pk)


@require_POST
def user_disable(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_active(request, pk, active=False)


@require_POST
def user_enable(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_active(request, pk, active=True)


@require_POST
def user_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    account = _visible_account(viewer, pk)
    form = ResetPasswordForm(request.POST)
    if form.is_valid():
        try:
            services.reset_password(by=viewer, target=account, new_password=form.cleaned_data["new_password"])
        except ServiceError as exc:
            if exc.field is None:  # refused outright, not a weak password
                messages.error(request, exc.message)
                return redirect("accounts:user_detail", pk=account.pk)
            form.add_error("new_password", exc.message)
        else:
            messages.success(request, _("账号 %(name)s 的密码已重置。") % {"name": account.username})
            return redirect("accounts:user_detail", pk=account.pk)
    return _detail(request, viewer, account, reset_form=form)


@require_POST
def user_assign_role(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    account = _visible_account(viewer, pk)
    form = AssignRoleForm(request.POST, roles=Role.values)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.assign_role(
                by=viewer,
                target=account,
                role=data["role"],
                township=data["township"],
                department=data["department"],
                party_organization=data["party_organization"],
            )
        except ServiceError as exc:
            if exc.field is None:
                messages.error(request, exc.message)
                return redirect("accounts:user_detail", pk=account.pk)
            add_service_error(form, exc)
        else:
            messages.success(request, _("账号 %(name)s 的角色和范围已变更。") % {"name": account.username})
            return redirect("accounts:user_detail", pk=account.pk)
    return _detail(request, viewer, account, assign_form=form)
