from importlib import import_module

import pytest
from django.apps import apps


@pytest.fixture(autouse=True)
def speech_training_rules(db):
    """The rules the migration seeds (a transactional test run earlier by the same worker may
    have flushed them): seeded again by the migration's own function."""
    from liangxin.training.models import TrainingRuleVersion

    if not TrainingRuleVersion.objects.exists():
        import_module("liangxin.training.migrations.0002_seed_2009_training_rules").seed(apps, None)
