"""Accepting and rejecting result rows: the register's state after each kind, who decides, revert."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from liangxin.audit.models import AuditRecord
from liangxin.campaigns import services as campaign_services
from liangxin.census import template
from liangxin.core.dates import today
from liangxin.core.errors import ServiceError
from liangxin.coverage import selectors as coverage_selectors
from liangxin.formation import transitions
from liangxin.reconcile import services
from liangxin.reconcile.models import BatchStatus, Decision, ReconcileRow, RowKind
from liangxin.registry import services as registry_services
from liangxin.registry.choices import FactSource, OperatingStatus
from liangxin.registry.models import Organization, OrganizationFacts
from liangxin.registry.tables import organization_data_of
from liangxin.testing.factories import MemberFactory


def _row(batch, kind, name=None):
    rows = batch.rows.filter(kind=kind)
    return rows.get(name=name) if name else rows.get()


def _current(org):
    return OrganizationFacts.objects.get(organization=org, valid_to__isnull=True)


def test_an_accepted_missing_row_is_an_organization_not_yet_surveyed_counted_in_coverage(
    client, ready_batch, carol, township_b
):
    (before,) = coverage_selectors.county_indicator_table(as_of=today())
    row = _row(ready_batch, RowKind.MISSING, "罗平县板桥新开张有限公司")
    client.force_login(carol)
    response = client.post(f"/reconcile/rows/{row.pk}/decide/", {"decision": "accepted"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "已采纳" in response.content.decode()
    created = Organization.objects.get(name="罗平县板桥新开张有限公司")
    assert (created.township, created.org_type, created.uscc) == (township_b, "limited_company", row.uscc)
    facts = _current(created)
    assert facts.source == FactSource.REGISTRATION and facts.operating_status == OperatingStatus.OPERATING
    (after,) = coverage_selectors.county_indicator_table(as_of=today())
    # It exists and nobody covers it: one more organization, one more in the coverage denominator.
    assert after.values["organizations"].numerator == before.values["organizations"].numerator + 1
    assert after.values["org_coverage"].denominator == before.values["org_coverage"].denominator + 1
    assert after.values["org_coverage"].numerator == before.values["org_coverage"].numerator
    row.refresh_from_db()
    assert (row.decision, row.decided_by, row.organization) == (Decision.ACCEPTED, carol, created)
    assert AuditRecord.objects.filter(action="reconcile.accept", object_id=str(row.pk)).exists()
    assert AuditRecord.objects.filter(action="create", object_id=str(created.pk)).exists()


def test_an_accepted_missing_row_is_in_the_next_campaigns_prefilled_template_to_be_surveyed(
    client, ready_batch, alice, carol, township_b
):
    services.accept_row(by=carol, row=_row(ready_batch, RowKind.MISSING, "罗平县板桥新开张有限公司"))
    start = today()
    campaign = campaign_services.create_campaign(
        by=alice, name="下一年度摸底", code="MDNEXT", as_of=start, survey_deadline=start + dt.timedelta(days=30),
        plan_deadline=start + dt.timedelta(days=40), townships=[township_b],
    )  # fmt: skip
    campaign = campaign_services.open_campaign(by=alice, campaign=campaign)
    submission = campaign.submissions.get(township=township_b)
    client.force_login(carol)
    response = client.get(reverse("campaigns:submission_template_export", args=[submission.pk]))
    sheet = load_workbook(io.BytesIO(response.content), read_only=True)[template.DATA_SHEET]
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True) if any(r)]
    listed = next(dict(zip(header, r, strict=False)) for r in rows if "罗平县板桥新开张有限公司" in r)
    known = next(dict(zip(header, r, strict=False)) for r in rows if "罗平县旧厂有限公司" in r)
    # Its figures are not known: blank to be surveyed, with a remark; a surveyed one keeps its own.
    assert [listed[label] for label in ("从业人员数", "正式党员数", "预备党员数")] == [None, None, None]
    assert listed["备注"] == template.NOT_SURVEYED
    assert known["从业人员数"] == 10 and known.get("备注") is None
    # Pre-filled into the submission, it is a row of the township's census like any other.
    staging = campaign_services.prefill_submission(by=carol, submission=submission, expected_version=submission.version)
    assert not staging.errors
    assert "罗平县板桥新开张有限公司" in set(submission.entries.values_list("name", flat=True))


def test_an_accepted_deregistered_row_deregisters_and_closes_the_plans(ready_batch, carol, planted):
    row = _row(ready_batch, RowKind.DEREGISTERED)
    services.accept_row(by=carol, row=row)
    assert _current(planted["closed"]).operating_status == OperatingStatus.DEREGISTERED
    planted["plan"].refresh_from_db()
    assert planted["plan"].status == transitions.CANCELLED


def test_an_accepted_changed_row_updates_the_register_and_keeps_the_former_name(ready_batch, carol, planted):
    row = _row(ready_batch, RowKind.CHANGED)
    assert row.detail["changes"]["name"] == {"register": "罗平县老名字有限公司", "list": "罗平县新名字商贸有限公司"}
    services.accept_row(by=carol, row=row)
    renamed = Organization.objects.get(pk=planted["renamed"].pk)
    assert renamed.name == "罗平县新名字商贸有限公司"
    assert renamed.former_names == ["罗平县老名字有限公司"]
    assert AuditRecord.objects.filter(action="update", object_id=str(renamed.pk)).exists()


def test_a_rejected_row_keeps_its_reason_and_writes_nothing(client, ready_batch, carol, planted):
    row = _row(ready_batch, RowKind.DEREGISTERED)
    client.force_login(carol)
    refused = client.post(f"/reconcile/rows/{row.pk}/decide/", {"decision": "rejected"}, HTTP_HX_REQUEST="true")
    assert "请填写驳回理由" in refused.content.decode()
    row.refresh_from_db()
    assert row.decision == Decision.PENDING
    client.post(f"/reconcile/rows/{row.pk}/decide/", {"decision": "rejected", "reason": "已迁回本县,仍在经营"})
    row.refresh_from_db()
    assert (row.decision, row.reason) == (Decision.REJECTED, "已迁回本县,仍在经营")
    assert _current(planted["closed"]).operating_status == OperatingStatus.OPERATING
    assert AuditRecord.objects.filter(action="reconcile.reject", object_id=str(row.pk)).exists()
    with pytest.raises(ServiceError, match="已经处理过"):
        services.accept_row(by=carol, row=row)


def test_the_township_decides_its_rows_and_the_county_the_unresolved_ones(ready_batch, alice, bob, carol, township_a):
    unresolved = _row(ready_batch, RowKind.MISSING, "罗平县无址商贸有限公司")
    in_b = _row(ready_batch, RowKind.DEREGISTERED)
    with pytest.raises(ServiceError, match="县里确定"):
        services.accept_row(by=carol, row=unresolved)
    with pytest.raises(ServiceError, match="所属乡镇"):
        services.accept_row(by=alice, row=in_b)
    with pytest.raises(ServiceError, match="所属乡镇"):
        services.accept_row(by=bob, row=in_b)
    with pytest.raises(ServiceError, match="选择这个组织所属的乡镇"):
        services.accept_row(by=alice, row=unresolved)
    services.accept_row(by=alice, row=unresolved, township=township_a)
    unresolved.refresh_from_db()
    assert unresolved.organization.township == township_a and unresolved.township == township_a


def test_a_bulk_accept_writes_all_or_nothing(client, ready_batch, carol, planted):
    rows = list(ready_batch.rows.filter(township__name="板桥镇"))
    assert len(rows) == 3  # missing, deregistered, changed
    client.force_login(carol)
    # The missing entry's code was taken meanwhile: its creation is refused, and so is the whole set.
    taken = Organization.objects.create(
        name="占用代码的组织",
        uscc=_row(ready_batch, RowKind.MISSING, "罗平县板桥新开张有限公司").uscc,
        category="economic",
        org_type="limited_company",
        township=planted["closed"].township,
        name_normalized="占用代码的组织",
        name_initials="",
        name_pinyin="",
    )
    response = client.post(f"/reconcile/batches/{ready_batch.pk}/accept/", {"rows": [r.pk for r in rows]}, follow=True)
    assert "选中的结果都没有采纳" in response.content.decode()
    assert ReconcileRow.objects.filter(pk__in=[r.pk for r in rows], decision=Decision.PENDING).count() == 3
    assert _current(planted["closed"]).operating_status == OperatingStatus.OPERATING
    taken.delete()
    response = client.post(f"/reconcile/batches/{ready_batch.pk}/accept/", {"rows": [r.pk for r in rows]}, follow=True)
    assert "已采纳 3 条结果" in response.content.decode()
    assert ReconcileRow.objects.filter(pk__in=[r.pk for r in rows], decision=Decision.ACCEPTED).count() == 3


def test_revert_undoes_every_accepted_write(client, ready_batch, alice, bob, carol, planted):
    for kind in (RowKind.MISSING, RowKind.DEREGISTERED, RowKind.CHANGED):
        row = ready_batch.rows.filter(kind=kind, township__isnull=False).get()
        services.accept_row(by=carol, row=row)
    created = Organization.objects.get(name="罗平县板桥新开张有限公司")
    client.force_login(alice)
    page = client.get(ready_batch.get_absolute_url()).content.decode()
    assert "撤销会把已采纳的 3 条结果" in page  # the three accepted, whichever tab is shown
    response = client.post(f"/reconcile/batches/{ready_batch.pk}/revert/", follow=True)
    assert "已撤销本批次" in response.content.decode()
    ready_batch.refresh_from_db()
    assert (ready_batch.status, ready_batch.reverted_by) == (BatchStatus.REVERTED, alice)
    assert not Organization.objects.filter(pk=created.pk).exists()
    assert _current(planted["closed"]).operating_status == OperatingStatus.OPERATING
    planted["plan"].refresh_from_db()
    assert planted["plan"].status in transitions.OPEN_STATUSES
    renamed = Organization.objects.get(pk=planted["renamed"].pk)
    assert (renamed.name, renamed.former_names) == ("罗平县老名字有限公司", [])
    assert AuditRecord.objects.filter(action="reconcile.revert", object_id=str(ready_batch.pk)).exists()
    with pytest.raises(ServiceError, match="撤销"):
        services.accept_row(by=bob, row=ready_batch.rows.get(kind=RowKind.UNREGISTERED))


def test_revert_is_refused_when_an_organization_was_edited_since(client, ready_batch, alice, carol, planted):
    services.accept_row(by=carol, row=_row(ready_batch, RowKind.CHANGED))
    renamed = Organization.objects.get(pk=planted["renamed"].pk)
    data = organization_data_of(renamed)
    registry_services.update_organization(
        by=carol,
        organization=renamed,
        data=type(data)(**{**data.__dict__, "address": "板桥镇新街2号"}),
        expected_version=renamed.version,
    )
    client.force_login(alice)
    response = client.post(f"/reconcile/batches/{ready_batch.pk}/revert/", follow=True)
    text = response.content.decode()
    assert "不能撤销" in text and "罗平县新名字商贸有限公司" in text
    ready_batch.refresh_from_db()
    assert ready_batch.status == BatchStatus.READY
    assert Organization.objects.get(pk=renamed.pk).name == "罗平县新名字商贸有限公司"


def test_revert_is_refused_when_an_organization_created_from_the_list_is_in_use(client, ready_batch, alice, carol):
    services.accept_row(by=carol, row=ready_batch.rows.get(kind=RowKind.MISSING, township__isnull=False))
    created = Organization.objects.get(name="罗平县板桥新开张有限公司")
    MemberFactory(name="新党员", employer=created)  # the new organization now employs a member
    client.force_login(alice)
    text = client.post(f"/reconcile/batches/{ready_batch.pk}/revert/", follow=True).content.decode()
    assert "不能整批撤销" in text and created.name in text
    assert Organization.objects.filter(pk=created.pk).exists()
    ready_batch.refresh_from_db()
    assert ready_batch.status == BatchStatus.READY


def test_the_to_do_page_lists_the_rows_waiting_for_each_clerk(client, ready_batch, alice, carol, lily, planted):
    """A township's clerk is asked for his township's rows, the county for the unplaced ones; a
    decided row leaves the count, and a read-only leader is asked nothing."""
    from liangxin.core.todo import todo_for

    def waiting(user):
        return [i for g in todo_for(user=user, today=today()) for i in g.items if str(g.kind) == "登记比对"]

    unresolved = _row(ready_batch, RowKind.MISSING, "罗平县无址商贸有限公司")
    in_b = ReconcileRow.objects.filter(batch=ready_batch, township__isnull=False, township=carol.township)
    count_b = in_b.count()
    assert count_b > 0 and unresolved.township_id is None
    (item,) = waiting(carol)
    assert f"{count_b} 条比对结果待确认" in item.title and item.url.endswith(f"/batches/{ready_batch.pk}/")
    county_count = ReconcileRow.objects.filter(batch=ready_batch, township__isnull=True).count()
    (county_item,) = waiting(alice)
    assert f"{county_count} 条" in county_item.title
    services.reject_row(by=carol, row=in_b.first(), reason="名单地址有误,非本乡镇组织")
    if count_b == 1:
        assert waiting(carol) == []
    else:
        assert f"{count_b - 1} 条比对结果待确认" in waiting(carol)[0].title
    assert waiting(lily) == []
    client.force_login(carol)
    assert ("登记比对" in client.get("/todo/").content.decode()) == (count_b > 1)
