from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "liangxin.security"
    label = "security"
    verbose_name = "安全"

    def ready(self) -> None:
        from django.contrib.auth import signals

        from . import middleware

        # The session remembers, from the moment of login, the role it was opened with and the
        # login time; later requests write nothing to it (middleware.IdleSessionMiddleware).
        signals.user_logged_in.connect(middleware.stamp_session, dispatch_uid="liangxin.security_stamp_session")
