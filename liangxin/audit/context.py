"""Who is asking, for every audit record: the client address and an id of the request.

``RequestContextMiddleware`` binds them for the duration of a request, and
``audit.services`` reads them when it writes a record, so no service has to pass them along.
A background job binds the context of the request that queued it (``census.jobs``), so the
records it writes carry that request's address and id. Outside a request (commands, the demo
loader) there is none: the address is empty and each command may bind an id of its own.
"""

from __future__ import annotations

import contextlib
import ipaddress
import uuid
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse


@dataclass(frozen=True)
class RequestContext:
    remote_addr: str | None
    request_id: str


_current: ContextVar[RequestContext | None] = ContextVar("liangxin_audit_request", default=None)


def current() -> RequestContext | None:
    return _current.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def client_address(value: object) -> str | None:
    """The address in its canonical text form, or None when it is not an IP address (a unix
    socket, an empty REMOTE_ADDR): the same text whether it was just written or read back from
    PostgreSQL's ``inet``, so the record hash does not depend on the database."""
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        return None


@contextlib.contextmanager
def bound(*, remote_addr: str | None, request_id: str | None = None) -> Iterator[RequestContext]:
    """Bind a context (a new request id unless one is given) until the block ends."""
    context = RequestContext(remote_addr=client_address(remote_addr), request_id=request_id or new_request_id())
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


class RequestContextMiddleware:
    """Binds the client address (REMOTE_ADDR: behind a reverse proxy, have the proxy pass the
    client's) and a new request id, and answers the id in ``X-Request-ID`` so a user's report of
    a problem can be matched with the audit records of that request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with bound(remote_addr=request.META.get("REMOTE_ADDR")) as context:
            response = self.get_response(request)
        response["X-Request-ID"] = context.request_id
        return response
