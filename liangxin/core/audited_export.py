"""An XLSX export that leaves its audit record first: who took which rows out, filtered how
(``registry.services.log_export``), then the streamed workbook (``core.export``)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import FileResponse, HttpRequest

from liangxin.accounts.models import User
from liangxin.core.clients import client_address
from liangxin.core.dates import today
from liangxin.core.export import XlsxBook, workbook_response


def audited_workbook(
    request: HttpRequest,
    *,
    object_type: str,
    filters: dict[str, object],
    rows: int,
    filename: str,
    write: Callable[[XlsxBook], None],
) -> FileResponse:
    from liangxin.registry.services import log_export

    user = request.user
    assert isinstance(user, User)
    log_export(
        by=user,
        object_type=object_type,
        filters=filters,
        rows=rows,
        file_format="xlsx",
        remote_addr=client_address(request),
    )
    return workbook_response(filename=f"{filename}_{today():%Y%m%d}.xlsx", write=write)
