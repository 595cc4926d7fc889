"""``python manage.py backup [--output DIR]``: an encrypted, timestamped backup of the database,
the uploaded files and the audit anchor (``security.backup``)."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from liangxin.security.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "备份数据库、上传文件和审计锚点到一个加密文件(AES-256-GCM)。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--output", type=Path, default=None, help="备份目录(默认 var/backups)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = create_backup(output_dir=options["output"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("备份完成:%(path)s(%(size).1f MB;%(tables)d 张表 %(rows)d 行,上传文件 %(files)d 个)")
                % {
                    "path": result.path,
                    "size": result.size / 1024 / 1024,
                    "tables": result.tables,
                    "rows": result.rows,
                    "files": result.media_files,
                }
            )
        )
        self.stdout.write(
            _("请把备份文件复制到另一台机器或介质保存;密钥(LIANGXIN_BACKUP_KEY 或 LIANGXIN_FIELD_KEY)另行保管。")
        )
