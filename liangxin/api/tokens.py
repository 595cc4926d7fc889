"""API token secrets: made, shown once, kept only as a digest. Pure, no Django.

A token is ``lx_`` and 43 URL-safe characters (256 random bits). What the database keeps is its
SHA-256: a slow password hash protects guessable secrets, and this one cannot be guessed, so a
lookup by digest is enough and costs one index probe per request.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

TOKEN_PREFIX = "lx_"  # noqa: S105 (a marker, not a secret)
SHOWN_CHARACTERS = 8  # of the token, after the prefix: how the user tells tokens apart


@dataclass(frozen=True)
class NewSecret:
    token: str  # shown to the user once
    digest: str
    prefix: str


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_secret() -> NewSecret:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return NewSecret(token=token, digest=digest(token), prefix=token[: len(TOKEN_PREFIX) + SHOWN_CHARACTERS])


def bearer_token(header: str) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, or None."""
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value.startswith(TOKEN_PREFIX) or len(value) > 200:
        return None
    return value
