"""``python manage.py demo_totp``: give the demo's two-factor accounts their authenticator
secrets (idempotent) and print them. ``make run`` runs it after ``load_demo``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from liangxin.demo.accounts import create_demo_totp_devices


class Command(BaseCommand):
    help = "为演示账号中须两步验证的账号设置验证器密钥并显示(仅在已加载演示数据时)。"

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = create_demo_totp_devices()
        if not accounts:
            self.stdout.write(_("数据库中没有演示数据,没有演示用的两步验证密钥。"))
            return
        self.stdout.write(_("以下演示账号登录时还需两步验证码:在手机验证器中添加密钥(或扫描演示登录页上的二维码)。"))
        width = max(len(a.username) for a in accounts)
        for account in accounts:
            self.stdout.write(f"  {account.username.ljust(width)}  {account.secret}  ({account.role_label})")
