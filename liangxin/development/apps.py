from django.apps import AppConfig


class DevelopmentConfig(AppConfig):
    name = "liangxin.development"
    verbose_name = "发展党员"
