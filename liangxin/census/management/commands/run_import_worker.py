"""python manage.py run_import_worker [--once] [--sleep SECONDS]

Runs the census import jobs the web pages queue for large files (``census.jobs``). Start one
beside the web server (``make run`` does); several may run at once on PostgreSQL. With no job
waiting it keeps the copies of the county's dashboard and indicator tables of today current
(``coverage.services.refresh_county_snapshots``, every few minutes; ``coverage/county_snapshot.py``). Stop it with
Ctrl-C or SIGTERM: a job in the middle of its write is rolled back and marked failed. While it
runs it beats (``census.jobs.Heartbeat``); ``--once`` beats once, at its start.
"""

from __future__ import annotations

import signal
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection

from liangxin.census import jobs
from liangxin.coverage.services import refresh_county_snapshots


class Command(BaseCommand):
    help = "运行摸底导入的后台任务(大文件的校验和导入),空闲时统计全县看板和指标表。"
    _dashboard_retry_at = 0.0

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="处理完当前排队的任务后退出")
        parser.add_argument("--sleep", type=float, default=1.0, help="没有任务时每隔几秒查看一次(默认 1)")

    def handle(self, *args: Any, **options: Any) -> None:
        worker = jobs.worker_id()
        stopping = {"now": False}

        def stop(signum: int, frame: FrameType | None) -> None:
            stopping["now"] = True
            raise jobs.WorkerStopped

        signal.signal(signal.SIGTERM, stop)
        for job in jobs.recover_stale_jobs():
            self.stderr.write(f"任务 #{job.pk}({job.file_name})已中断,标记为失败。")
        if options["once"]:
            jobs.beat(worker)
            self._work(worker, stopping, once=True, sleep=options["sleep"])
            return
        self.stderr.write(f"摸底导入后台服务已启动({worker})。按 Ctrl-C 停止。")
        with jobs.Heartbeat(worker):
            self._work(worker, stopping, once=False, sleep=options["sleep"])

    def _work(self, worker: str, stopping: dict[str, bool], *, once: bool, sleep: float) -> None:
        try:
            while not stopping["now"]:
                # A long-running worker must drop connections the database has timed out; never
                # one inside a transaction (a caller's, e.g. a test's), which would abort it.
                if not connection.in_atomic_block:
                    close_old_connections()
                ran = jobs.run_next(worker)
                if ran is not None:
                    ran.refresh_from_db()
                    self.stderr.write(
                        f"任务 #{ran.pk} {ran.get_kind_display()} {ran.file_name}:{ran.get_status_display()}"
                    )
                    continue
                if once:
                    break
                self._refresh_dashboard()
                time.sleep(sleep)
        except (KeyboardInterrupt, jobs.WorkerStopped):
            self.stderr.write("摸底导入后台服务已停止。")

    def _refresh_dashboard(self) -> None:
        # A failure here must not stop the imports: the page then computes the dashboard itself,
        # and the next attempt waits for the next refresh interval.
        now = time.monotonic()
        if now < self._dashboard_retry_at:
            return
        try:
            copies = refresh_county_snapshots()
        except Exception as exc:
            self._dashboard_retry_at = now + 60 * settings.DASHBOARD_REFRESH_MINUTES
            self.stderr.write(f"全县看板和指标表统计失败:{type(exc).__name__}: {exc}")
            return
        if copies:
            seconds = sum(c.seconds for c in copies)
            self.stderr.write(f"全县看板和指标表已统计({copies[0].as_of},{len(copies)} 页,{seconds:.1f} 秒)。")
