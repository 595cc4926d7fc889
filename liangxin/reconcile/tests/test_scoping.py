"""Who sees which rows: a township's clerk his township's (404 for the others' rows and batches), the
county all of them, the unresolved ones included."""

from __future__ import annotations

from liangxin.reconcile import services
from liangxin.reconcile.models import Decision, RowKind

from .conftest import list_csv, run_worker


def _all_rows_page(client, batch) -> str:
    return "".join(client.get(f"{batch.get_absolute_url()}?kind={kind}").content.decode() for kind in RowKind.values)


def test_a_township_sees_and_decides_only_its_rows(client, ready_batch, bob, carol):
    in_a = ready_batch.rows.get(kind=RowKind.UNREGISTERED)
    in_b = ready_batch.rows.get(kind=RowKind.DEREGISTERED)
    unresolved = ready_batch.rows.get(kind=RowKind.MISSING, township__isnull=True)
    client.force_login(bob)
    text = _all_rows_page(client, ready_batch)
    assert in_a.name in text
    assert in_b.name not in text and unresolved.name not in text and "罗平县老名字有限公司" not in text
    for row in (in_b, unresolved):
        assert client.post(f"/reconcile/rows/{row.pk}/decide/", {"decision": "accepted"}).status_code == 404
        row.refresh_from_db()
        assert row.decision == Decision.PENDING
    client.force_login(carol)
    text = _all_rows_page(client, ready_batch)
    assert in_b.name in text and in_a.name not in text and unresolved.name not in text


def test_the_county_sees_every_row_and_decides_the_unresolved(client, ready_batch, alice):
    client.force_login(alice)
    text = _all_rows_page(client, ready_batch)
    for row in ready_batch.rows.all():
        assert row.name in text
    unresolved_only = client.get(f"{ready_batch.get_absolute_url()}?kind=missing&unresolved=on").content.decode()
    assert "罗平县无址商贸有限公司" in unresolved_only and "罗平县板桥新开张有限公司" not in unresolved_only


def test_another_townships_batch_is_404(client, bob, carol, township_b, planted):
    data = list_csv(f"罗平县老名字有限公司,{planted['renamed'].uscc},有限责任公司,存续,罗平县板桥镇")
    batch = services.start_batch(by=carol, unit=township_b, source="market", data=data, file_name="板桥镇.csv")
    run_worker()
    client.force_login(bob)
    assert client.get(batch.get_absolute_url()).status_code == 404
    assert client.get(f"/reconcile/batches/{batch.pk}/original/").status_code == 404
    assert client.post(f"/reconcile/batches/{batch.pk}/revert/").status_code == 404
    assert "板桥镇.csv" not in client.get("/reconcile/").content.decode()
    client.force_login(carol)
    assert "板桥镇.csv" in client.get("/reconcile/").content.decode()


def test_a_department_clerk_has_no_reconciliation(client, dave, ready_batch):
    client.force_login(dave)
    assert client.get("/reconcile/").status_code == 403
    assert client.get(ready_batch.get_absolute_url()).status_code == 403


def test_a_county_runs_file_downloads_for_the_county_not_for_a_township_with_rows_in_it(
    client, ready_batch, alice, lily, bob
):
    url = f"/reconcile/batches/{ready_batch.pk}/original/"
    client.force_login(bob)  # his township has rows in the county's run: he sees the batch, not the whole file
    assert client.get(ready_batch.get_absolute_url()).status_code == 200
    assert url not in client.get(ready_batch.get_absolute_url()).content.decode()
    assert client.get(url).status_code == 404
    for user in (alice, lily):
        client.force_login(user)
        assert url in client.get(ready_batch.get_absolute_url()).content.decode()
        assert client.get(url).status_code == 200
