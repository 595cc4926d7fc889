from django.apps import AppConfig


class FormationConfig(AppConfig):
    name = "liangxin.formation"
    label = "formation"
    verbose_name = "未建党组织台账"
