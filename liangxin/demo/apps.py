from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo county: builds on every other app, and nothing imports it."""

    name = "liangxin.demo"
    label = "demo"
    verbose_name = "演示数据"

    def ready(self) -> None:
        from liangxin.core import demo_logins

        from .accounts import Provider

        demo_logins.register(Provider())
