"""Campaign data reaches the register only through the campaign's approval: staging keeps no
census preview that the import pages could confirm, and reopening an approved submission
reverts what its approval imported (or is refused when the register has moved on since)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from liangxin.audit.models import AuditRecord
from liangxin.campaigns import services
from liangxin.campaigns.models import SubmissionState
from liangxin.census import services as census_services
from liangxin.census.models import BatchStatus, ImportBatch
from liangxin.core.errors import ServiceError
from liangxin.registry import services as registry_services
from liangxin.registry.models import Organization, OrganizationFacts

from .conftest import B_FILE, census_csv, fresh, row

B_NAMES = {"板桥丙建材有限公司", "板桥丁养殖有限公司", "板桥戊运输有限公司"}


def _approved(sub, unit_user, county, stage, data=B_FILE):
    staging = stage(sub, unit_user, data)
    assert staging.staged, [(p.code, p.message) for p in staging.errors]
    sub = services.submit_submission(by=unit_user, submission=fresh(sub), expected_version=fresh(sub).version)
    return services.approve_submission(by=county, submission=sub, expected_version=sub.version)


def _names(township):
    return set(Organization.objects.filter(township=township).values_list("name", flat=True))


def _messages(response):
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


# --- 1. No confirmable census preview --------------------------------------------------------------


def test_staging_keeps_no_census_preview(sub_b, carol, township_b, stage, client):
    staging = stage(sub_b, carol, B_FILE)
    assert staging.staged == 3
    assert not ImportBatch.objects.exists()
    # Nor through the page, nor with a file that has errors.
    client.force_login(carol)
    response = client.post(
        reverse("campaigns:submission_import", args=[sub_b.pk]),
        {"file": _upload_file(B_FILE), "version": fresh(sub_b).version},
    )
    assert response.status_code == 200 and "确认替换" in response.content.decode()  # rows staged: it asks
    assert stage(sub_b, carol, census_csv(row(5101, "板桥丙建材有限公司", "罗雄街道"))).errors
    assert not ImportBatch.objects.exists()
    # The township's census pages have nothing to confirm.
    assert client.get(reverse("census:batch_list")).context["count"] == 0
    assert _names(township_b) == set()


def _upload_file(data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("摸底表.csv", data, content_type="text/csv")


def test_the_approvals_batch_cannot_be_confirmed_again(sub_b, carol, alice, township_b, stage, client):
    sub = _approved(sub_b, carol, alice, stage)
    batch = sub.register_batch
    assert batch is not None and batch.status == BatchStatus.APPLIED
    assert list(ImportBatch.objects.values_list("pk", flat=True)) == [batch.pk]
    with pytest.raises(ServiceError, match="已处理"):
        census_services.confirm_import(by=alice, batch=batch)
    client.force_login(alice)
    response = client.post(reverse("census:batch_confirm", args=[batch.pk]), {"mode": "all_or_nothing"})
    assert response.status_code == 302 and "不能再次导入" in _messages(response)
    assert fresh(batch).status == BatchStatus.APPLIED and ImportBatch.objects.count() == 1


# --- 2. Reopening reverts the approval's import, or is refused ------------------------------------


def test_reopen_reverts_what_the_approval_imported(sub_b, carol, alice, township_b, stage):
    sub = _approved(sub_b, carol, alice, stage)
    batch = sub.register_batch
    assert _names(township_b) == B_NAMES
    sub = services.reopen_submission(by=alice, submission=sub, reason="戊公司人数有误", expected_version=sub.version)
    assert sub.state == SubmissionState.IN_PROGRESS and sub.register_batch is None
    assert fresh(batch).status == BatchStatus.REVERTED
    assert _names(township_b) == set()
    [record] = AuditRecord.objects.filter(action="campaigns.reopen")
    assert record.changes == {
        "state": ["approved", "in_progress"],
        "reason": "戊公司人数有误",
        "reverted_batch": batch.pk,
    }
    assert AuditRecord.objects.filter(action="revert", object_id=str(batch.pk)).count() == 1
    # The staged rows are still there: corrected and approved again, they reach the register again.
    entry = sub.entries.get(name="板桥戊运输有限公司")
    services.update_entry(by=carol, entry=entry, values={"full_members": "5"}, expected_version=entry.version)
    sub = services.submit_submission(by=carol, submission=fresh(sub), expected_version=fresh(sub).version)
    sub = services.approve_submission(by=alice, submission=sub, expected_version=sub.version)
    assert _names(township_b) == B_NAMES and sub.register_batch != batch
    wu = OrganizationFacts.objects.get(organization__name="板桥戊运输有限公司", valid_to__isnull=True)
    assert wu.full_members == 5


def test_reopen_restores_organizations_the_register_already_had(sub_b, carol, alice, township_b, stage):
    # An earlier import knew 戊 with 1 member; the campaign's approval changed it to 3.
    census_services.import_file(
        by=alice, unit=township_b, data=census_csv(row(5103, "板桥戊运输有限公司", "板桥镇", members=1)),
        file_name="旧.csv", as_of=dt.date(2026, 10, 1),
    )  # fmt: skip
    sub = _approved(sub_b, carol, alice, stage)
    wu = Organization.objects.get(name="板桥戊运输有限公司")
    assert OrganizationFacts.objects.get(organization=wu, valid_to__isnull=True).full_members == 3
    services.reopen_submission(by=alice, submission=sub, reason="核实", expected_version=sub.version)
    assert _names(township_b) == {"板桥戊运输有限公司"}
    assert OrganizationFacts.objects.get(organization=wu, valid_to__isnull=True).full_members == 1


def test_reopen_is_refused_when_a_later_import_touched_the_organizations(sub_b, carol, alice, township_b, stage):
    sub = _approved(sub_b, carol, alice, stage)
    batch = sub.register_batch
    later = census_services.import_file(
        by=alice, unit=township_b, data=census_csv(row(5103, "板桥戊运输有限公司", "板桥镇", members=6)),
        file_name="补报.csv",
    ).batch  # fmt: skip
    with pytest.raises(ServiceError, match=rf"不能重新打开.*#{batch.pk}.*#{later.pk}"):
        services.reopen_submission(by=alice, submission=sub, reason="核实", expected_version=sub.version)
    sub = fresh(sub)
    assert sub.state == SubmissionState.APPROVED and sub.register_batch == batch
    assert fresh(batch).status == BatchStatus.APPLIED and _names(township_b) == B_NAMES
    assert not AuditRecord.objects.filter(action__in=["campaigns.reopen", "revert"]).exists()


def test_reopen_is_refused_when_an_organization_was_edited_since(sub_b, carol, alice, township_b, stage, client):
    sub = _approved(sub_b, carol, alice, stage)
    bing = Organization.objects.get(name="板桥丙建材有限公司")
    registry_services.update_organization(
        by=alice,
        organization=bing,
        data=registry_services.OrganizationData(
            name=bing.name, category=bing.category, org_type=bing.org_type, township=township_b, uscc=bing.uscc,
            department=bing.department, address="板桥镇新街1号",
        ),
        expected_version=bing.version,
    )  # fmt: skip
    client.force_login(alice)
    response = client.post(
        reverse("campaigns:submission_transition", args=[sub.pk]),
        {"action": "reopen", "reason": "核实", "version": sub.version},
        follow=True,
    )
    page = response.content.decode()
    assert "不能重新打开" in page and "板桥丙建材有限公司" in page
    assert fresh(sub).state == SubmissionState.APPROVED and _names(township_b) == B_NAMES
    assert fresh(bing).address == "板桥镇新街1号"


def test_reopening_a_department_submission_reverts_nothing(sub_b, sub_x, carol, dave, alice, stage):
    stage(sub_b, carol, B_FILE)
    entry = fresh(sub_b).entries.get(name="板桥丙建材有限公司")
    services.confirm_entry(by=dave, submission=sub_x, entry=entry, verdict="confirmed")
    _approved(sub_b, carol, alice, stage)
    x = services.submit_submission(by=dave, submission=fresh(sub_x), expected_version=fresh(sub_x).version)
    x = services.approve_submission(by=alice, submission=x, expected_version=x.version)
    x = services.reopen_submission(by=alice, submission=x, reason="补充意见", expected_version=x.version)
    assert x.state == SubmissionState.IN_PROGRESS
    assert fresh(sub_b).register_batch.status == BatchStatus.APPLIED


# --- 3. One audit record per transition, with its own action ---------------------------------------


def _records_since(pk):
    return list(AuditRecord.objects.filter(pk__gt=pk, object_type="campaigns.submission").order_by("pk"))


def _last_pk():
    last = AuditRecord.objects.order_by("-pk").first()
    return last.pk if last else 0


def test_each_transition_writes_one_record_with_its_action(sub_b, carol, alice, stage):
    mark = _last_pk()
    stage(sub_b, carol, B_FILE)
    assert [(r.action, r.changes.get("state")) for r in _records_since(mark)] == [
        ("campaigns.start", ["not_started", "in_progress"]),
        ("campaigns.stage", None),
    ]
    stage_record = _records_since(mark)[1]
    assert stage_record.changes["rows"] == 3 and stage_record.changes["file"] == "摸底表.csv"

    steps = [
        ("campaigns.submit", lambda s: services.submit_submission(by=carol, submission=s, expected_version=s.version)),
        (
            "campaigns.return",
            lambda s: services.return_submission(by=alice, submission=s, reason="补态度", expected_version=s.version),
        ),
    ]
    for action, step in steps:
        mark = _last_pk()
        step(fresh(sub_b))
        [record] = _records_since(mark)
        assert record.action == action

    entry = fresh(sub_b).entries.get(name="板桥丁养殖有限公司")
    mark = _last_pk()
    services.update_entry(by=carol, entry=entry, values={"owner_attitude": "一般"}, expected_version=entry.version)
    [record] = _records_since(mark)
    assert (record.action, record.changes["state"]) == ("campaigns.edit_again", ["returned", "in_progress"])

    sub = services.submit_submission(by=carol, submission=fresh(sub_b), expected_version=fresh(sub_b).version)
    mark = _last_pk()
    sub = services.approve_submission(by=alice, submission=sub, expected_version=sub.version)
    [record] = _records_since(mark)
    assert record.action == "campaigns.approve" and record.changes["register_batch"] == sub.register_batch_id
    mark = _last_pk()
    services.reopen_submission(by=alice, submission=sub, reason="复核", expected_version=sub.version)
    [record] = _records_since(mark)
    assert record.action == "campaigns.reopen" and record.changes["reason"] == "复核"
    # A refused transition writes nothing.
    mark = _last_pk()
    with pytest.raises(ServiceError):
        services.approve_submission(by=alice, submission=fresh(sub_b), expected_version=fresh(sub_b).version)
    assert _records_since(mark) == []


def test_an_approval_that_deregisters_closes_the_plan_and_reopening_reopens_it(sub_b, carol, alice, township_b, stage):
    """Approval writes through the census import, which closes the plan of an organization the
    file deregisters and keeps it on the batch; reopening the submission reverts the batch."""
    from liangxin.formation.models import FormationPlan
    from liangxin.testing.factories import ready_plan

    census_services.import_file(
        by=alice, unit=township_b, data=census_csv(row(5103, "板桥戊运输有限公司", "板桥镇", members=3)),
        file_name="旧.csv", as_of=dt.date(2026, 10, 1),
    )  # fmt: skip
    wu = Organization.objects.get(name="板桥戊运输有限公司")
    plan = ready_plan(by=alice, organization=wu, planned_date=dt.date(2027, 6, 30))
    gone = census_csv(row(5103, "板桥戊运输有限公司", "板桥镇").replace("正常经营", "注销"))
    sub = _approved(sub_b, carol, alice, stage, data=gone)
    assert FormationPlan.objects.get(pk=plan.pk).status == "cancelled"
    assert sub.register_batch.closed_plans == [[plan.pk, "planned"]]
    services.reopen_submission(by=alice, submission=sub, reason="未注销", expected_version=sub.version)
    assert FormationPlan.objects.get(pk=plan.pk).status == "planned"
