"""The collector settings: objects older than a bulk block are frozen inside it, and everything is
as it was afterwards; a worker's startup objects stay frozen through a bulk block."""

import gc
from collections.abc import Iterator

import pytest

from liangxin.core.collector import freeze_startup_objects, long_lived_objects_frozen


@pytest.fixture
def thawed() -> Iterator[None]:
    """No frozen objects before the test, none after it (the test process freezes nothing else)."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_long_lived_objects_are_frozen_inside_and_everything_restored_after(thawed):
    thresholds = gc.get_threshold()
    with long_lived_objects_frozen():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] >= 500_000 and gc.isenabled()
    assert gc.get_threshold() == thresholds
    assert gc.get_freeze_count() == 0


def test_startup_objects_are_frozen_with_the_pinyin_dictionary_and_stay_frozen_after_bulk_work(thawed):
    from pypinyin import phrases_dict

    freeze_startup_objects()
    frozen = gc.get_freeze_count()
    assert frozen > len(phrases_dict.phrases_dict)  # its lists are among them
    assert not gc.is_tracked(phrases_dict.phrases_dict) or phrases_dict.phrases_dict not in gc.get_objects(2)
    with long_lived_objects_frozen():
        pass
    assert gc.get_freeze_count() >= frozen
