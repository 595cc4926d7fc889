"""A GET on a URL that only takes a form's POST (a reloaded step, a bookmarked action) leads back
to the page the form is on, instead of a blank 405."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from liangxin.accounts import access


def page_above(path: str, role: str | None) -> str:
    """The nearest page above ``path`` (one URL segment up at a time) that the role may open: the
    step or object page an action belongs to (``/census/batches/7/mapping/`` → ``/census/batches/7/``);
    the home page when there is none."""
    parts = [p for p in path.split("/") if p]
    while parts:
        parts.pop()
        candidate = "/" + "".join(f"{p}/" for p in parts)
        try:
            match = resolve(candidate)
        except Resolver404:
            continue
        if match.view_name and access.may_open(role, match.view_name):
            return candidate
    return "/"


class PostOnlyGetMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or request.method not in ("GET", "HEAD"):
            return response
        messages.info(request, _("这一步需要在页面上提交表单,已回到它所在的页面。"))
        return redirect(page_above(request.path, access.role_of(getattr(request, "user", None))))
