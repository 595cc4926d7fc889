"""The collector settings: objects older than a bulk block are frozen inside it, and everything is
as it was afterwards; a worker's startup objects stay frozen through a bulk block."""

import gc
import os
import subprocess
import sys
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


def test_a_worker_freezes_the_views_it_will_run():
    """In a fresh process, as gunicorn's worker: after ``freeze_startup_objects`` the view modules
    are loaded and their objects frozen, not left for every full collection to walk."""
    script = (
        "import gc, django; django.setup()\n"
        "from liangxin.core.collector import freeze_startup_objects\n"
        "freeze_startup_objects()\n"
        "import sys; assert 'liangxin.funding.views' in sys.modules\n"
        "from liangxin.funding import views\n"
        "oldest = gc.get_objects(generation=2)\n"
        "assert not any(o is views.index for o in oldest) and not any(o is views.__dict__ for o in oldest)\n"
        "print(len(oldest))\n"
    )
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "liangxin.settings", "LIANGXIN_DEBUG": "1"}
    done = subprocess.run(  # noqa: S603 (our own interpreter and a constant program)
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
