"""The copies of the county's pages of today (dashboard, indicator tables): kept by the worker,
shown where computing takes long, never where it is quick, never to a narrower scope, never for
another day or period, never when too old or altered; a page view writes none."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from liangxin.census.management.commands.run_import_worker import Command as Worker
from liangxin.core.dates import today
from liangxin.coverage import county_snapshot, selectors, services
from liangxin.coverage.models import CountySnapshot

from .conftest import _org

DASHBOARD = reverse("coverage:dashboard")


def _blank_count(html: str) -> int:
    """The 空白点 card's figure: organizations without a party organization."""
    found = re.search(r'class="cov-card blank">.*?<p class="cov-value"><a href="[^"]*">(\d+)</a>', html, re.S)
    assert found, "the dashboard has its 空白点 card"
    return int(found.group(1))


def _page(client, user, **params) -> str:
    client.force_login(user)
    response = client.get(DASHBOARD, params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def slow(settings):
    """Every copy counts as slow to compute, as a province's does."""
    settings.DASHBOARD_COPY_SECONDS = 0.0


def test_the_county_sees_the_kept_copy_until_it_asks_for_the_live_figures(client, county_data, alice, lily, slow):
    live = _blank_count(_page(client, alice))
    copies = services.refresh_county_snapshots()
    assert {c.name for c in copies} == {"dashboard", *(f"table:{by}" for by in selectors.GROUPINGS)}
    assert {c.as_of for c in copies} == {today()}
    _org("丙新办企业有限公司", county_data["b1"].township, employees=30)  # one more without a party organization
    for user in (alice, lily):  # every account whose scope is the county
        html = _page(client, user)
        assert 'id="computed-at"' in html and "统计的全县数据" in html
        assert _blank_count(html) == live  # the copy's figure: computed before the new organization
    fresh = _page(client, alice, live="1")
    assert 'id="computed-at"' not in fresh and _blank_count(fresh) == live + 1
    services.refresh_county_snapshots(force=True)
    assert _blank_count(_page(client, alice)) == live + 1


@pytest.fixture
def quick(settings):
    """Every copy counts as quick to compute, as a county's does (milliseconds against 1 s)."""
    settings.DASHBOARD_COPY_SECONDS = 3600.0


def test_where_computing_is_quick_the_page_computes_every_time(client, county_data, alice, quick):
    services.refresh_county_snapshots()
    live = _blank_count(_page(client, alice))
    _org("丙新办企业有限公司", county_data["b1"].township, employees=30)
    html = _page(client, alice)
    assert 'id="computed-at"' not in html and _blank_count(html) == live + 1


def test_a_township_clerk_and_other_days_and_periods_are_computed(client, county_data, alice, bob, slow):
    services.refresh_county_snapshots()
    _org("甲新办企业有限公司", county_data["a1"].township, employees=30)
    assert 'id="computed-at"' not in _page(client, bob)  # his township: always computed
    yesterday = (today() - dt.timedelta(days=1)).isoformat()
    assert 'id="computed-at"' not in _page(client, alice, as_of=yesterday)
    assert 'id="computed-at"' not in _page(client, alice, period="quarter")
    assert 'id="computed-at"' in _page(client, alice, period="month")


def _dashboard_copy() -> CountySnapshot:
    return CountySnapshot.objects.get(name="dashboard")


def test_an_old_or_altered_copy_is_not_shown(client, county_data, alice, slow):
    services.refresh_county_snapshots()
    copy = _dashboard_copy()
    CountySnapshot.objects.filter(pk=copy.pk).update(
        computed_at=copy.computed_at - county_snapshot.max_age() - dt.timedelta(seconds=1)
    )
    assert 'id="computed-at"' not in _page(client, alice)
    services.refresh_county_snapshots(force=True)
    copy = _dashboard_copy()
    assert 'id="computed-at"' in _page(client, alice)
    payload = bytearray(copy.payload)
    payload[-2] ^= 1
    CountySnapshot.objects.filter(pk=copy.pk).update(payload=bytes(payload))
    assert 'id="computed-at"' not in _page(client, alice)
    assert county_snapshot.unpack(bytes(payload), copy.signature) is None


def test_the_copy_is_the_dashboard_any_county_account_gets(county_data, alice, quick):
    services.refresh_county_snapshots()
    kept = _dashboard_copy()
    found = selectors.county_dashboard_copy(as_of=today(), period="month")
    assert found is None  # quick: not worth showing, but kept all the same
    board = county_snapshot.unpack(bytes(kept.payload), kept.signature)
    assert board == selectors.dashboard(user=alice, as_of=today())
    assert board.tables.total.values["org_coverage"].denominator > 0


def test_the_worker_computes_again_only_when_due_and_keeps_only_today(county_data, slow):
    old = CountySnapshot.objects.create(
        as_of=today() - dt.timedelta(days=1),
        name="dashboard",
        computed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        seconds=1,
        payload=b"",
    )
    first = services.refresh_county_snapshots()
    pages = len(selectors.GROUPINGS) + 1
    assert len(first) == pages and not CountySnapshot.objects.filter(pk=old.pk).exists()
    assert services.refresh_county_snapshots() == []  # computed just now
    CountySnapshot.objects.filter(name="table:size").delete()
    assert len(services.refresh_county_snapshots()) == pages  # one missing: all again
    copy = _dashboard_copy()
    CountySnapshot.objects.filter(pk=copy.pk).update(computed_at=copy.computed_at - county_snapshot.refresh_interval())
    again = services.refresh_county_snapshots()
    assert len(again) == pages and _dashboard_copy().computed_at > copy.computed_at
    assert CountySnapshot.objects.count() == pages


def test_a_page_view_writes_no_copy(client, county_data, alice, slow):
    _page(client, alice)
    _page(client, alice, live="1")
    assert not CountySnapshot.objects.exists()


def test_the_idle_worker_keeps_the_copy_and_survives_a_failure(county_data, monkeypatch):
    worker, err = Worker(), io.StringIO()
    worker.stderr = err
    worker._refresh_dashboard()
    assert CountySnapshot.objects.count() == len(selectors.GROUPINGS) + 1
    assert "全县看板和指标表已统计" in err.getvalue()

    def broken(**kwargs):
        raise RuntimeError("磁盘已满")

    calls = []
    monkeypatch.setattr(
        "liangxin.census.management.commands.run_import_worker.refresh_county_snapshots",
        lambda **kw: calls.append(1) or broken(),
    )
    worker._refresh_dashboard()
    worker._refresh_dashboard()  # the next attempt waits for the next interval
    assert calls == [1] and "全县看板和指标表统计失败:RuntimeError: 磁盘已满" in err.getvalue()


def test_the_worker_run_once_does_not_compute_the_dashboard(county_data):
    call_command("run_import_worker", "--once", stderr=io.StringIO())
    assert not CountySnapshot.objects.exists()


def test_the_county_gets_the_kept_indicator_table_of_each_grouping(client, county_data, alice, bob, slow):
    client.force_login(alice)
    url = reverse("coverage:table")
    before = client.get(url, {"by": "township"}).content.decode()
    services.refresh_county_snapshots()
    _org("甲新办企业有限公司", county_data["a1"].township, employees=30)
    kept = client.get(url, {"by": "township"}).content.decode()
    assert 'id="computed-at"' in kept and "live=1" in kept
    assert _coverage_cells(kept) == _coverage_cells(before) and _coverage_cells(before)
    partial = client.get(url, {"by": "department"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="computed-at"' in partial and "<html" not in partial
    live = client.get(url, {"by": "township", "live": "1"}).content.decode()
    assert 'id="computed-at"' not in live and _coverage_cells(live) != _coverage_cells(before)
    client.force_login(bob)
    assert 'id="computed-at"' not in client.get(url, {"by": "township"}).content.decode()


def _coverage_cells(html: str) -> list[str]:
    """The figures of the table (numerator/denominator pairs), in order."""
    return ["/".join(pair) for pair in re.findall(r">(\d+)</a>/<a [^>]*>(\d+)</a>", html)]
