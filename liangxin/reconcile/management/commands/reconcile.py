"""python manage.py reconcile FILE --source market|civil [--unit CODE] [--dry-run | --user NAME] [--json]"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from liangxin.accounts.models import User
from liangxin.core.errors import ServiceError
from liangxin.geo.models import AdministrativeUnit
from liangxin.geo.selectors import county_or_township
from liangxin.reconcile.engine import Reconciliation
from liangxin.reconcile.models import BatchStatus
from liangxin.reconcile.selectors import Outcome, run_reconciliation, run_result
from liangxin.reconcile.services import ListRefused, compare_now

_LISTS = (
    ("missing", "名单有、登记册没有(待摸排)"),
    ("deregistered", "名单已注销/吊销/迁出、登记册仍在册(建议注销)"),
    ("changed", "名称、类型或代码不同(建议更新,或待确认的相似匹配)"),
    ("unregistered", "登记册有、名单没有(待核实)"),
    ("duplicates", "登记册内疑似重复"),
)


class Command(BaseCommand):
    help = (
        "把登记册与市场监管或民政部门导出的登记名单比对,列出漏报、已注销、有变化、未登记和重复的组织。"
        "比对结果保存为一个比对批次(以 --user 指定的经办人名义),由各乡镇在“登记比对”中逐条确认;"
        "加 --dry-run 只列出结果、什么也不保存。比对本身从不修改登记册。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", required=True, choices=["market", "civil"], help="market 市场监管;civil 民政")
        parser.add_argument("--unit", help="乡镇(街道)9位代码或县6位代码;默认为全县")
        parser.add_argument("--dry-run", action="store_true", help="只比对并列出结果,不保存比对批次")
        parser.add_argument("--user", help="经办人的用户名(县级管理员,或该乡镇的乡镇管理员):比对批次以其名义保存、审计")
        parser.add_argument("--json", action="store_true", help="以一个 JSON 对象输出结果(标准输出只有 JSON)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"找不到文件:{path}")
        unit = self._unit(options["unit"])
        if options["dry_run"]:
            outcome = run_reconciliation(
                unit=unit, data=path.read_bytes(), file_name=path.name, source=options["source"]
            )
            data, failed = outcome.as_dict(), outcome.has_errors
        else:
            data, failed = self._kept(options["user"], unit, path, options["source"])
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
        else:
            self._report(data)
        if failed:
            sys.exit(1)

    def _kept(
        self, username: str | None, unit: AdministrativeUnit, path: Path, source: str
    ) -> tuple[dict[str, Any], bool]:
        if not username:
            raise CommandError("比对结果要保存为比对批次,请用 --user 指定经办人;只看结果请加 --dry-run。")
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"没有名为 {username} 的在用账号。")
        try:
            batch = compare_now(by=user, unit=unit, source=source, data=path.read_bytes(), file_name=path.name)
        except ListRefused as exc:
            return Outcome(result=Reconciliation(), problems=exc.problems, entries=0).as_dict(), True
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        return run_result(batch), batch.status == BatchStatus.FAILED

    def _unit(self, code: str | None) -> AdministrativeUnit:
        try:
            return county_or_township(code)
        except LookupError as exc:
            raise CommandError(str(exc)) from exc

    def _report(self, data: dict[str, Any]) -> None:
        if data["entries"]:
            batch = f"比对批次 #{data['batch']} 已保存,请在“登记比对”中逐条确认。" if "batch" in data else ""
            self.stdout.write(
                f"{batch}名单 {data['entries']} 条:匹配 {data['matched']},不属两新组织 {data['out_of_scope']}"
                f"({data['out_of_scope_rule']}),名单已注销且登记册没有 {data['already_closed']}"
            )
            for key, label in _LISTS:
                rows: list[dict[str, Any]] = data[key]
                self.stdout.write(f"{label}:{len(rows)}")
                for row in rows[:20]:
                    extra = f" 相似度{row['score']}" if "score" in row and row["score"] != 100 else ""
                    self.stdout.write(
                        f"  {row.get('township') or '县里确定'} {row['uscc'] or '—'} {row['name']}{extra}"
                    )
                if len(rows) > 20:
                    self.stdout.write(f"  ……另有 {len(rows) - 20} 条(用 --json 看全部)")
        for p in data["problems"]:
            where = f"第{p['row']}行" if p["row"] else ""
            column = f"[{p['column']}]" if p["column"] else ""
            level = "错误" if p["severity"] == "error" else "警告"
            self.stdout.write(f"  {level} {p['file']} {p['sheet'] or ''} {where}{column} {p['code']}: {p['message']}")
