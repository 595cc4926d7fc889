"""The user's API tokens: list, create (the secret shown once, on the answer to the POST, and kept
nowhere) and revoke. Only one's own tokens: another account's token is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.core.errors import ServiceError
from liangxin.core.shortcuts import get_in_scope_or_404

from . import selectors, services
from .forms import TokenForm


class AuthedRequest(HttpRequest):
    user: User


def _page(request: AuthedRequest, form: TokenForm, *, secret: str = "", status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "tokens": selectors.tokens_of(user=request.user),
        "secret": secret,
        "docs_url": reverse("api:openapi-view"),
        "openapi_url": reverse("api:openapi-json"),
        "api_root": request.build_absolute_uri("/api/v1/"),
        "now": timezone.now(),
    }
    return render(request, "api/tokens.html", context, status=status)


def token_list(request: AuthedRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        token, secret = services.create_token(
            by=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
        )
    except ServiceError as exc:
        form.add_error(None, exc.message)
        return _page(request, form, status=400)
    messages.success(request, _("已创建令牌“%(name)s”。") % {"name": token.name})
    # The secret goes out in this answer only (no-store), never into the session or a redirect.
    return _page(request, TokenForm(), secret=secret)


def token_revoke(request: AuthedRequest, pk: int) -> HttpResponseBase:
    token = get_in_scope_or_404(selectors.tokens_of(user=request.user), pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.revoke_token(by=request.user, token=token)
    messages.success(request, _("已吊销令牌“%(name)s”,使用它的请求将被拒绝。") % {"name": token.name})
    return redirect("api:token_list")
