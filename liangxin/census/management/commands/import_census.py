"""python manage.py import_census FILE [--unit CODE] [--dry-run] [--json] [--accept-valid]
[--new-organization USCC ...]"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from liangxin.accounts.models import User
from liangxin.census.models import ImportMode
from liangxin.census.services import BACKGROUND_LOCK_WAIT_SECONDS, ImportOutcome, ImportRefused, import_file
from liangxin.core.errors import ServiceError
from liangxin.geo.models import AdministrativeUnit
from liangxin.geo.selectors import county_or_township

PROGRESS_FROM_ROWS = 5000


class Command(BaseCommand):
    help = "导入摸底表(xlsx/xls/ods/csv):先校验全部行,无错误才在一个事务中写入。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--unit", help="乡镇(街道)9位代码或县6位代码;默认为全县")
        parser.add_argument("--dry-run", action="store_true", help="只校验和预览,不写入")
        parser.add_argument("--json", action="store_true", help="以一个 JSON 对象输出结果(标准输出只有 JSON)")
        parser.add_argument("--accept-valid", action="store_true", help="导入有效行,其余行列为退回")
        parser.add_argument("--as-of", help="数据日期 YYYY-MM-DD,默认今天")
        parser.add_argument("--user", help="记入审计日志的操作账号(须有导入权限)")
        parser.add_argument(
            "--new-organization",
            action="append",
            default=[],
            metavar="USCC",
            help="该代码所在行是新组织:与登记册中代码不同的组织同名时也按新组织登记(可重复;见 name_uscc_conflict)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"找不到文件:{path}")
        unit = self._unit(options["unit"])
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"账号不存在或已停用:{options['user']}")
        as_of = dt.date.fromisoformat(options["as_of"]) if options["as_of"] else None
        data = path.read_bytes()
        bar = _ProgressBar() if not options["json"] else _ProgressBar(quiet=True)
        try:
            outcome = import_file(
                by=user,
                unit=unit,
                data=data,
                file_name=path.name,
                as_of=as_of,
                mode=ImportMode.ACCEPT_VALID if options["accept_valid"] else ImportMode.ALL_OR_NOTHING,
                dry_run=options["dry_run"],
                progress=bar.update,
                new_organizations=[code.strip().upper() for code in options["new_organization"]],
                lock_wait=BACKGROUND_LOCK_WAIT_SECONDS,
            )
            refused = None
        except ImportRefused as exc:
            outcome = exc.outcome
            refused = exc.message
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        finally:
            bar.close()
        self._report(outcome, as_json=options["json"], refused=refused)
        if outcome.error_count and not (options["accept_valid"] and refused is None):
            sys.exit(1)

    def _unit(self, code: str | None) -> AdministrativeUnit:
        try:
            return county_or_township(code)
        except LookupError as exc:
            raise CommandError(str(exc)) from exc

    def _report(self, outcome: ImportOutcome, *, as_json: bool, refused: str | None) -> None:
        counts = outcome.counts()
        problems = [p.to_dict() for p in outcome.problems]
        if as_json:
            self.stdout.write(json.dumps({**counts, "problems": problems}, ensure_ascii=False))
            return
        batch = outcome.batch
        self.stdout.write(f"文件:{batch.file_name}  工作表:{batch.sheet_name or '—'}  表头行:{batch.header_row or '—'}")
        self.stdout.write(
            f"新增 {counts['new']}  变更 {counts['changed']}  无变化 {counts['unchanged']}  退回 {counts['rejected']}"
        )
        for p in problems:
            where = f"{p['sheet'] or ''} 第{p['row']}行" if p["row"] else (p["sheet"] or "")
            column = f"[{p['column']}]" if p["column"] else ""
            level = "错误" if p["severity"] == "error" else "警告"
            self.stdout.write(f"  {level} {where}{column} {p['code']}: {p['message']}")
        if refused:
            self.stdout.write(self.style.ERROR(refused))
        elif batch.status == "applied":
            self.stdout.write(self.style.SUCCESS(f"已导入,批次 #{batch.pk}。"))
        else:
            self.stdout.write("预览完成,未写入(--dry-run)。")


class _ProgressBar:
    """A rich progress bar on stderr, shown only for files large enough to need one."""

    def __init__(self, *, quiet: bool = False) -> None:
        self.quiet = quiet
        self._progress: Any = None
        self._task: Any = None

    def update(self, done: int, total: int) -> None:
        if self.quiet or total < PROGRESS_FROM_ROWS:
            return
        if self._progress is None:
            from rich.console import Console
            from rich.progress import Progress

            self._progress = Progress(console=Console(stderr=True), transient=True)
            self._progress.start()
            self._task = self._progress.add_task("写入登记册", total=total)
        self._progress.update(self._task, completed=done)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
