from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "liangxin.training"
    label = "training"
    verbose_name = "教育培训"
