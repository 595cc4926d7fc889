"""What a clerk's to-do page lists for formation (``core.todo``): overdue plans, and the
organizations whose census record is still to be verified one by one (逐一核实)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.core.todo import TodoItem, due_text
from liangxin.policy.selectors import NoPolicyInForce

from . import transitions
from .choices import OPEN_STATUSES
from .models import FormationPlan, Verification
from .selectors import RegisterRow, iter_register_rows, organizations_for

# Organizations named on the to-do page under one item; the register lists them all.
NAMES_SHOWN_PER_ITEM = 5


def needs_verification(*, census_from: dt.date, last_verified: dt.date | None) -> bool:
    """逐一核实: an organization on the register is verified after each census, so its census
    record in force (valid from ``census_from``) is due until a verification on or after that date."""
    return last_verified is None or last_verified < census_from


def verifications_due(*, user: User, on: dt.date) -> list[RegisterRow]:
    """The organizations of the user's register (as of ``on``) whose census record in force has not
    been verified yet (``needs_verification``); none when no policy is in force on that date."""
    try:
        rows = [row for row in iter_register_rows(user=user, on=on) if row.facts is not None]
    except NoPolicyInForce:
        return []
    last = dict(
        Verification.objects.filter(organization_id__in=[row.organization_id for row in rows])
        .values("organization_id")
        .annotate(last=Max("verified_on"))
        .values_list("organization_id", "last")
    )
    return [
        row
        for row in rows
        if row.facts is not None
        and needs_verification(census_from=row.facts.valid_from, last_verified=last.get(row.organization_id))
    ]


def overdue_plans(*, user: User, on: dt.date) -> list[FormationPlan]:
    """Open plans of the user's organizations whose formation date has passed (``transitions.is_overdue``)."""
    plans = FormationPlan.objects.filter(
        organization__in=organizations_for(user=user), status__in=OPEN_STATUSES, planned_date__isnull=False
    ).select_related("organization")
    return [
        plan
        for plan in plans.order_by("planned_date", "pk")
        if transitions.is_overdue(status=plan.status, planned_date=plan.planned_date, today=on)
    ]


def todo_items(*, user: User, today: dt.date) -> list[TodoItem]:
    """The to-do page's formation items: every overdue plan, and the organizations whose census
    record is still to be verified (one item, with the first few names)."""
    items = [
        TodoItem(
            kind=_("组建方案逾期"),
            title=plan.organization.name,
            url=plan.get_absolute_url(),
            detail=_("状态:%(status)s;计划组建时间%(due)s")
            % {"status": plan.get_status_display(), "due": due_text(due=plan.planned_date, today=today)},
            urgent=True,
            due=plan.planned_date,
        )
        for plan in overdue_plans(user=user, on=today)
        if plan.planned_date is not None
    ]
    due = verifications_due(user=user, on=today)
    if due:
        names = "、".join(row.organization.name for row in due[:NAMES_SHOWN_PER_ITEM])
        more = _(" 等") if len(due) > NAMES_SHOWN_PER_ITEM else ""
        items.append(
            TodoItem(
                kind=_("逐一核实"),
                title=_("%(count)d 个组织的普查记录待核实") % {"count": len(due)},
                url=reverse("formation:register_list"),
                detail=names + more,
            )
        )
    return items
