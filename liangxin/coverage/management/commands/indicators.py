"""``python manage.py indicators [--as-of DATE] [--by GROUPING] [--json]``: the indicator table,
county-wide, for scripts and scheduled reports. The JSON names each group by its code too
(``coverage/payload.py``), as the API does."""

from __future__ import annotations

import datetime as dt
import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from liangxin.core.dates import today
from liangxin.coverage.choices import Grouping, IndicatorKind
from liangxin.coverage.payload import county_code, indicator_rows
from liangxin.coverage.selectors import county_indicator_table, indicators


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--as-of 须为 YYYY-MM-DD 格式的日期:{value}") from exc


def _pct(value: Any) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


class Command(BaseCommand):
    help = "打印覆盖指标表(全县范围);--json 输出每个分组一个对象。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--as-of", dest="as_of", help="截至日期 YYYY-MM-DD(默认今天)")
        parser.add_argument("--by", default=Grouping.COUNTY, choices=Grouping.values, help="分组方式")
        parser.add_argument("--json", action="store_true", help="输出 JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = _date(options["as_of"]) if options["as_of"] else today()
        by = options["by"]
        definitions = indicators()
        groups = county_indicator_table(as_of=as_of, by=by)
        if options["json"]:
            payload = indicator_rows(groups, as_of=as_of, by=by, total_code=county_code())
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"覆盖指标表 · 截至 {as_of.isoformat()} · {Grouping(by).label}")
        for g in groups:
            self.stdout.write("")
            self.stdout.write(f"[{g.label}]")
            for d in definitions:
                v = g.values[d.code]
                if d.kind == IndicatorKind.SHARE:
                    line = f"  {d.name}: {_pct(v.value)} ({v.numerator}/{v.denominator})"
                    if v.target is not None:
                        line += f" 目标 {_pct(v.target)} 差 {v.gap}"
                else:
                    line = f"  {d.name}: {v.numerator}"
                self.stdout.write(line)
