"""``PageAccessMiddleware``: the role × page rules of ``access.py``, applied before any view runs,
and ``Cache-Control: no-store, private`` on every answer to a signed-in user, so that shared
office computers and proxies keep no copy of member data."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from . import access

Handler = Callable[[HttpRequest], HttpResponseBase]

logger = logging.getLogger(__name__)


class PageAccessMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        # Read before the view: logging out makes the user anonymous on the way back.
        signed_in = request.user.is_authenticated
        response = self.get_response(request)
        if signed_in:
            patch_cache_control(response, no_store=True, private=True)
        return response

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        match = request.resolver_match
        view_name = match.view_name if match is not None else ""
        rule = access.rule_for(view_name)
        if rule is None:
            # Fails closed: a URL nobody wrote a rule for is nobody's.
            logger.error("No access rule for URL %r: refused. Add one to liangxin/accounts/access.py.", view_name)
            raise PermissionDenied(_("该页面尚未设定访问规则。"))
        if not rule.allows(access.role_of(request.user), request.method or "GET"):
            if rule.token:  # the JSON API answers in JSON
                return JsonResponse(
                    {"detail": _("您的角色无权读取此数据。")}, status=403, json_dumps_params={"ensure_ascii": False}
                )
            raise PermissionDenied(_("您的角色无权使用此页面。"))
        return None
