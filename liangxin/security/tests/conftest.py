"""Lockout (django-axes) is off in these tests unless a test asks for ``axes_on``; the audit
anchor is written to the test's own directory."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _security_test_settings(settings, tmp_path):
    settings.AXES_ENABLED = False
    settings.AUDIT_ANCHOR_PATH = tmp_path / "audit-anchor.json"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
