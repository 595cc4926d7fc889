"""The demo county's reconciliation with market regulation's list: a run with a row of every kind
but duplicates, some decided, the rest waiting in the clerks' to-do lists, nothing written that moves
the demo's totals.

Collected as part of ``test_county.py`` (which imports them), so they run on the demo that module
loads once."""

from collections import Counter

from django.urls import reverse

from liangxin.accounts.models import User
from liangxin.demo import reconcile as demo_reconcile
from liangxin.reconcile.models import BatchStatus, Decision, ListSource, ReconcileBatch, RowKind
from liangxin.registry.models import Organization


def test_a_market_regulation_run_with_every_kind_of_row_some_decided(loaded, db):
    batch = ReconcileBatch.objects.get()
    assert (batch.status, batch.source, batch.created_by.username) == (
        BatchStatus.READY,
        ListSource.MARKET,
        "county_admin",
    )
    assert batch.out_of_scope == demo_reconcile.STATE_OWNED
    assert batch.already_closed == demo_reconcile.CLOSED_LONG_AGO
    kinds = Counter(batch.rows.values_list("kind", flat=True))
    assert kinds[RowKind.MISSING] == batch.missing_count == demo_reconcile.NEW_COMPANIES
    assert kinds[RowKind.DEREGISTERED] == demo_reconcile.CLOSED
    assert kinds[RowKind.UNREGISTERED] == demo_reconcile.LEFT_OUT
    assert kinds[RowKind.CHANGED] == demo_reconcile.RENAMED + demo_reconcile.CODES_ADDED
    assert batch.rows.filter(kind=RowKind.MISSING, township__isnull=True).count() == demo_reconcile.UNPLACED
    decided = Counter(batch.rows.values_list("kind", "decision"))
    assert decided[(RowKind.DEREGISTERED, Decision.REJECTED)] == 1
    assert decided[(RowKind.CHANGED, Decision.ACCEPTED)] >= 1
    assert sum(n for (_kind, decision), n in decided.items() if decision == Decision.PENDING) > 30
    accepted = batch.rows.filter(decision=Decision.ACCEPTED)
    assert all(r.organization.uscc == r.uscc for r in accepted)  # the codes taken over, nothing else


def test_the_run_waits_in_the_to_do_of_the_clerks_and_the_county(loaded, db, client, settings):
    batch = ReconcileBatch.objects.get()
    settings.DEMO_MODE = True
    client.force_login(User.objects.get(username="county_admin"))
    assert demo_reconcile.FILE_NAME in client.get(reverse("reconcile:index")).content.decode()
    township = (
        batch.rows.filter(decision=Decision.PENDING, kind=RowKind.MISSING).exclude(township=None).first().township
    )
    clerk = User.objects.get(township=township, role="township_clerk")
    client.force_login(clerk)
    page = client.get(batch.get_absolute_url()).content.decode()
    assert "待确认" in page
    assert not Organization.objects.filter(name__in=batch.rows.filter(kind=RowKind.MISSING).values("name")).exists()
