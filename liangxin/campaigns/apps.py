from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "liangxin.campaigns"
    label = "campaigns"
    verbose_name = "集中摸底"
