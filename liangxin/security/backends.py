"""The lockout check before authentication (django-axes)."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check, first in ``AUTHENTICATION_BACKENDS``: refuses a locked-out account name
    or address. Every login over HTTP passes its request (the login form, the code step); a call
    without one (``manage.py shell``, the test client's ``login()``) has no address to count and
    is not an attack from outside, so it is left to the next backend instead of raising, as
    django-axes' own backend would."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        super().authenticate(request, username=username, password=password, **kwargs)
        return None
