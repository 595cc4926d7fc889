"""The county's pages of today kept ready: when a page shows the worker's copy instead of computing.

At a province's size the county-wide dashboard reads every organization of the register several
times (about 4 s of CPU at a million organizations), the indicator table once (about 1.1 s; see
ARCHITECTURE.md, "Derived layers and tunings"). The import worker computes them for today every
``DASHBOARD_REFRESH_MINUTES`` (``services.refresh_county_snapshots``) and an account whose scope
is the county gets that copy, with the time it was computed, while it is recent. Where computing
is quick (a county's register: tens of milliseconds) the copy is never shown and the pages
compute on each request, so what a clerk enters shows at once; any other day, trend period or
scope is always computed.

A copy is a pickle of the selector's result (``selectors.Dashboard``, ``selectors.TablePage``),
signed with the site's secret key and read only when the signature holds, so the table cannot be
made to load anything else.
"""

from __future__ import annotations

import datetime as dt
import pickle
from typing import Any

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

_SALT = "liangxin.coverage.snapshot"
DASHBOARD = "dashboard"


def table_name(by: str) -> str:
    return f"table:{by}"


def refresh_interval() -> dt.timedelta:
    return dt.timedelta(minutes=settings.DASHBOARD_REFRESH_MINUTES)


def max_age() -> dt.timedelta:
    """How old a copy the page still shows: three refreshes, so that a worker busy with an import
    for a while does not send the page back to computing."""
    return 3 * refresh_interval()


def worth_showing(*, seconds: float, age: dt.timedelta) -> bool:
    """Whether the page shows a copy that took ``seconds`` to compute and was computed ``age``
    ago rather than computing the dashboard itself."""
    return seconds >= settings.DASHBOARD_COPY_SECONDS and age <= max_age()


def due(*, computed_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether the worker computes today's copies again (``computed_at``: the oldest of today's
    copies, None when one is missing)."""
    return computed_at is None or now - computed_at >= refresh_interval()


def _signature(payload: bytes) -> str:
    return salted_hmac(_SALT, payload, algorithm="sha256").hexdigest()


def pack(value: Any) -> tuple[bytes, str]:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return payload, _signature(payload)


def unpack(payload: bytes, signature: str) -> Any | None:
    """The value ``pack`` signed; None when the signature does not hold (another secret key, a
    changed row) or the copy was written by code whose classes have changed since."""
    if not constant_time_compare(_signature(payload), signature):
        return None
    try:
        return pickle.loads(payload)  # noqa: S301 — signed above with the site's secret key
    except Exception:  # a class of another version of the code: the page computes instead
        return None
