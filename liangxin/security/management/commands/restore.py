"""``python manage.py restore FILE [--yes]``: replace the database, the uploaded files and the
audit anchor with those of a backup, then check the audit chain."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from liangxin.security.backup import BackupError, describe_backup_time, restore_backup


class Command(BaseCommand):
    help = "从加密备份文件恢复数据库、上传文件和审计锚点(覆盖当前数据)。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="备份文件(.lxbak)")
        parser.add_argument("--yes", action="store_true", help="不询问,直接覆盖当前数据")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("找不到备份文件:%(path)s") % {"path": path})
        if not options["yes"]:
            if not sys.stdin.isatty():
                raise CommandError(_("恢复会覆盖当前数据库和上传文件。确认无误后加 --yes 运行。"))
            answer = input(_("恢复会覆盖当前数据库和上传文件。输入 yes 继续:"))
            if answer.strip().lower() != "yes":
                raise CommandError(_("已取消,未做任何改动。"))
        try:
            result = restore_backup(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(_("已恢复 %(time)s 的备份。") % {"time": describe_backup_time(result.manifest)})
        )
        if result.media_kept_at:
            self.stdout.write(_("恢复前的上传文件保留在:%(path)s") % {"path": result.media_kept_at})
        if result.mismatched_tables:
            self.stderr.write(
                _("注意:以下表的行数与备份清单不一致:%(tables)s") % {"tables": ", ".join(result.mismatched_tables)}
            )
        call_command("verify_audit", stdout=self.stdout, stderr=self.stderr)
