from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "liangxin.registry"
    label = "registry"
    verbose_name = "组织与党员"
