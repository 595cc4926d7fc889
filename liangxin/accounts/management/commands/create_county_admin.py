"""``python manage.py create_county_admin --username U [--password P] [--full-name N]``

The first account of a real county: a county administrator, who then creates the township,
department and secretary accounts in the web interface.
"""

from __future__ import annotations

import getpass
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from liangxin.accounts.roles import Role
from liangxin.accounts.services import create_user
from liangxin.core.errors import ServiceError
from liangxin.geo.selectors import county_is_set_up


class Command(BaseCommand):
    help = "创建第一个县级管理员账号(县两新党工委/组织部)。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--username", required=True, help="账号")
        parser.add_argument("--password", help="密码;不填则在终端提示输入(不回显)")
        parser.add_argument("--full-name", default="", help="姓名")

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"]
        if password is None:
            password = self._ask_password()
        try:
            user = create_user(
                by=None,
                username=options["username"],
                password=password,
                role=Role.COUNTY_ADMIN,
                full_name=options["full_name"].strip(),
            )
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(_("已创建县级管理员账号 %(name)s。") % {"name": user.username}))
        if not county_is_set_up():
            self.stdout.write(
                _(
                    "下一步:导入本县行政区划和行业主管部门:"
                    "python manage.py setup_county --divisions 文件 --departments 文件"
                )
            )

    def _ask_password(self) -> str:
        try:
            first = getpass.getpass(_("密码:"))
            second = getpass.getpass(_("再次输入密码:"))
        except (EOFError, KeyboardInterrupt) as exc:
            raise CommandError(_("未输入密码,账号未创建。")) from exc
        if first != second:
            raise CommandError(_("两次输入的密码不一致,账号未创建。"))
        return first
