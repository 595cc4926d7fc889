"""Garbage-collector settings: a web worker's startup objects, and long bulk work (a census import
of a million rows).

CPython's cyclic collector runs every few hundred allocations and, now and then (a full
collection), walks every live object. Objects that live as long as the process — Django's own
state, the modules, and above all pypinyin's phrase dictionary (some 200,000 lists) — are walked
again at every full collection, for nothing: on the demo county a full collection took 70 ms, and
one came every few requests of the formation register, its p95 54 → 125 ms CPU (ARCHITECTURE.md,
"Derived layers and tunings"). :func:`freeze_startup_objects` moves them out of the collector's
sight once a worker has started (gunicorn's ``post_worker_init``). Inside
:func:`long_lived_objects_frozen`, what exists at the start of a bulk job is frozen the same way and
the youngest generation is collected less often; cycles are still collected. Without it a
100,000-row import took 6% more CPU time.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_BULK_THRESHOLD0 = 500_000  # default 700


def freeze_startup_objects() -> None:
    """Load the reference data and the code every request may need, then freeze every object alive
    now: what a process holds from its start is never garbage, and a full collection no longer
    walks it. The URL conf imports every view module and what they import; left to the first
    requests, those modules (some 50,000 objects) stayed in the collector's oldest generation and
    made each full collection 23-31 ms instead of 3 ms."""
    from django.urls import get_resolver

    from liangxin.core import text  # noqa: F401 (its import loads pypinyin's dictionaries)

    get_resolver().url_patterns  # noqa: B018 (imports the views)
    gc.collect()  # what startup left as garbage is freed, not frozen
    gc.freeze()


@contextmanager
def long_lived_objects_frozen() -> Iterator[None]:
    thresholds = gc.get_threshold()
    frozen_before = gc.get_freeze_count()
    gc.freeze()
    gc.set_threshold(max(thresholds[0], _BULK_THRESHOLD0), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if not frozen_before:
            # ``gc.unfreeze`` thaws everything: in a process whose startup objects are frozen
            # (``freeze_startup_objects``) the block's stay frozen with them.
            gc.unfreeze()
