from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "liangxin.core"
    label = "core"
    verbose_name = "公共"

    def ready(self) -> None:
        from django.core.signals import got_request_exception

        from . import busy, lookups

        lookups.register()
        got_request_exception.connect(busy.note_exception, dispatch_uid="liangxin.core.busy")
