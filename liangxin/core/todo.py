"""The clerks' to-do page: what is waiting for the user, gathered from every app that has work to do.

Each kind of to-do is one function in the app that owns it, named in ``SOURCES``:
``todo_items(*, user, today) -> Iterable[TodoItem]``; it reads through the user's scope like every
selector. A later kind (mobile members' registrations, compliance, ...) plugs in with one line
here and its function in its own app; this module imports no app, so none depends on another
through it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from liangxin.accounts.models import User

SOURCES: tuple[str, ...] = (
    "liangxin.campaigns.todo.todo_items",  # campaign deadline and state
    "liangxin.formation.todo.todo_items",  # overdue plans, verifications due (逐一核实)
    "liangxin.census.todo.todo_items",  # problems left in the last import
    "liangxin.orglife.todo.todo_items",  # party organizations at risk (no activity for months)
    "liangxin.reconcile.todo.todo_items",  # registration-list rows waiting for a decision
)


@dataclass(frozen=True)
class TodoItem:
    kind: str | Promise  # the heading it is listed under, e.g. 集中摸底
    title: str  # what to do, one line
    url: str  # where it is done
    detail: str = ""  # state, counts, a deadline
    urgent: bool = False  # overdue, or due within a week: drawn first and marked
    due: dt.date | None = None


# Within this many days of its deadline a to-do is urgent.
URGENT_DAYS = 7


def is_urgent(*, due: dt.date | None, today: dt.date) -> bool:
    return due is not None and (due - today).days <= URGENT_DAYS


def due_text(*, due: dt.date, today: dt.date) -> str:
    days = (due - today).days
    if days < 0:
        return _("已逾期 %(days)d 天(%(due)s)") % {"days": -days, "due": due.isoformat()}
    if days == 0:
        return _("今天截止(%(due)s)") % {"due": due.isoformat()}
    return _("还有 %(days)d 天(%(due)s 截止)") % {"days": days, "due": due.isoformat()}


@dataclass
class TodoGroup:
    kind: str | Promise
    items: list[TodoItem]


def todo_for(*, user: User, today: dt.date, sources: Iterable[str] = SOURCES) -> list[TodoGroup]:
    """Every source's items for ``user``, grouped by kind in the order of ``SOURCES``, the urgent
    first and then by deadline."""
    groups: dict[str, TodoGroup] = {}
    for path in sources:
        source: Callable[..., Iterable[TodoItem]] = import_string(path)
        for item in source(user=user, today=today):
            groups.setdefault(str(item.kind), TodoGroup(kind=item.kind, items=[])).items.append(item)
    for group in groups.values():
        group.items.sort(key=lambda i: (not i.urgent, i.due or dt.date.max))
    return list(groups.values())
