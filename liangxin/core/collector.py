"""Garbage-collector settings for long bulk work (a census import of a million rows).

CPython's cyclic collector runs every few hundred allocations and, now and then, walks every live
object. A large import keeps millions of long-lived objects (the reference data, the register's
keys, Django's own state) and allocates tuples and dicts by the million, none of them in cycles:
the full collections walk the same objects over and over. Inside :func:`long_lived_objects_frozen`,
what exists at the start is moved out of the collector's sight (``gc.freeze``) and the youngest
generation is collected less often; cycles are still collected. Without it a 100,000-row import
took 6% more CPU time (ARCHITECTURE.md, "Derived layers and tunings").
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_BULK_THRESHOLD0 = 500_000  # default 700


@contextmanager
def long_lived_objects_frozen() -> Iterator[None]:
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(thresholds[0], _BULK_THRESHOLD0), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
