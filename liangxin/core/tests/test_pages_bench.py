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


def test_the_pages_are_measured_in_rounds_and_an_action_answering_post_only_is_set_aside(monkeypatch):
    monkeypatch.setattr(pages_bench, "REQUESTS", 3)
    asked: list[str] = []

    class Answer:
        def __init__(self, status: int) -> None:
            self.status_code = status

    class FakeClient:
        def get(self, url: str) -> Answer:
            asked.append(url)
            return Answer(405 if url == "/action/" else 200)

    pages = [
        pages_bench.Page("a", "/a/", "county_admin"),
        pages_bench.Page("action", "/action/", "county_admin"),
        pages_bench.Page("b", "/b/", ""),
    ]
    timings, post_only = pages_bench.measure(pages, lambda _username: FakeClient())

    assert asked == ["/a/", "/action/", "/b/"] + ["/a/", "/b/"] * 3  # warm-up, then one a page a round
    assert [t.page.name for t in timings] == ["a", "b"]
    assert all(t.status == 200 for t in timings)
    assert [p.name for p in post_only] == ["action"]
