"""The audit log pages: only the audit administrator, filters, the diff and chain check, exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zoneinfo

import pytest
from openpyxl import load_workbook

from liangxin.accounts import services as account_services
from liangxin.accounts.roles import Role
from liangxin.audit import services as audit_services
from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.testing.audit import unprotected
from liangxin.testing.factories import PASSWORD, UserFactory, member_through_service, valid_id_number
from liangxin.testing.responses import sent_bytes

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
LIST = "/audit/"


def make_user(**kwargs):
    # Unannotated on purpose: mypy reads factory_boy's call as the factory, not the model.
    return UserFactory(**kwargs)


def log_at(monkeypatch, when, **kwargs):
    """Write a record as if at ``when`` (the chain is written only through ``log_change``)."""
    with monkeypatch.context() as m:
        m.setattr(audit_services.timezone, "now", lambda: when)
        return audit_services.log_change(**kwargs)


def reprs(response):
    return [r.object_repr for r in response.context["page_obj"]]


@pytest.fixture
def history(alice, sysadm, township_a):
    """A few real records: an account created by the system admin, a former clerk disabled by
    him, a failed login."""
    created = account_services.create_user(by=sysadm, username="leader2", password=PASSWORD, full_name="县领导 赵")
    clerk = make_user(username="clerk_old", role=Role.TOWNSHIP_CLERK, township=township_a)
    account_services.set_active(by=sysadm, target=clerk, active=False)
    audit_services.log_change(
        actor=None, action=AuditAction.LOGIN_FAILED, object_type="accounts.user", object_repr="mallory"
    )
    return created


# --- Access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["alice", "sysadm", "secadm", "bob", "carol", "lily", "sam", "dave"])
def test_only_the_audit_administrator_reads_the_log(client, request, history, name):
    client.force_login(request.getfixturevalue(name))
    record = AuditRecord.objects.first()
    assert client.get(LIST).status_code == 403
    assert client.get(LIST, {"format": "xlsx"}).status_code == 403
    assert client.get(LIST, {"format": "csv"}).status_code == 403
    assert client.get(f"{LIST}{record.pk}/").status_code == 403
    assert not AuditRecord.objects.filter(action=AuditAction.EXPORT).exists()


def test_auditor_sees_every_record_newest_first(client, auditor, history):
    client.force_login(auditor)  # itself a record: the auditor's login
    response = client.get(LIST)
    assert response.status_code == 200
    assert reprs(response) == ["auditor", "mallory", "clerk_old", "县领导 赵"]
    content = response.content.decode()
    assert "登录失败" in content and "停用" in content and "新增" in content
    assert "共 4 条记录" in content


def test_unknown_record_is_404(client, auditor):
    client.force_login(auditor)
    assert client.get(f"{LIST}999999/").status_code == 404


# --- Filters --------------------------------------------------------------------------------------


def test_filter_by_action_actor_object_type_and_text(client, auditor, history):
    client.force_login(auditor)
    assert reprs(client.get(LIST, {"action": AuditAction.DISABLE})) == ["clerk_old"]
    assert reprs(client.get(LIST, {"actor": "SYSADM"})) == ["clerk_old", "县领导 赵"]
    assert reprs(client.get(LIST, {"q": "领导"})) == ["县领导 赵"]
    assert reprs(client.get(LIST, {"object_type": "accounts.user", "action": AuditAction.LOGIN_FAILED})) == ["mallory"]
    clerk = AuditRecord.objects.get(action=AuditAction.DISABLE)
    assert reprs(client.get(LIST, {"object_type": "accounts.user", "object_id": clerk.object_id})) == ["clerk_old"]
    response = client.get(LIST, {"object_type": "accounts.user"})
    assert len(reprs(response)) == 4
    # The choice is labelled with the model's name, the code only in the query string.
    assert ("accounts.user", "用户") in response.context["form"].fields["object_type"].choices


def test_filter_by_date_range_uses_the_countys_days(client, monkeypatch, auditor):
    # 23:30 on 1 March in Shanghai is 15:30 UTC; 00:10 on 2 March is still 1 March in UTC.
    for label, local in [
        ("feb-28", dt.datetime(2026, 2, 28, 12, 0)),
        ("mar-01-early", dt.datetime(2026, 3, 1, 0, 5)),
        ("mar-01-late", dt.datetime(2026, 3, 1, 23, 30)),
        ("mar-02", dt.datetime(2026, 3, 2, 0, 10)),
    ]:
        log_at(
            monkeypatch,
            local.replace(tzinfo=SHANGHAI).astimezone(dt.UTC),
            actor=None,
            action=AuditAction.UPDATE,
            object_type="geo.department",
            object_repr=label,
        )
    client.force_login(auditor)
    one_day = {"date_from": "2026-03-01", "date_to": "2026-03-01"}
    assert reprs(client.get(LIST, one_day)) == ["mar-01-late", "mar-01-early"]
    assert reprs(client.get(LIST, {"date_to": "2026-02-28"})) == ["feb-28"]
    assert reprs(client.get(LIST, {"date_from": "2026-03-02", "object_type": "geo.department"})) == ["mar-02"]


def test_a_reversed_date_range_is_reported(client, auditor, history):
    client.force_login(auditor)
    response = client.get(LIST, {"date_from": "2026-03-02", "date_to": "2026-03-01"})
    assert response.context["form"].errors["date_to"] == ["截止日期不能早于起始日期。"]
    assert "截止日期不能早于起始日期。" in response.content.decode()


def test_pages_keep_the_filters(client, settings, auditor, monkeypatch):
    settings.PAGE_SIZE = 2
    for n in range(5):
        audit_services.log_change(
            actor=None, action=AuditAction.UPDATE, object_type="geo.department", object_repr=f"d{n}"
        )
    client.force_login(auditor)
    response = client.get(LIST, {"object_type": "geo.department", "page": 2})
    assert reprs(response) == ["d2", "d1"]
    content = response.content.decode()
    assert "object_type=geo.department&amp;page=3" in content
    assert "object_type=geo.department&amp;format=xlsx" in content  # export keeps filters, drops the page


def test_list_query_count_is_bounded(client, django_assert_max_num_queries, auditor, alice, township_a):
    for n in range(30):
        audit_services.log_change(
            actor=alice,
            action=AuditAction.UPDATE,
            object_type="accounts.user",
            object_id=str(n),
            object_repr=f"账号{n}",
            changes={"phone": ["", f"1380000{n:04d}"]},
        )
    client.force_login(auditor)
    with django_assert_max_num_queries(7):
        response = client.get(LIST)
    assert len(response.context["page_obj"]) == 31
    assert response.content.decode().count("alice") == 30


# --- Detail ---------------------------------------------------------------------------------------


def test_detail_shows_the_diff_and_the_chain(client, auditor, history):
    client.force_login(auditor)
    record = AuditRecord.objects.get(action=AuditAction.CREATE)
    response = client.get(f"{LIST}{record.pk}/")
    rows = {row.field: row for row in response.context["rows"]}
    assert rows["role"].label == "角色" and rows["role"].old == "—" and rows["role"].new == "未分配角色"
    assert rows["full_name"].new == "县领导 赵"
    assert "password" not in rows
    content = response.content.decode()
    assert record.hash in content and record.prev_hash in content
    assert response.context["check"].hash_ok and response.context["check"].link_ok
    assert "不一致" not in content

    disable = AuditRecord.objects.get(action=AuditAction.DISABLE)
    rows = client.get(f"{LIST}{disable.pk}/").context["rows"]
    assert [(r.label, r.old, r.new) for r in rows] == [("有效", "是", "否")]


def test_detail_flags_a_tampered_record_and_its_successor(client, auditor, history):
    created = AuditRecord.objects.get(action=AuditAction.CREATE)
    # Someone edits the database directly: the hash no longer matches the content...
    with unprotected():
        AuditRecord.objects.filter(pk=created.pk).update(object_repr="改过的")
    client.force_login(auditor)
    check = client.get(f"{LIST}{created.pk}/").context["check"]
    assert not check.hash_ok and check.link_ok
    # ...and deleting a record breaks the link of the one after it.
    following = AuditRecord.objects.filter(pk__gt=created.pk).order_by("pk").first()
    with unprotected():
        AuditRecord.objects.filter(pk=created.pk).delete()
    response = client.get(f"{LIST}{following.pk}/")
    assert response.context["check"].hash_ok and not response.context["check"].link_ok
    assert "前一条记录可能被改动或删除" in response.content.decode()


# --- Export ---------------------------------------------------------------------------------------


def test_xlsx_export_of_the_filtered_list_is_itself_audited(client, auditor, history):
    client.force_login(auditor)
    response = client.get(
        LIST, {"object_type": "accounts.user", "action": AuditAction.CREATE, "format": "xlsx"}, REMOTE_ADDR="10.2.3.4"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(sent_bytes(response))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("编号", "时间", "操作人账号", "操作", "操作代码")
    assert len(rows) == 2
    # Codes as stored, for machines, the action's label beside its code.
    assert rows[1][2:8] == ("sysadm", "新增", "create", "accounts.user", str(history.pk), "县领导 赵")
    assert isinstance(rows[1][1], dt.datetime)
    assert json.loads(rows[1][8])["role"] == [None, Role.UNASSIGNED]

    export = AuditRecord.objects.get(action=AuditAction.EXPORT)
    assert export.actor == auditor and export.remote_addr == "10.2.3.4"
    assert export.changes["format"] == [None, "xlsx"]
    assert export.changes["rows"] == [None, 1]
    assert export.changes["filters"] == [None, {"object_type": "accounts.user", "action": "create"}]


def test_csv_export_neutralises_formulas(client, auditor, history):
    audit_services.log_change(
        actor=None, action=AuditAction.LOGIN_FAILED, object_type="accounts.user", object_repr="=HYPERLINK(1)"
    )
    client.force_login(auditor)
    response = client.get(LIST, {"action": AuditAction.LOGIN_FAILED, "format": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff编号,时间")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert [row[7] for row in rows[1:]] == ["'=HYPERLINK(1)", "mallory"]
    # The export's own record is not in the file it describes.
    assert AuditRecord.objects.get(action=AuditAction.EXPORT).changes["rows"] == [None, 2]


def test_an_oversized_export_is_refused_and_not_audited(client, settings, auditor, history):
    settings.EXPORT_MAX_ROWS = 2
    client.force_login(auditor)
    response = client.get(LIST, {"format": "xlsx", "q": ""}, follow=True)
    assert response.redirect_chain[0][0] == "/audit/?q="
    assert "超过单次导出上限 2 条" in response.content.decode()
    assert not AuditRecord.objects.filter(action=AuditAction.EXPORT).exists()


# --- No clear ID number anywhere ----------------------------------------------------------------


def test_member_creation_is_logged_without_the_clear_id_number(client, auditor, alice, branch_a, org_in_a):
    number = valid_id_number(42, birth=dt.date(1990, 5, 17))
    member = member_through_service(
        by=alice, name="王五", id_number=number, party_organization=branch_a, employer=org_in_a
    )
    record = AuditRecord.objects.get(action=AuditAction.CREATE, object_id=str(member.pk))
    logged = json.dumps(record.changes, ensure_ascii=False)
    assert number not in logged and number[6:14] not in logged  # not even the birth date digits in a row
    assert member.id_number_masked in logged
    assert "id_number_encrypted" not in record.changes and "id_number_hash" not in record.changes

    client.force_login(auditor)
    assert number not in client.get(f"{LIST}{record.pk}/").content.decode()
    csv_text = b"".join(client.get(LIST, {"format": "csv"}).streaming_content).decode("utf-8")
    assert "王五" in csv_text and number not in csv_text
