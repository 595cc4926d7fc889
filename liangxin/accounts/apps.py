from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "liangxin.accounts"
    label = "accounts"
    verbose_name = "用户与权限"

    def ready(self) -> None:
        from django.contrib.auth import signals

        from . import receivers

        signals.user_logged_in.connect(receivers.on_logged_in, dispatch_uid="liangxin.audit_login")
        signals.user_logged_out.connect(receivers.on_logged_out, dispatch_uid="liangxin.audit_logout")
        signals.user_login_failed.connect(receivers.on_login_failed, dispatch_uid="liangxin.audit_login_failed")
