"""The bootstrap commands: the first accounts of a fresh install, made from the server's command
line, where nobody is logged in to create them (``create_county_admin``, ``create_administrator``).

In the web interface an account is created without a role and gets one from the security
administrator (``accounts/roles.py``); these commands give the role at once, because on a fresh
install there is nobody to assign it. Whoever runs them already holds the server, its database and
its keys; each account they make is audited with no actor (the command line).
"""

from __future__ import annotations

import getpass
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.services import create_user
from liangxin.core.errors import ServiceError


class BootstrapAccountCommand(BaseCommand):
    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--username", required=True, help="账号")
        parser.add_argument("--password", help="密码;不填则在终端提示输入(不回显)")
        parser.add_argument("--full-name", default="", help="姓名")

    def create(self, role: str, options: dict[str, Any]) -> User:
        password = options["password"]
        if password is None:
            password = self._ask_password()
        try:
            return create_user(
                by=None,
                username=options["username"],
                password=password,
                role=role,
                full_name=options["full_name"].strip(),
            )
        except ServiceError as exc:
            raise CommandError(exc.message) from exc

    def _ask_password(self) -> str:
        try:
            first = getpass.getpass(_("密码:"))
            second = getpass.getpass(_("再次输入密码:"))
        except (EOFError, KeyboardInterrupt) as exc:
            raise CommandError(_("未输入密码,账号未创建。")) from exc
        if first != second:
            raise CommandError(_("两次输入的密码不一致,账号未创建。"))
        return first
