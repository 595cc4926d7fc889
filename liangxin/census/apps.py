from django.apps import AppConfig


class CensusConfig(AppConfig):
    name = "liangxin.census"
    label = "census"
    verbose_name = "集中摸底"
