"""What a clerk's to-do page lists for campaigns (``core.todo``): his unit's submission of each
open campaign, its state and its reporting deadline."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Role
from liangxin.core import todo
from liangxin.core.todo import TodoItem

from . import workflow
from .models import CampaignStatus
from .selectors import submissions_for


def todo_items(*, user: User, today: dt.date) -> list[TodoItem]:
    """The to-do page's campaign items: each open campaign's submission of the clerk's unit, its
    state and its reporting deadline (``core.todo``). Done work (approved) is left out; a
    submission waiting for the county is listed, not urgent."""
    if user.role not in (Role.TOWNSHIP_CLERK, Role.DEPARTMENT_CLERK):
        return []
    items = []
    for submission in submissions_for(user=user).filter(campaign__status=CampaignStatus.OPEN):
        if submission.state == workflow.APPROVED:
            continue
        campaign = submission.campaign
        waiting = submission.state not in workflow.EDITABLE
        detail = _("状态:%(state)s") % {"state": submission.get_state_display()}
        if waiting:
            detail += _(",等待县里审核")
        else:
            detail += _(";摸底上报%(due)s") % {"due": todo.due_text(due=campaign.survey_deadline, today=today)}
            if submission.state == workflow.RETURNED and submission.last_reason:
                detail += _(";退回原因:%(reason)s") % {"reason": submission.last_reason}
        items.append(
            todo.TodoItem(
                kind=_("集中摸底"),
                title=f"{campaign.name} · {submission.unit_name}",
                url=submission.get_absolute_url(),
                detail=detail,
                urgent=not waiting and todo.is_urgent(due=campaign.survey_deadline, today=today),
                due=None if waiting else campaign.survey_deadline,
            )
        )
    return items
