"""The collector setting of bulk work: objects older than the block are frozen inside it, and
everything is as it was afterwards."""

import gc

from liangxin.core.collector import long_lived_objects_frozen


def test_long_lived_objects_are_frozen_inside_and_everything_restored_after():
    thresholds = gc.get_threshold()
    before = gc.get_freeze_count()
    with long_lived_objects_frozen():
        assert gc.get_freeze_count() > before
        assert gc.get_threshold()[0] >= 500_000 and gc.isenabled()
    assert gc.get_threshold() == thresholds
    assert gc.get_freeze_count() == before
