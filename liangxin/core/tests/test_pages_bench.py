"""The page benchmark measures every page as a role that may open it: a 403 measures nothing."""

from __future__ import annotations

from bench import pages_bench
from liangxin.accounts import access
from liangxin.testing.urls import url_patterns


def test_every_measured_page_is_measured_as_a_role_that_may_open_it():
    measured = [name for name in url_patterns() if not name.endswith("_export") and name not in pages_bench.EXCLUDED]
    refused = {
        name: role
        for name in measured
        for role in pages_bench._user_for(name)
        if not access.may_open(role or None, name)
    }
    assert refused == {}


def test_a_page_keeps_its_preferred_roles_when_they_may_open_it():
    assert pages_bench._user_for("coverage:dashboard") == ["county_admin", "township_clerk"]
    assert pages_bench._user_for("audit:record_list") == ["audit_admin"]
    assert pages_bench._user_for("accounts:login") == [""]
