"""What a clerk's to-do page lists for the census import (``core.todo``): the last import of his
township, when it still waits for him (a preview not confirmed, a failure) or left problems
(rows sent back, warnings)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.core.todo import TodoItem

from .models import BatchStatus
from .selectors import batches_for


def todo_items(*, user: User, today: dt.date) -> list[TodoItem]:
    batch = batches_for(user=user).filter(unit_id=user.township_id or 0).order_by("-created_at", "-pk").first()
    if batch is None:
        return []
    title = _("%(file)s(数据日期 %(as_of)s)") % {"file": batch.file_name, "as_of": batch.as_of.isoformat()}
    if batch.status == BatchStatus.PREVIEWED:
        detail = _("已预览,尚未确认导入:%(errors)d 个错误,%(warnings)d 条提示") % {
            "errors": batch.error_count,
            "warnings": batch.warning_count,
        }
    elif batch.status == BatchStatus.FAILED:
        detail = _("导入失败:%(reason)s") % {"reason": batch.failure_reason or "—"}
    elif batch.status == BatchStatus.APPLIED and (batch.rejected_count or batch.warning_count):
        detail = _("已导入,留有 %(rejected)d 行退回、%(warnings)d 条提示待处理") % {
            "rejected": batch.rejected_count,
            "warnings": batch.warning_count,
        }
    else:
        return []
    return [TodoItem(kind=_("摸底导入"), title=title, url=batch.get_absolute_url(), detail=detail)]
