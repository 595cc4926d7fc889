"""python manage.py export_organizations OUT.csv|OUT.xlsx [--unit CODE]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from liangxin.census.template import organizations_of_unit, write_export
from liangxin.geo.models import AdministrativeUnit, UnitLevel


def unit_by_code(code: str | None) -> AdministrativeUnit | None:
    """The current county or township of that code; None without a code. Shared by the census
    commands that take ``--unit``."""
    if not code:
        return None
    unit = AdministrativeUnit.objects.filter(valid_to__isnull=True, code=code).first()
    if unit is None or unit.level not in (UnitLevel.COUNTY, UnitLevel.TOWNSHIP):
        raise CommandError(f"没有代码为 {code} 的县或乡镇(街道)。")
    return unit


class Command(BaseCommand):
    help = "按摸底模板的列导出登记册中的两新组织(CSV 为带 BOM 的 UTF-8,或 XLSX),导出的文件可原样再导入。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path, help="输出文件,扩展名 .csv 或 .xlsx")
        parser.add_argument("--unit", help="乡镇(街道)9位代码:只导出该乡镇的组织;县6位代码或不填:全部")

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        if out.suffix.lower() not in (".csv", ".xlsx"):
            raise CommandError("输出文件的扩展名应为 .csv 或 .xlsx。")
        if not out.parent.is_dir():
            raise CommandError(f"目录不存在:{out.parent}")
        unit = unit_by_code(options["unit"])
        count = write_export(out, organizations_of_unit(unit))
        self.stdout.write(self.style.SUCCESS(f"已导出 {count} 个组织到 {out}。"))
