"""The audit pages read in Chinese and in the county's time: labels for object types, fields and
coded values; personal values masked as on the other pages. Exports keep the codes."""

from __future__ import annotations

import datetime as dt
import json
import re

from django.utils import timezone

from liangxin.accounts import services as account_services
from liangxin.audit import display
from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.audit.services import log_change
from liangxin.core.dates import today
from liangxin.formation import services as formation_services
from liangxin.registry import services as registry_services
from liangxin.registry.choices import MemberStatus
from liangxin.testing.audit import unprotected
from liangxin.testing.factories import PASSWORD, ready_plan, valid_id_number

LIST = "/audit/"


def detail(client, record):
    return client.get(f"{LIST}{record.pk}/").content.decode()


def table_text(html):
    """The page's text outside tags, attributes and links (codes may stay in URLs)."""
    return re.sub(r"<[^>]+>", " ", html)


def test_codes_become_labels_on_the_list_and_the_detail(client, auditor, alice, sysadm, bob, org_in_a):
    log_change(actor=bob, action=AuditAction.LOGIN, obj=bob, changes={"two_factor": [None, "totp"]})
    plan = ready_plan(by=bob, organization=org_in_a, planned_date=today() + dt.timedelta(days=30))
    formation_services.start_preparing(by=bob, plan=plan)
    account_services.set_active(by=sysadm, target=bob, active=False)
    client.force_login(auditor)

    listing = table_text(client.get(LIST).content.decode())
    for code in ("accounts.user", "formation.formationplan", "two_factor", "is_active", "status"):
        assert code not in listing, code
    assert "用户" in listing and "两步验证" in listing and "有效" in listing

    login = AuditRecord.objects.get(action=AuditAction.LOGIN, actor=bob)
    text = table_text(detail(client, login))
    assert "两步验证" in text and "身份验证器动态码" in text
    assert "two_factor" not in text and "totp" not in text and "accounts.user" not in text

    started = AuditRecord.objects.filter(object_type="formation.formationplan").latest("pk")
    rows = {row.field: row for row in display.change_rows(started)}
    assert (rows["status"].label, rows["status"].old, rows["status"].new) == ("状态", "计划", "筹建中")
    assert (rows["transition"].label, rows["transition"].new) == ("状态变更", "开始筹建")
    text = table_text(detail(client, started))
    assert "preparing" not in text and "planned" not in text and "start" not in text

    disabled = AuditRecord.objects.get(action=AuditAction.DISABLE)
    assert [(r.label, r.old, r.new) for r in display.change_rows(disabled)] == [("有效", "是", "否")]
    assert "True" not in table_text(detail(client, disabled))


def test_times_in_a_record_are_shown_in_the_countys_time_zone(client, auditor, sysadm):
    user = account_services.create_user(by=sysadm, username="leader2", password=PASSWORD)
    record = AuditRecord.objects.get(action=AuditAction.CREATE, object_id=str(user.pk))
    stored = record.changes["date_joined"][1]
    assert stored.endswith("+00:00")  # kept in UTC in the record
    rows = {row.field: row for row in display.change_rows(record)}
    local = timezone.localtime(user.date_joined)
    assert rows["date_joined"].new == local.strftime("%Y-%m-%d %H:%M:%S")
    client.force_login(auditor)
    text = detail(client, record)
    assert "+00:00" not in text and local.strftime("%Y-%m-%d %H:%M:%S") in text
    # The role is labelled, the record's time is local too.
    assert "未分配角色" in text and timezone.localtime(record.at).strftime("%Y-%m-%d %H:%M:%S") in text


def test_exports_keep_the_codes(client, auditor, sysadm, bob):
    account_services.set_active(by=sysadm, target=bob, active=False)
    client.force_login(auditor)
    csv_text = b"".join(client.get(LIST, {"format": "csv"}).streaming_content).decode("utf-8")
    assert "accounts.user" in csv_text and ",disable," in csv_text
    assert '{""is_active"": [true, false]}' in csv_text


def _member(alice, branch_a, org_in_a, phone="13812345678"):
    return registry_services.create_member(
        by=alice,
        data=registry_services.MemberData(
            name="王五",
            id_number=valid_id_number(42, birth=dt.date(1990, 5, 17)),
            status=MemberStatus.FULL,
            admitted_on=dt.date(2015, 7, 1),
            full_membership_on=dt.date(2016, 7, 1),
            phone=phone,
        ),
        party_organization=branch_a,
        employer=org_in_a,
    )


def test_members_phone_and_birth_date_are_masked_in_the_record(client, auditor, alice, branch_a, org_in_a):
    member = _member(alice, branch_a, org_in_a)
    record = AuditRecord.objects.get(action=AuditAction.CREATE, object_id=str(member.pk), object_type="registry.member")
    logged = json.dumps(record.changes, ensure_ascii=False)
    assert record.changes["phone"] == [None, "138****5678"]
    assert record.changes["birth_date"] == [None, "1990"]
    assert "13812345678" not in logged and "1990-05-17" not in logged and "05-17" not in logged
    client.force_login(auditor)
    assert "13812345678" not in detail(client, record) and "138****5678" in detail(client, record)
    csv_text = b"".join(client.get(LIST, {"format": "csv"}).streaming_content).decode("utf-8")
    assert "王五" in csv_text and "13812345678" not in csv_text and "1990-05-17" not in csv_text


def test_a_record_written_before_masking_is_masked_on_the_pages(client, auditor, alice, branch_a, org_in_a):
    member = _member(alice, branch_a, org_in_a)
    old = AuditRecord.objects.get(action=AuditAction.CREATE, object_id=str(member.pk), object_type="registry.member")
    with unprotected():  # what a record of the version before masking holds
        AuditRecord.objects.filter(pk=old.pk).update(
            changes={"phone": [None, "13812345678"], "birth_date": [None, "1990-05-17"]}
        )
    client.force_login(auditor)
    text = detail(client, old)
    assert "13812345678" not in text and "1990-05-17" not in text and "138****5678" in text and "1990" in text
    csv_text = b"".join(client.get(LIST, {"format": "csv"}).streaming_content).decode("utf-8")
    assert "13812345678" not in csv_text and "1990-05-17" not in csv_text
