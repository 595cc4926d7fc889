from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "liangxin.audit"
    label = "audit"
    verbose_name = "审计"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the trigger check)
