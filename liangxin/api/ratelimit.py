"""At most ``API_RATE_LIMIT`` requests a minute per token (429 beyond), counted in Django's cache.

A fixed window per minute: one ``add`` and one ``incr`` per request, no database write. The count
is as shared as the cache is: the default in-process cache counts per process, so behind several
web servers (or several worker processes) a shared cache — Redis or Memcached in ``CACHES`` —
makes the limit the county's, as README "API" says.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60


def retry_after(token_key: str, *, now: float | None = None) -> int | None:
    """Count one request of the token (``token_key``: its digest, unique for ever, where an id may
    come back after a rollback); the seconds until it may send again when over the limit, else
    None."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    key = f"api-rate:{token_key}:{window}"
    # Kept a little past the window so that a slow request still finds its own count.
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
        count = 1
    if count <= settings.API_RATE_LIMIT:
        return None
    return max(1, int((window + 1) * WINDOW_SECONDS - now))
