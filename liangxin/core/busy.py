"""When the database is busy: a write waited for a lock longer than a request waits.

The census import holds the database's write lock (SQLite) or its rows' locks (PostgreSQL) while
it writes; every other write waits for it at most ``DB_LOCK_WAIT_SECONDS`` (5 s: SQLite's busy
timeout, PostgreSQL's ``lock_timeout``). A write that waited that long is answered with the page
"正在导入,请稍后再试" — HTTP 503 with ``Retry-After``, in the site's layout (a fragment for htmx) —
and nothing it did is kept; never with a 500. Management commands say the same and exit with 75
(``manage.py``). The import itself waits longer (:func:`patient`): nobody is watching it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

# SQLite: "database is locked" (busy timeout) and "database table is locked" (shared cache);
# PostgreSQL: lock_not_available, what lock_timeout raises.
_SQLITE_MESSAGES = ("database is locked", "database table is locked")
_POSTGRES_LOCK_NOT_AVAILABLE = "55P03"
EXIT_BUSY = 75  # EX_TEMPFAIL: try again later

_MARK = "_liangxin_database_busy"


def message() -> str:
    return _("正在导入,请稍后再试。")


def is_lock_timeout(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what it was raised from) is a database's refusal to wait longer for a lock."""
    seen = 0
    while exc is not None and seen < 10:
        if getattr(exc, "sqlstate", None) == _POSTGRES_LOCK_NOT_AVAILABLE:
            return True
        text = str(exc)
        if type(exc).__name__ == "OperationalError" and any(m in text for m in _SQLITE_MESSAGES):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def note_exception(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """``got_request_exception``: mark the request whose exception was a lock timeout, so that
    :class:`BusyMiddleware` answers it with the busy page (Django has turned the exception into a
    500 answer by then, in whichever layer it was raised)."""
    import sys

    if request is not None and is_lock_timeout(sys.exc_info()[1]):
        setattr(request, _MARK, True)


def busy_response(request: HttpRequest) -> HttpResponse:
    wait = max(1, round(settings.DB_LOCK_WAIT_SECONDS))
    template = "core/busy_fragment.html" if request.headers.get("HX-Request") else "core/busy.html"
    response = render(request, template, {"message": message(), "retry_after": wait}, status=503)
    response["Retry-After"] = str(wait)
    return response


class BusyMiddleware:
    """First in the list: replaces the 500 answer to a lock timeout, wherever it was raised (a
    view, a middleware saving the session), by the busy page."""

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        response = self.get_response(request)
        if getattr(request, _MARK, False):
            return busy_response(request)
        return response


@contextmanager
def patient(seconds: float) -> Iterator[None]:
    """Wait up to ``seconds`` for a lock in the block (the import's own write, in the worker or on
    the command line), instead of a request's few seconds."""
    if seconds <= 0:
        yield
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA busy_timeout")
            before = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")
        elif connection.vendor == "postgresql":
            cursor.execute("SHOW lock_timeout")
            before = cursor.fetchone()[0]
            cursor.execute("SELECT set_config('lock_timeout', %s, false)", [f"{int(seconds * 1000)}ms"])
    try:
        yield
    finally:
        if connection.connection is not None:
            with connection.cursor() as cursor:
                if connection.vendor == "sqlite":
                    cursor.execute(f"PRAGMA busy_timeout = {int(before)}")
                elif connection.vendor == "postgresql":
                    cursor.execute("SELECT set_config('lock_timeout', %s, false)", [before])
