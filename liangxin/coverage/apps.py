from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.db import connections
from django.db.models.signals import post_migrate


def _sync_state_triggers(using: str, **kwargs: Any) -> None:
    """After every ``migrate``: the stale-marking triggers as ``triggers.py`` defines them, whatever
    the migrations did to the tables (schema upkeep, as Django creates permissions here)."""
    from . import checks as coverage_checks
    from . import triggers

    connection = connections[using]
    if connection.vendor in triggers.SUPPORTED and coverage_checks.installed(connection, complete=False):
        triggers.sync(connection)


class CoverageConfig(AppConfig):
    name = "liangxin.coverage"
    label = "coverage"
    verbose_name = "覆盖率与目标"

    def ready(self) -> None:
        from .checks import check_state_triggers

        checks.register(check_state_triggers)
        post_migrate.connect(_sync_state_triggers, sender=self, dispatch_uid="coverage_state_triggers")
