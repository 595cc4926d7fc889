"""Cursor pagination in ascending id: stable whatever is added or changed between two pages (a
row added later has a larger id and comes on a later page; nothing is skipped or repeated), and
each page is one index range, however deep."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

M = TypeVar("M", bound=Model)

_MARK = "after:"
_LARGEST_ID = 2**63 - 1


class ApiError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"{_MARK}{pk}".encode("ascii")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The id the page starts after (0: the first page). A cursor this API did not make is a 400."""
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        raise ApiError(400, _("cursor 无效:请使用上一页返回的 next_cursor。")) from None
    digits = raw.removeprefix(_MARK)
    if not raw.startswith(_MARK) or not digits.isascii() or not digits.isdigit() or int(digits) > _LARGEST_ID:
        raise ApiError(400, _("cursor 无效:请使用上一页返回的 next_cursor。"))
    return int(digits)


def page(
    request: HttpRequest,
    queryset: QuerySet[M],
    *,
    cursor: str | None,
    limit: int,
    serialize: Callable[[Sequence[M]], list[Any]],
) -> dict[str, Any]:
    after = decode_cursor(cursor)
    rows = list(queryset.filter(pk__gt=after).order_by("pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].pk) if more and rows else None
    following = None
    if next_cursor is not None:
        query = request.GET.copy()
        query["cursor"] = next_cursor
        following = f"{request.path}?{query.urlencode()}"
    return {"results": serialize(rows), "next_cursor": next_cursor, "next": following}
