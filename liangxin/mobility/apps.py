from django.apps import AppConfig


class MobilityConfig(AppConfig):
    name = "liangxin.mobility"
    label = "mobility"
    verbose_name = "流动党员"
