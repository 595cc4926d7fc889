"""``/healthz``: is this installation able to work — for a monitoring system or a load balancer,
without a login.

Four checks, each ``ok`` or ``fail``:

- ``database``: a query answers;
- ``migrations``: every migration of this code is applied (after an upgrade without
  ``migrate``, pages would fail one by one);
- ``import_worker``: some import worker beat within ``HEALTH_WORKER_MAX_AGE_SECONDS``
  (``census.jobs.Heartbeat``), else large census files wait forever;
- ``disk``: ``LIANGXIN_VAR_DIR`` has at least ``HEALTH_MIN_FREE_MB`` free (backups, uploads on a
  local directory, the SQLite database).

The answer is 200 with ``{"status": "ok", ...}`` when all pass, else 503 with ``"fail"`` and the
failing checks. It says nothing about the data (no counts, no names) and no error text (which
could name hosts or accounts); the reason of a failure goes to the server's log. It lives at the
project level, beside ``urls.py``, because it asks several apps.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from liangxin.census import jobs

log = logging.getLogger(__name__)

OK = "ok"
FAIL = "fail"

Check = dict[str, Any]

# Once every migration is applied it stays so for this process; checking again costs a walk of
# the migration graph per probe. A process started on new code checks anew.
_migrations_applied = False


def check_database() -> Check:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": OK}


def check_migrations() -> Check:
    global _migrations_applied
    if not _migrations_applied:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            return {"status": FAIL, "pending": len(pending)}
        _migrations_applied = True
    return {"status": OK}


def check_import_worker() -> Check:
    latest = jobs.latest_heartbeat()
    if latest is None:
        return {"status": FAIL, "last_beat_seconds": None}
    age = max(0, int((timezone.now() - latest.beat_at).total_seconds()))
    return {"status": OK if age <= settings.HEALTH_WORKER_MAX_AGE_SECONDS else FAIL, "last_beat_seconds": age}


def check_disk() -> Check:
    free_mb = shutil.disk_usage(settings.VAR_DIR).free // (1024 * 1024)
    return {"status": OK if free_mb >= settings.HEALTH_MIN_FREE_MB else FAIL, "free_mb": free_mb}


CHECKS: dict[str, Callable[[], Check]] = {
    "database": check_database,
    "migrations": check_migrations,
    "import_worker": check_import_worker,
    "disk": check_disk,
}


def report() -> dict[str, Any]:
    checks: dict[str, Check] = {}
    for name, check in CHECKS.items():
        try:
            checks[name] = check()
        except (DatabaseError, OSError):
            log.warning("health check %s failed", name, exc_info=True)
            checks[name] = {"status": FAIL}
    status = OK if all(c["status"] == OK for c in checks.values()) else FAIL
    return {"status": status, "checks": checks}


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    found = report()
    return JsonResponse(found, status=200 if found["status"] == OK else 503)
