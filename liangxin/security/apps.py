from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "liangxin.security"
    label = "security"
    verbose_name = "安全"

    def ready(self) -> None:
        from django.contrib.auth import signals

        from . import middleware

        # The session remembers, from the moment of login, the role it was opened with and when
        # it was last used (so the first page after login writes nothing more to the session).
        signals.user_logged_in.connect(middleware.stamp_session, dispatch_uid="liangxin.security_stamp_session")
