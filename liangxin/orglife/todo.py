"""What a township clerk's to-do page lists for organization life (``core.todo``): the party
organizations of the township at risk — no activity recorded for the policy's number of months."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import ScopeKind
from liangxin.core.todo import TodoItem

from . import selectors


def todo_items(*, user: User, today: dt.date) -> Iterable[TodoItem]:
    if user.scope_kind is not ScopeKind.TOWNSHIP:
        return []
    try:
        months = selectors.policy_in_force(on=today).at_risk_months
        risky = list(selectors.at_risk_queryset(user=user, as_of=today))
    except selectors.NoLifePolicy:
        return []
    items = []
    for party in risky:
        last: dt.date | None = party.last_activity  # type: ignore[attr-defined]  # at_risk_queryset's
        items.append(
            TodoItem(
                kind=_("组织生活"),
                title=_("%(name)s 已 %(months)d 个月以上没有组织生活记录,有涣散风险")
                % {"name": party.name, "months": months},
                url=reverse("orglife:calendar", kwargs={"pk": party.pk}),
                detail=_("最近一次活动:%(day)s") % {"day": last.isoformat() if last else _("无")},
                urgent=True,
            )
        )
    return items
