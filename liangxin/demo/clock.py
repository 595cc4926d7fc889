"""The demo writes its history on the days it happened: while it loads, Django's clock
(``django.utils.timezone.now``, which ``core.dates.today``, ``auto_now`` fields and the audit
read) says the day of the event being written. So a submission reported in January is dated in
January and counts as on time, a party organization is formed on its founding day, and the audit
trail reads in the order things happened. Outside ``load_demo`` nothing is patched."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.utils import timezone


class Clock:
    def __init__(self) -> None:
        self._moment: dt.datetime | None = None
        self._ticks = 0
        self._real = timezone.now

    def set(self, day: dt.date, hour: int = 9) -> None:
        # In UTC, as Django's own clock answers (the audit hashes the time as written).
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour))).astimezone(dt.UTC)
        if self._moment is None or moment > self._moment:
            self._moment, self._ticks = moment, 0

    def now(self) -> dt.datetime:
        if self._moment is None:
            return self._real()
        # A little later at every call, so that the records of one day keep their order.
        self._ticks += 1
        return self._moment + dt.timedelta(milliseconds=10 * self._ticks)


@contextmanager
def historical_clock() -> Iterator[Clock]:
    clock = Clock()
    with mock.patch.object(timezone, "now", clock.now):
        yield clock
