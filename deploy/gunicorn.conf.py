"""gunicorn's configuration for Liangxin (``liangxin-web.service`` starts it with ``--config``).

Everything it reads comes from the same environment file as the application
(``/etc/liangxin/liangxin.env``); each value below says why it is what it is.
"""

from __future__ import annotations

import multiprocessing
import os

# nginx on this machine proxies to this address; on several web servers, the server's address on
# the private network (and a firewall that lets only the nginx hosts reach it).
bind = os.environ.get("LIANGXIN_BIND", "127.0.0.1:8000")

# Synchronous workers, the usual 2 × CPUs + 1: requests wait on PostgreSQL, not on the CPU, and a
# slow export blocks only its own worker. LIANGXIN_WEB_WORKERS overrides (e.g. with little memory:
# each worker holds about 100 MB).
workers = int(os.environ.get("LIANGXIN_WEB_WORKERS", "0")) or multiprocessing.cpu_count() * 2 + 1
worker_class = "sync"

# The longest request: a county-wide export of 200,000 rows or the joint planner of a large
# township. A worker past it is killed and restarted (its request gets a 502 from nginx). nginx's
# proxy_read_timeout is a little longer, so gunicorn's limit is the one that acts.
timeout = int(os.environ.get("LIANGXIN_WEB_TIMEOUT", "120"))
# On stop or reload, requests in progress get this long to finish.
graceful_timeout = 30
# Keep-alive with nginx (its upstream keepalive).
keepalive = 5
# A worker is replaced after so many requests (with jitter, not all at once), so that memory a
# large export took is given back.
max_requests = 2000
max_requests_jitter = 200
# The heartbeat file of each worker in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 (gunicorn's own advice)

# The addresses whose X-Forwarded-Proto gunicorn believes (so Django knows the request came over
# HTTPS: secure cookies, HSTS, the HTTPS redirect) — the same proxies the application trusts for
# the client's address (LIANGXIN_TRUSTED_PROXIES, liangxin/core/clients.py).
forwarded_allow_ips = os.environ.get("LIANGXIN_TRUSTED_PROXIES", "") or "127.0.0.1"

# Access log: one line per request with the client address nginx forwarded and the request id
# the application answered in X-Request-ID — the id its audit records carry, so a line here, the
# audit log and a user's report of a problem can be matched. Into a file that logrotate turns
# over (deploy/logrotate-liangxin; USR1 makes gunicorn reopen it), or "-" for the journal.
accesslog = os.environ.get("LIANGXIN_ACCESS_LOG", "/var/log/liangxin/access.log")
access_log_format = (
    '%({x-forwarded-for}i)s %(h)s [%(t)s] "%(r)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s "%(a)s"'
)
# Errors and start/stop messages go to the journal (journalctl -u liangxin-web).
errorlog = "-"
loglevel = os.environ.get("LIANGXIN_WEB_LOG_LEVEL", "info")
capture_output = True

# Request line and header limits: gunicorn's defaults are generous; nothing here needs more.
limit_request_line = 8190
limit_request_fields = 100

# The application is loaded in each worker, not in the master: a reload (HUP) then picks up new
# code, and no database connection is shared across fork.
preload_app = False
proc_name = "liangxin"


def post_worker_init(worker: object) -> None:
    """Once a worker has loaded the application: its startup objects out of the collector's sight
    (``liangxin/core/collector.py``: a full collection walked pypinyin's 200,000 lists for 70 ms)."""
    from liangxin.core.collector import freeze_startup_objects

    freeze_startup_objects()
