"""Where uploaded files are kept, from the environment (read by ``settings.py``; no Django here).

Uploaded files (census originals, the files of queued import jobs) must be on storage that every
web server and every import worker reaches: a file uploaded through one server is read by a
worker on another host. Two kinds:

- a directory (``LIANGXIN_MEDIA_DIR``, by default ``VAR_DIR/media``): on one server its own disk;
  on several, a shared filesystem mounted at the same path everywhere (NFS, CephFS …);
- an S3-compatible object store (``LIANGXIN_S3_BUCKET`` set): MinIO, Ceph RGW or a cloud's object
  storage, through django-storages.

Two files uploaded under one name are both kept: the object store gets a free name as a directory
does (django-storages would overwrite by default). Files are never served by URL: every download
goes through a view that checks the user's scope, so the store needs no public access and its
addresses are never shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

S3_BACKEND = "storages.backends.s3.S3Storage"
FILESYSTEM_BACKEND = "django.core.files.storage.FileSystemStorage"


class StorageConfigError(ValueError):
    """A storage variable that cannot be used (the message names it)."""


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def default_storage(environ: Mapping[str, str]) -> dict[str, Any]:
    """The ``STORAGES["default"]`` entry the environment asks for (a directory: ``MEDIA_ROOT``)."""
    bucket = environ.get("LIANGXIN_S3_BUCKET", "").strip()
    if not bucket:
        return {"BACKEND": FILESYSTEM_BACKEND}
    options: dict[str, Any] = {
        "bucket_name": bucket,
        # Never overwrite: two townships' "摸底表.xlsx" of one month are two files.
        "file_overwrite": False,
        "default_acl": None,  # the bucket's own policy: private
        "querystring_auth": True,
        "location": environ.get("LIANGXIN_S3_PREFIX", "").strip().strip("/"),
        "addressing_style": environ.get("LIANGXIN_S3_ADDRESSING_STYLE", "path").strip() or "path",
        "signature_version": "s3v4",
    }
    if options["addressing_style"] not in {"path", "virtual", "auto"}:
        raise StorageConfigError("LIANGXIN_S3_ADDRESSING_STYLE must be path, virtual or auto")
    for variable, option in (
        ("LIANGXIN_S3_ENDPOINT_URL", "endpoint_url"),
        ("LIANGXIN_S3_REGION", "region_name"),
        ("LIANGXIN_S3_ACCESS_KEY_ID", "access_key"),
        ("LIANGXIN_S3_SECRET_ACCESS_KEY", "secret_key"),
    ):
        value = environ.get(variable, "").strip()
        if value:
            options[option] = value
    if ("access_key" in options) != ("secret_key" in options):
        raise StorageConfigError("set both LIANGXIN_S3_ACCESS_KEY_ID and LIANGXIN_S3_SECRET_ACCESS_KEY, or neither")
    verify = environ.get("LIANGXIN_S3_VERIFY", "").strip()
    if verify:
        # A path: the CA bundle of an internal store's certificate; 0: do not verify (never in
        # production over an untrusted network).
        options["verify"] = verify if "/" in verify else _flag(verify)
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}
