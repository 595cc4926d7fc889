"""``python manage.py refresh_coverage_state [--all]``: bring the indicators' state table up to date
now (it is otherwise refreshed on the next read), e.g. right after a large import, so that the
first dashboard after it does not wait; ``--all`` re-creates any missing stale-marking trigger and
recomputes every organization (the repair the system check ``coverage.E001`` names, so the
command runs without the system checks)."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection

from liangxin.coverage import materialized, triggers
from liangxin.coverage.models import OrganizationState


class Command(BaseCommand):
    help = "刷新覆盖指标使用的组织状态表(默认只刷新有变动的组织;--all 补建触发器并全部重算)。"
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--all", action="store_true", help="全部重算")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        if options["all"]:
            triggers.sync(connection)
            materialized.rebuild()
            done = "全部组织"
        else:
            done = f"{materialized.refresh_stale()} 个有变动的组织"
        rows = OrganizationState.objects.count()
        self.stdout.write(f"已刷新{done},状态表共 {rows} 行,用时 {time.perf_counter() - started:.1f} 秒。")
