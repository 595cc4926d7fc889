from django.apps import AppConfig


class TalentConfig(AppConfig):
    name = "liangxin.talent"
    label = "talent"
    verbose_name = "党务工作人才库"
