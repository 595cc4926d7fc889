from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "liangxin.standards"
    label = "standards"
    verbose_name = "规范化建设与“五个好”评定"
