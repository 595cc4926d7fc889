"""Pages of no single app: the clerks' to-do page (``core.todo``) and the error pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from liangxin.accounts.models import User
from liangxin.core.dates import today

from . import todo


@require_GET
def todo_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # the page rules let only signed-in clerks through
    on = today()
    groups = todo.todo_for(user=user, today=on)
    return render(request, "core/todo.html", {"groups": groups, "today": on})
