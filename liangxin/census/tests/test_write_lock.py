"""The import holds the write lock for the write alone: the file is read, validated, planned and
staged with no transaction open; the write is a fixed number of statements whatever the number
of rows (changed organizations included); and whatever moves in the register between the reading
and the write is seen under the lock."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liangxin.census import services
from liangxin.census.models import BatchStatus, ImportChange
from liangxin.census.planning import Planner
from liangxin.census.services import staging
from liangxin.registry.models import Organization, OrganizationFacts
from liangxin.testing.factories import valid_uscc

AS_OF = dt.date(2026, 11, 30)
HEADER = "统一社会信用代码,组织名称,组织类别,组织类型,所属乡镇,从业人员数,是否已建党组织,党组织名称\n"


def _csv(rows: list[tuple[str, str, int]], party: dict[int, str] | None = None) -> bytes:
    party = party or {}
    lines = [
        f"{uscc},{name},新经济组织,有限责任公司,板桥镇,{employees}," + (f"是,{party[n]}" if n in party else "否,")
        for n, (uscc, name, employees) in enumerate(rows)
    ]
    return (HEADER + "\n".join(lines) + "\n").encode()


def _rows(start: int, count: int, employees: int = 10) -> list[tuple[str, str, int]]:
    return [(valid_uscc(start + n), f"罗平县第{start + n}号有限公司", employees) for n in range(count)]


def _import(user, unit, data: bytes, **kwargs):
    return services.import_file(by=user, unit=unit, data=data, file_name="census.csv", as_of=AS_OF, **kwargs)


def _confirm(user, unit, data: bytes):
    preview = services.preview_import(by=user, unit=unit, data=data, file_name="census.csv", as_of=AS_OF)
    return services.confirm_import(by=user, batch=preview.batch)


@pytest.mark.django_db(transaction=True)
def test_no_transaction_is_open_while_the_file_is_read_and_planned(alice, census_county, monkeypatch):
    """Before, the confirm re-read and re-planned the whole file inside its write transaction:
    on SQLite every other writer waited for it (minutes for a large file)."""
    county = census_county["county"]
    _import(alice, county, _csv(_rows(1, 5)))
    open_while_planning: list[bool] = []
    plan = Planner.plan

    def watched(self, rows, existing):
        open_while_planning.append(connection.in_atomic_block or not connection.get_autocommit())
        return plan(self, rows, existing)

    monkeypatch.setattr(Planner, "plan", watched)
    outcome = _confirm(alice, county, _csv(_rows(1, 5, employees=11) + _rows(100, 5)))
    assert outcome.batch.status == BatchStatus.APPLIED
    _import(alice, county, _csv(_rows(200, 3)))
    assert open_while_planning and not any(open_while_planning)
    assert outcome.write_seconds is not None and outcome.write_seconds >= 0


def _write_statements(user, unit, data: bytes) -> list[str]:
    """The statements the confirm runs inside its write transaction."""
    inside: list[str] = []

    def record(execute, sql, params, many, context):
        if connection.in_atomic_block:
            inside.append(sql)
        return execute(sql, params, many, context)

    preview = services.preview_import(by=user, unit=unit, data=data, file_name="census.csv", as_of=AS_OF)
    with connection.execute_wrapper(record):
        services.confirm_import(by=user, batch=preview.batch)
    return inside


@pytest.mark.django_db(transaction=True)
def test_the_write_runs_the_same_statements_for_ten_rows_and_for_a_hundred(alice, census_county):
    county = census_county["county"]
    _import(alice, county, _csv(_rows(1, 150)))
    party = {n: f"第{n}党支部" for n in range(0, 200, 7)}
    small = _write_statements(alice, county, _csv(_rows(1, 5, employees=20) + _rows(1000, 5), party))
    large = _write_statements(alice, county, _csv(_rows(1, 50, employees=30) + _rows(2000, 50), party))
    assert len(small) == len(large)
    assert Organization.objects.count() == 150 + 5 + 50
    assert ImportChange.objects.filter(kind="changed").count() == 5 + 50


def test_updating_changed_organizations_takes_the_same_queries_for_30_and_for_300(alice, census_county):
    """Changed organizations are updated from the staged rows in one statement; before, Django's
    ``bulk_update`` wrote them a few dozen at a time (about 12 ms a row on the demo county)."""
    county = census_county["county"]
    _import(alice, county, _csv(_rows(1, 300)))
    counts = {}
    for changed, employees in ((30, 40), (300, 50)):
        data = _csv(_rows(1, changed, employees=employees))
        preview = services.preview_import(by=alice, unit=county, data=data, file_name="census.csv", as_of=AS_OF)
        with CaptureQueriesContext(connection) as queries:
            outcome = services.confirm_import(by=alice, batch=preview.batch)
        assert outcome.counts()["changed"] == changed
        counts[changed] = len(queries)
    assert counts[30] == counts[300]
    changed = Organization.objects.filter(uscc__in=[u for u, _n, _e in _rows(1, 300)])
    assert sorted(set(changed.values_list("version", flat=True))) == [2, 3]
    assert changed.filter(version=3).count() == 30
    open_figures = OrganizationFacts.objects.filter(organization__in=changed, valid_to__isnull=True)
    assert list(open_figures.values_list("employees", flat=True)) == [50] * 300
    closed = OrganizationFacts.objects.filter(organization__in=changed, valid_to=AS_OF)
    assert sorted(closed.values_list("employees", flat=True)) == [10] * 300 + [40] * 30


def _in_another_connection(action) -> None:
    """Run ``action`` on another database connection, as another clerk's request would."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            action()
        except BaseException as exc:  # reported in the test's thread
            failure.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


@pytest.mark.django_db(transaction=True)
def test_an_organization_registered_between_reading_and_writing_is_matched_not_duplicated(
    alice, census_county, monkeypatch
):
    county, banqiao = census_county["county"], census_county["banqiao"]
    uscc, name = valid_uscc(77), "罗平县迟到有限公司"
    ready = staging.Stager.ready
    registered: list[int] = []

    def meanwhile(self):
        if not registered:  # once: the import plans the file again and must then match it

            def register() -> None:
                registered.append(
                    Organization.objects.create(
                        uscc=uscc, name=name, name_normalized=name, category="economic", org_type="limited_company",
                        township=banqiao,
                    ).pk
                )  # fmt: skip

            _in_another_connection(register)
        return ready(self)

    monkeypatch.setattr(staging.Stager, "ready", meanwhile)
    outcome = _import(alice, county, _csv([(uscc, name, 12)]))
    assert outcome.counts() == {"new": 0, "changed": 1, "unchanged": 0, "rejected": 0}
    assert list(Organization.objects.values_list("pk", flat=True)) == registered
    assert Organization.objects.get().facts.get(valid_to__isnull=True).employees == 12


@pytest.mark.django_db(transaction=True)
def test_a_confirm_whose_plan_moved_between_reading_and_writing_re_previews_and_writes_nothing(
    alice, census_county, monkeypatch
):
    county = census_county["county"]
    _import(alice, county, _csv(_rows(1, 3)))
    preview = services.preview_import(
        by=alice, unit=county, data=_csv(_rows(1, 3, employees=20)), file_name="census.csv", as_of=AS_OF
    )
    first = Organization.objects.get(uscc=_rows(1, 1)[0][0])
    ready = staging.Stager.ready

    def meanwhile(self):
        # Another clerk records the same figure the file gives: the plan no longer changes it.
        _in_another_connection(
            lambda: (
                OrganizationFacts.objects.filter(organization_id=first.pk).update(employees=20),
                Organization.objects.filter(pk=first.pk).update(version=first.version + 1),
            )
        )
        return ready(self)

    monkeypatch.setattr(staging.Stager, "ready", meanwhile)
    with pytest.raises(services.StalePreview):
        services.confirm_import(by=alice, batch=preview.batch)
    preview.batch.refresh_from_db()
    assert preview.batch.status == BatchStatus.PREVIEWED
    assert (preview.batch.changed_count, preview.batch.unchanged_count) == (2, 1)  # the new preview
    assert not ImportChange.objects.filter(batch=preview.batch).exists()
    assert OrganizationFacts.objects.filter(employees=20).count() == 1  # only the clerk's


def test_a_busy_database_leaves_the_preview_to_be_confirmed_again(alice, census_county, monkeypatch):
    from django.db.utils import OperationalError

    county = census_county["county"]
    preview = services.preview_import(
        by=alice, unit=county, data=_csv(_rows(1, 3)), file_name="census.csv", as_of=AS_OF
    )

    def locked(self):
        raise OperationalError("database is locked")

    monkeypatch.setattr(staging.Stager, "moved", locked)
    with pytest.raises(OperationalError):
        services.confirm_import(by=alice, batch=preview.batch)
    preview.batch.refresh_from_db()
    assert preview.batch.status == BatchStatus.PREVIEWED
    monkeypatch.undo()
    assert services.confirm_import(by=alice, batch=preview.batch).batch.status == BatchStatus.APPLIED
    assert Organization.objects.count() == 3
