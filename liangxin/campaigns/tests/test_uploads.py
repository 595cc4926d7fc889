"""An upload never loses staged rows by surprise: a refused file changes nothing, and replacing
the rows a submission has is a choice the clerk confirms on a page the server renders."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from liangxin.audit.models import AuditRecord
from liangxin.campaigns import services
from liangxin.campaigns.models import DepartmentConfirmation, PendingUpload, SubmissionState
from liangxin.core.errors import ConflictError

from .conftest import B_FILE, HEADER, census_csv, fresh, row

SECOND = census_csv(
    row(5101, "板桥丙建材有限公司", "板桥镇", department="县工商联", members=4),  # as staged
    row(5103, "板桥戊运输有限公司", "板桥镇", members=5),  # changed
    row(5104, "板桥己餐饮有限公司", "板桥镇"),  # new; 板桥丁 is not in this file
)


def _snapshot(submission):
    submission = fresh(submission)
    return (
        submission.state,
        submission.version,
        sorted(submission.entries.values_list("pk", "version", "name")),
        DepartmentConfirmation.objects.count(),
    )


def _upload(client, submission, data, name="摸底表.csv"):
    submission = fresh(submission)
    return client.post(
        reverse("campaigns:submission_import", args=[submission.pk]),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv"), "version": submission.version},
    )


@pytest.mark.parametrize(
    "data", [HEADER.encode(), ("\ufeff" + HEADER).encode(), (HEADER + ",,,,,,,,,,,\n").encode()], ids=str
)
def test_a_file_with_a_header_and_no_rows_changes_nothing(sub_b, sub_x, carol, dave, stage, data):
    stage(sub_b, carol, B_FILE)
    services.confirm_entry(by=dave, submission=sub_x, entry=sub_b.entries.first(), verdict="confirmed")
    before = _snapshot(sub_b)
    records = AuditRecord.objects.count()

    staging = stage(sub_b, carol, data)
    assert staging.staged == 0 and staging.pending is None
    assert [p.code for p in staging.errors] == ["no_data_rows"]
    assert "没有数据行" in staging.errors[0].message and "保持不变" in staging.errors[0].message
    assert _snapshot(sub_b) == before
    assert AuditRecord.objects.count() == records and not PendingUpload.objects.exists()


def test_through_the_page_the_refusal_says_the_rows_were_kept(sub_b, carol, stage, client):
    stage(sub_b, carol, B_FILE)
    before = _snapshot(sub_b)
    client.force_login(carol)
    page = _upload(client, sub_b, HEADER.encode()).content.decode()
    assert "没有数据行" in page and "保持不变" in page
    assert all(name in page for name in ("板桥丙建材有限公司", "板桥丁养殖有限公司", "板桥戊运输有限公司"))
    assert _snapshot(sub_b) == before


def test_a_header_only_first_upload_is_refused_too(sub_b, carol, stage):
    staging = stage(sub_b, carol, HEADER.encode())
    assert [p.code for p in staging.errors] == ["no_data_rows"]
    assert fresh(sub_b).state == SubmissionState.NOT_STARTED


def test_replacing_staged_rows_waits_for_the_clerks_confirmation(sub_b, sub_x, carol, dave, stage, client):
    from liangxin.security.tests.test_pages_csp import problems_in

    stage(sub_b, carol, B_FILE)
    services.confirm_entry(
        by=dave, submission=sub_x, entry=sub_b.entries.get(name="板桥丙建材有限公司"), verdict="confirmed"
    )
    before = _snapshot(sub_b)
    client.force_login(carol)

    response = _upload(client, sub_b, SECOND)
    page = response.content.decode()
    assert response.status_code == 200 and not problems_in(page)  # no inline script: CSP is strict
    assert "本单位已导入 3 行" in page
    counts = {k: page.split(f"data-{k}>", 1)[1].split("<", 1)[0] for k in ("kept", "changed", "added", "removed")}
    assert counts == {"kept": "1", "changed": "1", "added": "1", "removed": "1"}
    assert "板桥丁养殖有限公司" in page.split("将删除的行", 1)[1]
    assert _snapshot(sub_b) == before  # nothing replaced yet
    pending = PendingUpload.objects.get(submission=sub_b)
    assert pending.uploaded_by == carol and bytes(pending.data) == SECOND

    response = client.post(
        reverse("campaigns:submission_import_confirm", args=[sub_b.pk]),
        {"sha256": pending.sha256, "version": pending.submission_version},
        follow=True,
    )
    assert "已用新文件替换" in response.content.decode()
    names = set(fresh(sub_b).entries.values_list("name", flat=True))
    assert names == {"板桥丙建材有限公司", "板桥戊运输有限公司", "板桥己餐饮有限公司"}
    assert DepartmentConfirmation.objects.count() == 1  # 丙 is unchanged: its confirmation stays
    assert not PendingUpload.objects.exists()
    stage_record = AuditRecord.objects.filter(action="campaigns.stage").latest("pk")
    assert (stage_record.changes["new_rows"], stage_record.changes["changed_rows"]) == (1, 1)
    assert stage_record.changes["removed_rows"] == 1


def test_cancel_keeps_the_staged_rows(sub_b, carol, stage, client):
    stage(sub_b, carol, B_FILE)
    before = _snapshot(sub_b)
    client.force_login(carol)
    _upload(client, sub_b, SECOND)
    response = client.post(reverse("campaigns:submission_import_cancel", args=[sub_b.pk]), follow=True)
    assert "保持不变" in response.content.decode()
    assert _snapshot(sub_b) == before and not PendingUpload.objects.exists()
    assert AuditRecord.objects.filter(object_type="campaigns.pendingupload", action="delete").count() == 1


def test_a_confirmation_after_the_rows_changed_is_refused(sub_b, carol, erin, stage):
    stage(sub_b, carol, B_FILE)
    staging = stage(sub_b, carol, SECOND, confirm=False)
    assert staging.pending is not None
    entry = fresh(sub_b).entries.get(name="板桥丁养殖有限公司")
    services.update_entry(by=erin, entry=entry, values={"employees": "30"}, expected_version=entry.version)
    before = _snapshot(sub_b)
    with pytest.raises(ConflictError):
        services.confirm_pending_upload(
            by=carol, submission=fresh(sub_b), sha256=staging.pending.sha256, expected_version=fresh(sub_b).version
        )
    with pytest.raises(ConflictError):  # the page's version is stale too
        services.confirm_pending_upload(
            by=carol,
            submission=fresh(sub_b),
            sha256=staging.pending.sha256,
            expected_version=staging.pending.submission_version,
        )
    assert _snapshot(sub_b) == before


def test_a_newer_upload_replaces_the_one_waiting(sub_b, carol, stage):
    stage(sub_b, carol, B_FILE)
    first = stage(sub_b, carol, SECOND, confirm=False).pending
    third = census_csv(row(5101, "板桥丙建材有限公司", "板桥镇", department="县工商联", members=4))
    second = stage(sub_b, carol, third, confirm=False).pending
    assert list(PendingUpload.objects.values_list("sha256", flat=True)) == [second.sha256]
    with pytest.raises(ConflictError, match="重新上传"):
        services.confirm_pending_upload(
            by=carol, submission=fresh(sub_b), sha256=first.sha256, expected_version=first.submission_version
        )
    staging = services.confirm_pending_upload(
        by=carol, submission=fresh(sub_b), sha256=second.sha256, expected_version=second.submission_version
    )
    assert staging.staged == 1 and fresh(sub_b).entries.count() == 1


def test_only_the_unit_confirms_or_cancels(sub_b, carol, alice, stage):
    stage(sub_b, carol, B_FILE)
    pending = stage(sub_b, carol, SECOND, confirm=False).pending
    for action in (
        lambda: services.confirm_pending_upload(
            by=alice, submission=fresh(sub_b), sha256=pending.sha256, expected_version=pending.submission_version
        ),
        lambda: services.discard_pending_upload(by=alice, submission=fresh(sub_b)),
    ):
        with pytest.raises(services.ServiceError, match="本单位"):
            action()
    assert PendingUpload.objects.filter(pk=pending.pk).exists()
