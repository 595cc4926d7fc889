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
        risky = selectors.at_risk_for(user=user, as_of=today)
    except selectors.NoLifePolicy:
        return []
    return [
        TodoItem(
            kind=_("组织生活"),
            title=_("%(name)s 已 %(months)d 个月以上没有组织生活记录,有涣散风险")
            % {"name": s.party_organization.name, "months": months},
            url=reverse("orglife:calendar", kwargs={"pk": s.party_organization.pk}),
            detail=_("最近一次活动:%(day)s") % {"day": s.last_activity.isoformat() if s.last_activity else _("无")},
            urgent=True,
        )
        for s in risky
    ]
