from django.apps import AppConfig


class LiaisonConfig(AppConfig):
    name = "liangxin.liaison"
    label = "liaison"
    verbose_name = "联系点与示范点"
