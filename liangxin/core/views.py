"""Pages of no single app: the clerks' to-do page (``core.todo``), the error pages, and the answer of a
form's search box (``core.forms.PickerField``) that each app's picker endpoint gives."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from liangxin.accounts.models import User
from liangxin.core.dates import today

from . import todo
from .forms import Picker, picker_query


@require_GET
def todo_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # the page rules let only signed-in clerks through
    on = today()
    groups = todo.todo_for(user=user, today=on)
    return render(request, "core/todo.html", {"groups": groups, "today": on})


_FIELD_NAME = re.compile(r"[a-z][a-z0-9_-]{0,39}")


def picker_options(request: HttpRequest, picker: Picker, queryset: QuerySet[Any]) -> HttpResponse:
    """The options of a picker (``core.forms.PickerField``) for what was typed, among
    ``queryset`` (the rows the form accepts, within the user's scope): at most ``Picker.LIMIT``,
    and the one already chosen, if it is among them."""
    name = request.GET.get("name", "")
    if not _FIELD_NAME.fullmatch(name):
        return HttpResponseBadRequest(_("缺少查找字段。"))
    pk, q = picker_query(request.GET, name)
    found, more = picker.search(queryset, q)
    chosen = picker.chosen(queryset, pk) if pk else None
    options = found if chosen is None or chosen in found else [chosen, *found]
    context = {
        "name": name,
        "options": options,
        "chosen": chosen.pk if chosen else None,
        "q": q,
        "searched": bool(q),
        "more": more,
        "limit": Picker.LIMIT,
    }
    return render(request, "core/_picker_options.html", context)
