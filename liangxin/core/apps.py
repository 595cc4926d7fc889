from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "liangxin.core"
    label = "core"
    verbose_name = "公共"

    def ready(self) -> None:
        from . import lookups

        lookups.register()
