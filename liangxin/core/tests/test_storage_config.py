"""Where uploads are kept, from the environment: a directory by default (LIANGXIN_MEDIA_DIR, a
shared one on several servers), an S3-compatible store when a bucket is named."""

from __future__ import annotations

import pytest

from liangxin.core.storage_config import FILESYSTEM_BACKEND, S3_BACKEND, StorageConfigError, default_storage


def test_a_directory_unless_a_bucket_is_named():
    assert default_storage({}) == {"BACKEND": FILESYSTEM_BACKEND}
    assert default_storage({"LIANGXIN_S3_BUCKET": "  "}) == {"BACKEND": FILESYSTEM_BACKEND}


def test_an_s3_compatible_store_from_the_variables():
    config = default_storage(
        {
            "LIANGXIN_S3_BUCKET": "dangjian",
            "LIANGXIN_S3_ENDPOINT_URL": "https://oss.internal.example:9000",
            "LIANGXIN_S3_REGION": "cn-yunnan-1",
            "LIANGXIN_S3_ACCESS_KEY_ID": "AK",
            "LIANGXIN_S3_SECRET_ACCESS_KEY": "SK",
            "LIANGXIN_S3_PREFIX": "/luoping/",
            "LIANGXIN_S3_VERIFY": "/etc/liangxin/oss-ca.pem",
        }
    )
    assert config["BACKEND"] == S3_BACKEND
    options = config["OPTIONS"]
    assert options["bucket_name"] == "dangjian" and options["endpoint_url"] == "https://oss.internal.example:9000"
    assert (options["access_key"], options["secret_key"], options["region_name"]) == ("AK", "SK", "cn-yunnan-1")
    assert options["location"] == "luoping" and options["verify"] == "/etc/liangxin/oss-ca.pem"
    assert options["file_overwrite"] is False and options["default_acl"] is None
    assert options["addressing_style"] == "path"
    assert default_storage({"LIANGXIN_S3_BUCKET": "b", "LIANGXIN_S3_VERIFY": "0"})["OPTIONS"]["verify"] is False
    # Without keys: boto3's own chain (instance role, ~/.aws).
    assert "access_key" not in default_storage({"LIANGXIN_S3_BUCKET": "b"})["OPTIONS"]


def test_half_a_key_pair_or_a_wrong_style_is_refused():
    with pytest.raises(StorageConfigError, match="LIANGXIN_S3_SECRET_ACCESS_KEY"):
        default_storage({"LIANGXIN_S3_BUCKET": "b", "LIANGXIN_S3_ACCESS_KEY_ID": "AK"})
    with pytest.raises(StorageConfigError, match="ADDRESSING_STYLE"):
        default_storage({"LIANGXIN_S3_BUCKET": "b", "LIANGXIN_S3_ADDRESSING_STYLE": "dns"})
