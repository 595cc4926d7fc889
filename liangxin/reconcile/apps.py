from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReconcileConfig(AppConfig):
    name = "liangxin.reconcile"
    verbose_name = _("登记名单比对")
