"""python manage.py census_template OUT.xlsx [--unit CODE] [--as-of YYYY-MM-DD]"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from liangxin.census.template import unit_template
from liangxin.core.dates import today

from .export_organizations import unit_by_code


class Command(BaseCommand):
    help = (
        "生成摸底模板(XLSX):填表说明、带下拉选项的摸底表;指定 --unit 时预填该单位登记册中现有的组织"
        "(乡镇代码:该乡镇的组织;县代码:全部)。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path, help="输出文件(.xlsx)")
        parser.add_argument("--unit", help="乡镇(街道)9位代码或县6位代码;不填则生成空白模板")
        parser.add_argument("--as-of", help="填表说明中的数据日期 YYYY-MM-DD,默认今天")

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        if out.suffix.lower() != ".xlsx":
            raise CommandError("模板只能生成为 .xlsx 文件。")
        if not out.parent.is_dir():
            raise CommandError(f"目录不存在:{out.parent}")
        try:
            as_of = dt.date.fromisoformat(options["as_of"]) if options["as_of"] else today()
        except ValueError as exc:
            raise CommandError(f"数据日期格式不对:{options['as_of']}(应为 YYYY-MM-DD)") from exc
        unit = unit_by_code(options["unit"])
        out.write_bytes(unit_template(unit=unit, as_of=as_of))
        what = f"已预填{unit.name}的组织" if unit is not None else "空白模板"
        self.stdout.write(self.style.SUCCESS(f"已生成摸底模板({what}):{out}"))
