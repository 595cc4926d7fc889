"""python manage.py reconcile FILE --source market|civil [--unit CODE] [--dry-run] [--json]"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from liangxin.geo.models import AdministrativeUnit, UnitLevel
from liangxin.reconcile.selectors import Outcome, run_reconciliation

_LISTS = (
    ("missing", "名单有、登记册没有(待摸排)"),
    ("deregistered", "名单已注销/吊销/迁出、登记册仍在册(建议注销)"),
    ("changed", "名称、类型或代码不同(建议更新,或待确认的相似匹配)"),
    ("unregistered", "登记册有、名单没有(待核实)"),
    ("duplicates", "登记册内疑似重复"),
)


class Command(BaseCommand):
    help = "把登记册与市场监管或民政部门导出的登记名单比对,列出漏报、已注销、有变化、未登记和重复的组织。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", required=True, choices=["market", "civil"], help="market 市场监管;civil 民政")
        parser.add_argument("--unit", help="乡镇(街道)9位代码或县6位代码;默认为全县")
        parser.add_argument(
            "--dry-run", action="store_true", help="只比对并列出结果(比对本身从不修改登记册;结果由各乡镇逐条确认)"
        )
        parser.add_argument("--json", action="store_true", help="以一个 JSON 对象输出结果(标准输出只有 JSON)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"找不到文件:{path}")
        outcome = run_reconciliation(
            unit=self._unit(options["unit"]), data=path.read_bytes(), file_name=path.name, source=options["source"]
        )
        if options["json"]:
            self.stdout.write(json.dumps(outcome.as_dict(), ensure_ascii=False))
        else:
            self._report(outcome)
        if outcome.has_errors:
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

    def _report(self, outcome: Outcome) -> None:
        data = outcome.as_dict()
        self.stdout.write(
            f"名单 {outcome.entries} 条:匹配 {data['matched']},不属两新组织 {data['out_of_scope']}"
            f"({outcome.result.out_of_scope_rule}),名单已注销且登记册没有 {data['already_closed']}"
        )
        for key, label in _LISTS:
            rows: list[dict[str, Any]] = data[key]  # type: ignore[assignment]
            self.stdout.write(f"{label}:{len(rows)}")
            for row in rows[:20]:
                extra = f" 相似度{row['score']}" if "score" in row and row["score"] != 100 else ""
                self.stdout.write(f"  {row.get('township') or '县里确定'} {row['uscc'] or '—'} {row['name']}{extra}")
            if len(rows) > 20:
                self.stdout.write(f"  ……另有 {len(rows) - 20} 条(用 --json 看全部)")
        for p in outcome.problems:
            where = f"第{p.row}行" if p.row else ""
            column = f"[{p.column}]" if p.column else ""
            level = "错误" if p.is_error else "警告"
            self.stdout.write(f"  {level} {p.file} {p.sheet or ''} {where}{column} {p.code}: {p.message}")
