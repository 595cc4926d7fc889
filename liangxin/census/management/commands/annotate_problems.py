"""python manage.py annotate_problems FILE OUT.xlsx [--unit CODE] [--as-of YYYY-MM-DD] [--rejected REJ.xlsx]"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from liangxin.census import services
from liangxin.census.annotate import annotate, rejected_rows
from liangxin.core.dates import today
from liangxin.geo.models import AdministrativeUnit, UnitLevel

from .export_organizations import unit_by_code


class Command(BaseCommand):
    help = (
        "校验摸底表(不写入登记册),把文件另存为 XLSX:有问题的单元格标红(错误)或标黄(警告)并加批注,"
        "不属于某个单元格的问题列在“问题清单”工作表中。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("out", type=Path, help="输出文件(.xlsx)")
        parser.add_argument("--unit", help="乡镇(街道)9位代码或县6位代码;默认为全县")
        parser.add_argument("--as-of", help="数据日期 YYYY-MM-DD,默认今天(与登记册比对时使用)")
        parser.add_argument("--rejected", type=Path, help="另外输出有错误的行(退回清单,.xlsx)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        out: Path = options["out"]
        if not path.is_file():
            raise CommandError(f"找不到文件:{path}")
        for target in (out, options["rejected"]):
            if target is not None and target.suffix.lower() != ".xlsx":
                raise CommandError(f"输出文件应为 .xlsx:{target}")
        try:
            as_of = dt.date.fromisoformat(options["as_of"]) if options["as_of"] else today()
        except ValueError as exc:
            raise CommandError(f"数据日期格式不对:{options['as_of']}(应为 YYYY-MM-DD)") from exc
        unit = unit_by_code(options["unit"]) or self._county()
        data = path.read_bytes()
        # The reader's problems and those found against the register (a row matching another
        # township's organization, two rows for one organization …), as an import reports them.
        problems = services.check_file(unit=unit, data=data, file_name=path.name, as_of=as_of)
        out.write_bytes(annotate(data, path.name, problems))
        errors = sum(1 for p in problems if p.is_error)
        self.stdout.write(f"错误 {errors} 个,警告 {len(problems) - errors} 个。已写入 {out}")
        if options["rejected"] is not None:
            options["rejected"].write_bytes(rejected_rows(data, path.name, problems))
            self.stdout.write(f"有错误的行已写入 {options['rejected']}")

    def _county(self) -> AdministrativeUnit:
        county = AdministrativeUnit.objects.filter(valid_to__isnull=True, level=UnitLevel.COUNTY).first()
        if county is None:
            raise CommandError("数据库中还没有县的区划,请先运行 setup_county。")
        return county
