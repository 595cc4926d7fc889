"""``python manage.py setup_county --divisions FILE [--departments FILE]``

Sets up a real county, which starts empty: checks both tables completely, lists every problem
with its file and row, and writes everything or nothing.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from liangxin.geo.loaders import DepartmentEntry, Problem, load_departments, load_divisions
from liangxin.geo.services import CountySetupError, setup_county


class Command(BaseCommand):
    help = "导入本县的行政区划(代码,名称,上级代码)和行业主管部门(代码,名称),CSV 或 XLSX。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--divisions", required=True, type=Path, help="行政区划表:县6位、乡镇(街道)9位、村(社区)12位代码"
        )
        parser.add_argument("--departments", type=Path, help="行业主管部门表:代码,名称")

    def handle(self, *args: Any, **options: Any) -> None:
        # call_command() hands optional arguments over unparsed, so the type is applied here.
        divisions, problems = load_divisions(Path(options["divisions"]))
        departments: list[DepartmentEntry] = []
        if options["departments"] is not None:
            departments, department_problems = load_departments(Path(options["departments"]))
            problems = [*problems, *department_problems]
        if problems:
            self._fail(problems)
        try:
            result = setup_county(by=None, divisions=divisions, departments=departments)
        except CountySetupError as exc:
            self._fail(exc.problems)

        if not result.changed:
            self.stdout.write(_("数据库已与文件一致,没有任何改动。"))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "%(county)s:行政区划新增 %(uc)s 个、更名 %(ur)s 个、未变 %(uu)s 个;"
                        "行业主管部门新增 %(dc)s 个、更名 %(dr)s 个、未变 %(du)s 个。"
                    )
                    % {
                        "county": result.county.name,
                        "uc": result.units_created,
                        "ur": result.units_renamed,
                        "uu": result.units_unchanged,
                        "dc": result.departments_created,
                        "dr": result.departments_renamed,
                        "du": result.departments_unchanged,
                    }
                )
            )
        if result.units_not_in_file:
            self.stdout.write(
                _("注意:数据库中另有 %(n)s 个区划不在本次文件中,未作改动。") % {"n": result.units_not_in_file}
            )

    def _fail(self, problems: list[Problem] | list[str]) -> NoReturn:
        for problem in problems:
            self.stderr.write(str(problem))
        raise CommandError(_("发现 %(n)s 个问题,未写入任何数据。请修改文件后重新运行。") % {"n": len(problems)})
