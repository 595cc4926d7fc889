"""Standardization tests: the standard of the data migration is there even after a transactional
test of the same worker emptied the database, and evidence goes to a media directory of the test."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile

from liangxin.security.uploads import UploadField, UploadKind
from liangxin.standards.models import StandardizationPolicy
from liangxin.testing.responses import tiny_pdf


@pytest.fixture(autouse=True)
def standard(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    if not StandardizationPolicy.objects.exists():
        import_module("liangxin.standards.migrations.0002_policy_and_five_goods_ratings").seed(apps, None)
    return StandardizationPolicy.objects.get()


def photo(text: str = "photo") -> SimpleUploadedFile:
    """A file as the upload gate passes it (kind evidence)."""
    checked = UploadField(kind=UploadKind.EVIDENCE).clean(
        SimpleUploadedFile(f"{text}.pdf", tiny_pdf(text), "application/pdf")
    )
    assert isinstance(checked, SimpleUploadedFile)
    return checked
