"""``python manage.py rotate_field_key``: re-encrypt the ID numbers from the old field key
(``LIANGXIN_FIELD_KEY_OLD``) to the new one (``LIANGXIN_FIELD_KEY``), in one transaction
(``security.keys``). Stop the web server and the import worker first (deploy/README.md)."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from liangxin.core.errors import ServiceError
from liangxin.security import keys


class Command(BaseCommand):
    help = "轮换字段加密密钥:用 LIANGXIN_FIELD_KEY_OLD 解密、用 LIANGXIN_FIELD_KEY 重新加密全部身份证号。"

    def handle(self, *args: Any, **options: Any) -> None:
        old_key = os.environ.get("LIANGXIN_FIELD_KEY_OLD", "")
        if old_key and keys.unpinned_keys():
            pinned = keys.pinned_keys(old_key)
            lines = "\n".join(f"{name}={pinned[name]}" for name in keys.unpinned_keys())
            raise CommandError(
                _(
                    "审计密钥和备份密钥目前由字段密钥派生,轮换会使审计链无法验证、旧备份无法解密。请先把下面几行加入环境文件(保持它们不变),再运行本命令:\n%(lines)s"
                )
                % {"lines": lines}
            )
        try:
            counts = keys.rotate_field_key(old_key=old_key)
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count}")
        self.stdout.write(
            self.style.SUCCESS(_("字段密钥已轮换。请从环境文件删除 LIANGXIN_FIELD_KEY_OLD,启动服务,并立即做一次备份。"))
        )
