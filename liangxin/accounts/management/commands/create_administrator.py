"""``python manage.py create_administrator --role sys_admin|sec_admin|audit_admin --username U``

The first system, security and audit administrators of a fresh install (三员): from then on the
system administrator creates accounts and the security administrator assigns their roles.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.utils.translation import gettext as _

from liangxin.accounts.management.bootstrap import BootstrapAccountCommand
from liangxin.accounts.roles import ADMIN_ROLES, Role


class Command(BootstrapAccountCommand):
    help = "创建系统管理员、安全管理员或审计管理员账号(三员)。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--role", required=True, choices=sorted(ADMIN_ROLES), help="角色")
        super().add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        role = Role(options["role"])
        user = self.create(role, options)
        self.stdout.write(
            self.style.SUCCESS(_("已创建%(role)s账号 %(name)s。") % {"role": role.label, "name": user.username})
        )
