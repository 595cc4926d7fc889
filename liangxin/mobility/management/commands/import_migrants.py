"""python manage.py import_migrants FILE [--unit CODE] [--dry-run] [--json] [--accept-valid]"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from liangxin.accounts.models import User
from liangxin.census.models import ImportMode
from liangxin.core.errors import ServiceError
from liangxin.geo.models import AdministrativeUnit, UnitLevel
from liangxin.mobility.services import ImportRefused, IntakeOutcome, import_file


class Command(BaseCommand):
    help = "导入公安流动人口中的党员信息(xlsx/xls/ods/csv):校验全部行、与党员登记册比对,生成待核实的登记。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--unit", help="乡镇(街道)9位代码;默认为全县,按现住址分到乡镇")
        parser.add_argument("--dry-run", action="store_true", help="只校验和比对,不写入")
        parser.add_argument("--json", action="store_true", help="以一个 JSON 对象输出结果(标准输出只有 JSON)")
        parser.add_argument("--accept-valid", action="store_true", help="导入有效行,其余行列为退回")
        parser.add_argument("--user", help="记入审计日志的操作账号(须有导入权限)")

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
        refused = None
        try:
            outcome = import_file(
                by=user,
                unit=unit,
                data=path.read_bytes(),
                file_name=path.name,
                mode=ImportMode.ACCEPT_VALID if options["accept_valid"] else ImportMode.ALL_OR_NOTHING,
                dry_run=options["dry_run"],
            )
        except ImportRefused as exc:
            outcome, refused = exc.outcome, exc.message
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self._report(outcome, as_json=options["json"], refused=refused, dry_run=options["dry_run"])
        if outcome.error_count and not (options["accept_valid"] and refused is None):
            sys.exit(1)

    def _unit(self, code: str | None) -> AdministrativeUnit:
        units = AdministrativeUnit.objects.filter(valid_to__isnull=True)
        if code:
            unit = units.filter(code=code).first()
            if unit is None or unit.level == UnitLevel.VILLAGE:
                raise CommandError(f"没有代码为 {code} 的县或乡镇(街道)。")
            return unit
        county = units.filter(level=UnitLevel.COUNTY).first()
        if county is None:
            raise CommandError("数据库中还没有县的区划,请先运行 setup_county。")
        return county

    def _report(self, outcome: IntakeOutcome, *, as_json: bool, refused: str | None, dry_run: bool) -> None:
        report = outcome.report()
        if as_json:
            self.stdout.write(json.dumps(report, ensure_ascii=False, default=str))
            return
        read = outcome.read
        self.stdout.write(f"工作表:{read.sheet_name or '—'}  表头行:{read.header_row or '—'}")
        self.stdout.write(
            f"新增 {report['new']}  变更 {report['changed']}  无变化 {report['unchanged']}  退回 {report['rejected']}"
        )
        for p in report["problems"]:
            where = f"{p['sheet'] or ''} 第{p['row']}行" if p["row"] else (p["sheet"] or "")
            column = f"[{p['column']}]" if p["column"] else ""
            level = "错误" if p["severity"] == "error" else "警告"
            self.stdout.write(f"  {level} {where}{column} {p['code']}: {p['message']}")
        for r in report["records"]:
            found = "、".join(f"#{c['member']}({c['score']})" for c in r["candidates"])
            member = f" 党员#{r['member']}" if r["member"] else ""
            self.stdout.write(
                f"  第{r['row']}行 {r['result']} {r['match']}{member}{(' 疑似 ' + found) if found else ''}"
            )
        if refused:
            self.stdout.write(self.style.ERROR(refused))
        elif dry_run:
            self.stdout.write("预览完成,未写入(--dry-run)。")
        elif outcome.batch is not None:
            self.stdout.write(self.style.SUCCESS(f"已导入,批次 #{outcome.batch.pk},登记待核实。"))
