"""python manage.py close_deregistered_plans [--dry-run]

Plans are closed by the write that deregisters their organization. A database written before that
rule (or a figure written outside the services) may still hold open plans of deregistered
organizations: this closes them once, audited as the command line, as of today."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from liangxin.core.dates import today
from liangxin.formation.services import close_plans_of_deregistered
from liangxin.registry.models import Organization


class Command(BaseCommand):
    help = "把已注销组织仍在进行中的组建方案改为“已撤销”(一次性修复,记入审计日志)。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="只统计,不修改")

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            closed = close_plans_of_deregistered(organizations=Organization.objects.all(), on=today(), by=None)
            if options["dry_run"]:
                transaction.set_rollback(True)
        verb = "将撤销" if options["dry_run"] else "已撤销"
        self.stdout.write(f"{verb} {len(closed)} 个已注销组织的组建方案。")
