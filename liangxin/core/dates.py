import datetime as dt

from django.utils import timezone


def today() -> dt.date:
    """The business date in the county's time zone (Asia/Shanghai)."""
    return timezone.localdate()
