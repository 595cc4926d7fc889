from django.apps import AppConfig


class CoverageConfig(AppConfig):
    name = "liangxin.coverage"
    label = "coverage"
    verbose_name = "覆盖率与目标"
