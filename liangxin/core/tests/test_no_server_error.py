"""No request a browser (or an attacker) can send answers 500.

For each role, the test crawls the site from every pattern of the URL conf (object patterns with
township B's objects), following links, and collects every form, link parameter, htmx request
and view parameter it finds (``liangxin.testing.walk``). Hypothesis then sends each of them
values of the field's kind and worse: huge numbers, impossible and far dates, invisible and
control characters, SQL and script fragments, missing fields. Object patterns also get ids no
database holds. Any 500 or exception fails, with the request that caused it.

The example count is fixed and the examples derandomized, so CI runs the same requests every
time; ``LIANGXIN_FUZZ_EXAMPLES`` raises the count per target for a deeper run by hand.
"""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liangxin.accounts import access
from liangxin.census import jobs
from liangxin.core.tests.test_upload_gate import UPLOADS
from liangxin.security.tests.test_hostile_input import FRAGMENTS
from liangxin.testing import walk
from liangxin.testing.api import bearer

EXAMPLES_PER_TARGET = int(os.environ.get("LIANGXIN_FUZZ_EXAMPLES", "3"))
ROLES = ["alice", "lily", "carol", "dave", "sam", "sysadm", "secadm", "auditor", None]

# Requests that end the session the test walks with: not sent.
SKIP = {"accounts:logout"}

HUGE_NUMBERS = [
    "99999999999999999999999",
    str(2**63),
    str(2**63 - 1),
    str(-(2**63) - 1),
    "-1",
    "0",
    "1e309",
    "NaN",
    "Infinity",
    "1.5",
    " 7 ",
    "０７",
]
ODD_DATES = [
    "0001-01-01",
    "0004-06-30",
    "9999-12-31",
    "2099-01-01",
    "2026-02-30",
    "0000-00-00",
    "2026-13-01",
    "1900-01-01",
    "20260101",
    "2026/01/01",
    "+2026-01-01",
]
INVISIBLE = ["\u200b", "\u200b\u200c\u200d\ufeff", "\u3000\u00a0 ", "\u202e\u2066", "\u00ad\u2060", "\x00", "\t\r\n"]

hostile_text = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.sampled_from(INVISIBLE),
    st.text(max_size=30),
    st.sampled_from(["A" * 5_000, "名" * 3_000]),
)
numbers = st.one_of(st.sampled_from(HUGE_NUMBERS), st.integers().map(str))
dates = st.one_of(st.sampled_from(ODD_DATES), st.dates().map(str))
anything = st.one_of(hostile_text, numbers, dates)


def value_of(param: walk.Field) -> st.SearchStrategy[Any]:
    """What to send for a field: its page value, or something of its kind or worse; None leaves
    it out."""
    keep = st.just(param.value)
    if param.name == "csrfmiddlewaretoken":
        return keep
    options = st.sampled_from(param.options) if param.options else keep
    by_kind: dict[str, st.SearchStrategy[Any]] = {
        walk.TEXT: anything,
        walk.PASSWORD: st.one_of(hostile_text, st.just("Youcai#Huahai7")),
        walk.DATE: st.one_of(dates, hostile_text),
        walk.NUMBER: st.one_of(numbers, hostile_text),
        walk.CHOICE: st.one_of(options, numbers, hostile_text),
        walk.MULTIPLE: st.lists(st.one_of(options, numbers, hostile_text), max_size=3),
        walk.CHECK: st.one_of(st.just("on"), hostile_text),
    }
    return st.one_of(keep, options, by_kind.get(param.kind, anything), st.none())


def request_data(target: walk.Target) -> st.SearchStrategy[dict[str, Any]]:
    fields = {name: value_of(param) for name, param in target.fields.items() if param.kind != walk.FILE}
    return st.fixed_dictionaries(fields).map(lambda d: {k: v for k, v in d.items() if v is not None})


def _send(client: Client, method: str, path: str, data: dict[str, Any], headers: dict[str, str] | None = None) -> int:
    try:
        response = (
            client.get(path, data, headers=headers) if method == "get" else client.post(path, data, headers=headers)
        )
    except Exception as exc:
        raise AssertionError(f"{method.upper()} {path} {data!r} raised {exc!r}") from exc
    assert response.status_code < 500, f"{method.upper()} {path} {data!r} answered {response.status_code}"
    return response.status_code


# The worst values of each kind, sent to every field of a target at once (both ends), then the
# low end to its dates alone and to its numbers alone (the other fields as the page gives them,
# so the view goes on to use the value), before the random examples.
LOW = {walk.DATE: "0001-01-01", walk.NUMBER: HUGE_NUMBERS[0], walk.TEXT: INVISIBLE[1], walk.CHECK: "\x00"}
HIGH = {walk.DATE: "9999-12-31", walk.NUMBER: str(-(2**63) - 1), walk.TEXT: "A" * 5_000, walk.CHECK: "on"}
EXTREMES: list[tuple[dict[str, str], str | None]] = [(LOW, None), (HIGH, None), (LOW, walk.DATE), (LOW, walk.NUMBER)]


def extreme(target: walk.Target, values: dict[str, str], *, only: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, param in target.fields.items():
        if param.kind == walk.FILE:
            continue
        kind = {walk.CHOICE: walk.NUMBER, walk.PASSWORD: walk.TEXT}.get(param.kind, param.kind)
        if name == "csrfmiddlewaretoken" or (only is not None and kind != only):
            data[name] = param.value
        else:
            data[name] = [values[walk.NUMBER]] if kind == walk.MULTIPLE else values.get(kind, values[walk.TEXT])
    return data


def one_per_view(targets: dict[tuple[str, str], walk.Target]) -> list[walk.Target]:
    """One target per view and method (the first path found), with the fields of all of them."""
    kept: dict[tuple[str, str], walk.Target] = {}
    for target in sorted(targets.values(), key=lambda t: t.key):
        first = kept.setdefault((target.method, target.view_name), target)
        for name, param in target.fields.items():
            first.fields.setdefault(name, param)
    return list(kept.values())


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_no_page_form_or_parameter_answers_500(role, request, settings_for_fuzz, township_b_objects):
    user = request.getfixturevalue(role) if role else None
    client = Client()

    def log_in() -> None:
        if user is not None and "_auth_user_id" not in client.session:
            client.force_login(user)

    log_in()
    seeds = [url for name, route in walk.url_patterns() if (url := walk.pattern_url(name, route, township_b_objects))]
    found = walk.crawl(client, seeds, skip=SKIP.__contains__, per_pattern=1)
    assert not [path for path, status in found.pages.items() if status >= 500]
    # A file input on any page posts to an upload the gate's test knows.
    unknown = {name: page for name, page in found.file_inputs.items() if name not in UPLOADS}
    assert not unknown, f"file inputs posting to uploads test_upload_gate does not know: {unknown}"
    if user is not None:
        assert sum(status == 200 for status in found.pages.values()) >= 3, found.pages
    targets = one_per_view(found.targets)
    assert targets
    for target in targets:
        for values, only in EXTREMES:
            if only is None or any(p.kind == only for p in target.fields.values()):
                log_in()
                _send(client, target.method, target.path, extreme(target, values, only=only))
        feed_target(client, log_in, target)


def test_ids_no_database_holds_answer_404(client, alice, settings_for_fuzz):
    """Path ids beyond every integer column (and at its end) are a plain 404, GET and POST (403 where
    the role may not use the page at all, whatever the id: ``accounts.access``)."""
    client.force_login(alice)
    token = {"Authorization": bearer(alice)["HTTP_AUTHORIZATION"]}
    for name, route in walk.url_patterns():
        if "<" in route:
            # The JSON API reads with a token; it declares its ids as 64-bit integers, so a larger
            # one is a 422 (in JSON, as its document says) before any lookup.
            rule = access.rule_for(name)
            api = rule is not None and rule.token
            for pk in (2**63 - 1, 2**63, 10**25):
                path = "/" + re.sub(r"<[^>]+>", str(pk), route)
                for method in ("get", "post"):
                    allowed = (404, 405) if access.may_open(alice.role, name, method.upper()) else (403,)
                    if api and method == "get":
                        allowed = (404,) if pk < 2**63 else (422,)
                    assert _send(client, method, path, {}, token if api else None) in allowed, (name, method, pk)


def feed_target(client: Client, log_in: Any, target: walk.Target) -> None:
    @settings(
        max_examples=EXAMPLES_PER_TARGET,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=request_data(target))
    def feed(data: dict[str, Any]) -> None:
        log_in()
        _send(client, target.method, target.path, data)

    feed()


@pytest.fixture
def settings_for_fuzz(settings, tmp_path, db):
    settings.AUDIT_ANCHOR_PATH = tmp_path / "audit-anchor.json"
    settings.MEDIA_ROOT = tmp_path / "media"
    # Thousands of requests from one address would lock the anonymous walk out of the login form
    # (a 429, not an error); the lockout itself is tested in security.
    settings.AXES_ENABLED = False
    # Exports are rate-limited per user; the walk exports more than a person would.
    settings.EXPORT_RATE_LIMIT = 10_000
    # /healthz answers 503 by design without a running import worker or with a full disk (its own
    # tests: test_health); here it is walked as a healthy installation answers it.
    settings.HEALTH_MIN_FREE_MB = 0
    jobs.beat("fuzz:1")
    return settings
