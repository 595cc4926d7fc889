"""Field-level encryption for personal identifiers (PIPL "sensitive" data).

AES-256-GCM with a random 96-bit nonce per value; the stored token is ``v1:`` + base64 of
nonce || ciphertext || tag. A separate HMAC-SHA256 key (derived with HKDF from the same
master key, so one secret is configured) gives a deterministic keyed hash for exact lookup
without decrypting every row.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_VERSION = "v1:"


@lru_cache(maxsize=4)
def _derive(master_b64: str) -> tuple[bytes, bytes]:
    try:
        master = base64.b64decode(master_b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured("LIANGXIN_FIELD_KEY must be base64 (32 random bytes).") from exc
    if len(master) != 32:
        raise ImproperlyConfigured("LIANGXIN_FIELD_KEY must decode to exactly 32 bytes.")
    okm = HKDF(algorithm=hashes.SHA256(), length=64, salt=None, info=b"liangxin-fields").derive(master)
    return okm[:32], okm[32:]


def _keys() -> tuple[bytes, bytes]:
    return _derive(settings.FIELD_ENCRYPTION_KEY)


def encrypt(plaintext: str) -> str:
    enc_key, _ = _keys()
    nonce = os.urandom(12)
    sealed = AESGCM(enc_key).encrypt(nonce, plaintext.encode("utf-8"), None)
    return _VERSION + base64.b64encode(nonce + sealed).decode("ascii")


def decrypt(token: str) -> str:
    if not token.startswith(_VERSION):
        raise ValueError("unknown ciphertext version")
    enc_key, _ = _keys()
    raw = base64.b64decode(token[len(_VERSION) :])
    return AESGCM(enc_key).decrypt(raw[:12], raw[12:], None).decode("utf-8")


def keyed_hash(value: str) -> str:
    _, mac_key = _keys()
    return hmac.new(mac_key, value.encode("utf-8"), hashlib.sha256).hexdigest()


@lru_cache(maxsize=8)
def _derived_from_field_key(field_key_b64: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(base64.b64decode(field_key_b64))


def configured_or_derived_key(*, configured: str, variable: str, info: bytes) -> bytes:
    """A 32-byte key: ``configured`` (base64, the environment variable ``variable``), or when
    that is empty one derived with HKDF from ``LIANGXIN_FIELD_KEY`` under ``info`` — so a
    deployment needs one secret to start, and may give each use its own later."""
    if not configured:
        return _derived_from_field_key(settings.FIELD_ENCRYPTION_KEY, info)
    try:
        key = base64.b64decode(configured, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(f"{variable} must be base64 (32 random bytes).") from exc
    if len(key) != 32:
        raise ImproperlyConfigured(f"{variable} must decode to exactly 32 bytes.")
    return key
