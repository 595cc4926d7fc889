"""An S3-compatible object store in memory (moto), configured as the upload storage the way
``LIANGXIN_S3_*`` variables configure it in production."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from liangxin.core.storage_config import default_storage

BUCKET = "liangxin-uploads"
ENV = {
    "LIANGXIN_S3_BUCKET": BUCKET,
    "LIANGXIN_S3_REGION": "us-east-1",
    "LIANGXIN_S3_ACCESS_KEY_ID": "testing",
    "LIANGXIN_S3_SECRET_ACCESS_KEY": "testing",
    "LIANGXIN_S3_PREFIX": "county",
}


@contextlib.contextmanager
def in_memory_object_store(settings: Any, tmp_path: Path) -> Iterator[Any]:
    """Uploads go to an in-memory S3 bucket; MEDIA_ROOT points at a directory that must stay
    absent. Yields a boto3 client of the bucket."""
    with mock_aws():
        client = boto3.client("s3", region_name=ENV["LIANGXIN_S3_REGION"])
        client.create_bucket(Bucket=BUCKET)
        settings.MEDIA_ROOT = tmp_path / "media-unused"
        settings.STORAGES = {**settings.STORAGES, "default": default_storage(ENV)}
        yield client


def keys(client: Any) -> list[str]:
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))
