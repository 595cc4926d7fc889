"""What a clerk's to-do page lists for reconciliation (``core.todo``): the rows of finished runs
waiting for his decision, one item per run — a township's clerk his township's rows, the county's
the rows no township could be found for (who decides is ``services.may_decide``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission, ScopeKind
from liangxin.core.todo import TodoItem

from . import selectors
from .models import BatchStatus, Decision, ReconcileRow


def todo_items(*, user: User, today: dt.date) -> Iterable[TodoItem]:
    if not user.can(Permission.EDIT_ORGANIZATIONS):
        return []
    if user.scope_kind is ScopeKind.TOWNSHIP:
        theirs = Q(township_id=user.township_id or 0)
    elif user.scope_kind is ScopeKind.COUNTY:
        theirs = Q(township__isnull=True)
    else:
        return []
    waiting = (
        ReconcileRow.objects.filter(
            theirs,
            decision=Decision.PENDING,
            batch__status=BatchStatus.READY,
            batch__in=selectors.batches_for(user=user).values("pk"),
        )
        .values("batch_id", "batch__file_name", "batch__created_at")
        .annotate(n=Count("pk"))
        .order_by("batch__created_at", "batch_id")
    )
    return [
        TodoItem(
            kind=_("登记比对"),
            title=_("%(file)s:%(count)d 条比对结果待确认") % {"file": row["batch__file_name"], "count": row["n"]},
            url=reverse("reconcile:batch_detail", kwargs={"pk": row["batch_id"]}),
            detail=_("逐条采纳或不采纳(不采纳须说明理由)"),
        )
        for row in waiting
    ]
