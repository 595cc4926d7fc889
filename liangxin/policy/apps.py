from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "liangxin.policy"
    label = "policy"
    verbose_name = "政策规则"
