"""``python manage.py demo_logins --url URL``: where to go and whom to sign in as.

``make run`` prints this before starting the server. The list is the one the login page shows
in demo mode (``accounts.demo_accounts``).
"""

from __future__ import annotations

import unicodedata
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Role
from liangxin.core.demo_logins import DemoAccount
from liangxin.demo.accounts import DEMO_PASSWORD, demo_accounts

# Accounts shown per group; the rest are counted.
SHOWN_PER_GROUP = 3


def _width(text: str) -> int:
    """Columns on a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


class Command(BaseCommand):
    help = "显示系统地址和演示账号(仅在已加载演示数据时列出账号)。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="系统地址")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(_("系统地址:%(url)s") % {"url": options["url"]})
        accounts = demo_accounts()
        if not accounts:
            if User.objects.filter(role=Role.COUNTY_ADMIN, is_active=True).exists():
                self.stdout.write(_("数据库中没有演示数据。请使用县级管理员账号登录。"))
                return
            self.stdout.write(
                _("数据库中没有演示数据。首次使用请创建县级管理员:python manage.py create_county_admin --username 账号")
            )
            return
        self.stdout.write(_("演示账号(密码均为 %(password)s):") % {"password": DEMO_PASSWORD})
        groups: dict[str, list[DemoAccount]] = {}
        for account in accounts:
            groups.setdefault(account.group, []).append(account)
        shown = [a for group in groups.values() for a in (group if len(group) <= 5 else group[:SHOWN_PER_GROUP])]
        widths = [max(_width(a.username) for a in shown), max(_width(a.role_label) for a in shown)]
        header = [_("账号"), _("角色"), _("范围")]
        self.stdout.write("  " + _pad(header[0], widths[0]) + "  " + _pad(header[1], widths[1]) + "  " + header[2])
        for group in groups.values():
            visible = group if len(group) <= 5 else group[:SHOWN_PER_GROUP]
            for a in visible:
                self.stdout.write(
                    "  " + _pad(a.username, widths[0]) + "  " + _pad(a.role_label, widths[1]) + "  " + a.scope_label
                )
            if len(visible) < len(group):
                self.stdout.write(
                    "  "
                    + _("…… 共 %(n)s 个%(role)s账号(%(pattern)s)")
                    % {"n": len(group), "role": group[0].role_label, "pattern": _pattern(group[0])}
                )


def _pattern(account: DemoAccount) -> str:
    return {
        "township": "township_<乡镇代码>",
        "department": "dept_<部门代码>",
        "secretary": "secretary_<党组织编号>",
    }.get(account.group, account.username)
