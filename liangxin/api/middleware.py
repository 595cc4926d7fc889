"""``ApiTokenMiddleware``: authenticates the JSON API's data paths by their bearer token.

The API's views are exempt from the login middleware (they answer no login page); this
middleware stands in its place for every URL whose rule in ``accounts/access.py`` is an API rule:

- no token, an unknown, revoked or expired one, one of a disabled account or of an account whose
  role or scope changed since: 401 with a JSON body, never a redirect to the login page;
- more than ``API_RATE_LIMIT`` requests in the minute: 429 with ``Retry-After``;
- otherwise the request is the token's account's (``request.user``), and the role × page rule
  is applied next by ``PageAccessMiddleware``, exactly as for the account's pages; every query
  the view makes goes through the account's scope.

It sits after the session middlewares (idle timeout, account gate), which see no signed-in user
on an API request and so write nothing; the token's last use is written at most once a minute.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from liangxin.accounts import access

from . import ratelimit, selectors, services, tokens

Handler = Callable[[HttpRequest], HttpResponseBase]


def unauthorized() -> JsonResponse:
    response = JsonResponse(
        {"detail": _("需要有效的数据接口令牌:请求头 Authorization: Bearer <令牌>。")},
        status=401,
        json_dumps_params={"ensure_ascii": False},
    )
    response["WWW-Authenticate"] = 'Bearer realm="liangxin"'
    return response


def too_many(seconds: int) -> JsonResponse:
    response = JsonResponse(
        {"detail": _("请求过于频繁,请 %(seconds)d 秒后再试。") % {"seconds": seconds}},
        status=429,
        json_dumps_params={"ensure_ascii": False},
    )
    response["Retry-After"] = str(seconds)
    return response


def is_api_request(request: HttpRequest) -> bool:
    match = request.resolver_match
    rule = access.rule_for(match.view_name) if match is not None else None
    return rule is not None and rule.token


class ApiTokenMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if getattr(request, "api_token", None) is not None:
            patch_cache_control(response, no_store=True, private=True)
        return response

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        if not is_api_request(request):
            return None
        secret = tokens.bearer_token(request.headers.get("Authorization", ""))
        token = selectors.valid_token(secret) if secret else None
        if token is None:
            return unauthorized()
        request.user = token.user
        request.api_token = token  # type: ignore[attr-defined]
        seconds = ratelimit.retry_after(token.key_hash)
        if seconds is not None:
            return too_many(seconds)
        services.record_use(token=token)
        return None
