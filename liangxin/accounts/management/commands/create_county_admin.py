"""``python manage.py create_county_admin --username U [--password P] [--full-name N]``

The first business account of a real county: a county administrator. The other accounts are
created by the system administrator and given their roles by the security administrator (see
``create_administrator``).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from liangxin.accounts.management.bootstrap import BootstrapAccountCommand
from liangxin.accounts.roles import Role
from liangxin.geo.selectors import county_is_set_up


class Command(BootstrapAccountCommand):
    help = "创建第一个县级管理员账号(县两新党工委/组织部)。"

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.create(Role.COUNTY_ADMIN, options)
        self.stdout.write(self.style.SUCCESS(_("已创建县级管理员账号 %(name)s。") % {"name": user.username}))
        if not county_is_set_up():
            self.stdout.write(
                _(
                    "下一步:导入本县行政区划和行业主管部门:"
                    "python manage.py setup_county --divisions 文件 --departments 文件"
                )
            )
