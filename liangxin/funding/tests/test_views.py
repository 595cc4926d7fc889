"""The funding pages as each role uses them: what each sees (and does not), forms that write through
the services, bad input refused with its message and nothing written, exports audited."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from liangxin.audit.models import AuditRecord
from liangxin.core.dates import today
from liangxin.funding.models import Allocation, DuesBase, DuesPayment, LedgerEntry, RewardApplication
from liangxin.testing.responses import body_text, sent_bytes

D = Decimal


def _text(response):
    assert response.status_code == 200, response.status_code
    return body_text(response)


def _exports():
    return AuditRecord.objects.filter(action="export")


def test_the_summary_shows_each_role_its_own_scope(client, payments, alice, carol, sam, dave, branch_a, branch_b):
    client.force_login(alice)
    page = _text(client.get(reverse("funding:index"), {"year": 2026}))
    assert "罗雄街道" in page and "板桥镇" in page and branch_a.name in page and branch_b.name in page
    assert "欠交党费名单" in page and "4月、5月、6月" in page and "225.00" in page  # 王二 owes April–June to branch B
    client.force_login(carol)
    page = _text(client.get(reverse("funding:index"), {"year": 2026}))
    assert branch_b.name in page and branch_a.name not in page and "罗雄街道" not in page
    assert "王二" in page and "李三" in page and "张一" not in page and "225.00" not in page
    client.force_login(sam)
    page = _text(client.get(reverse("funding:index"), {"year": 2026}))
    assert branch_a.name in page and branch_b.name not in page
    client.force_login(dave)  # a department supervises organizations, not party organizations' funds
    assert client.get(reverse("funding:index")).status_code == 403


def test_a_summary_rows_figures_are_its_cells_in_the_headers_order():
    from liangxin.funding import ledger
    from liangxin.funding.selectors import SummaryRow
    from liangxin.funding.templatetags.funding import summary_figures

    by_kind = {
        ledger.ALLOCATION: D("3000"),
        ledger.DUES_RETURN: D("0"),
        ledger.REWARD: D("500"),
        ledger.SPENDING: D("1200.25"),
    }
    row = SummaryRow(
        label="罗雄街道",
        members=12,
        dues_paid=D("1250.5"),
        members_in_arrears=2,
        rewards_pending=1,
        ledger=ledger.YearTotals(year=2026, opening=D("100"), by_kind=by_kind),
    )
    html = str(summary_figures(row))
    # 党员数, 经费拨付, 党费留存返还, 以奖代补, 支出, 年末余额 (100 + 3,500 − 1,200.25),
    # 本年已交党费, 欠交人数, 待审批奖补
    assert html == "".join(
        f'<td class="num">{cell}</td>'
        for cell in ("12", "3,000.00", "0.00", "500.00", "1,200.25", "2,399.75", "1,250.50", "2", "1")
    )


def test_a_bad_year_falls_back_to_this_year_with_the_message(client, roster, alice):
    client.force_login(alice)
    page = _text(client.get(reverse("funding:index"), {"year": "99999"}))
    assert "2026年" in page and "2100" in page


def test_a_page_asked_for_no_year_says_in_its_year_box_which_year_it_shows_and_marks_its_tab(client, roster, alice):
    client.force_login(alice)
    response = client.get(reverse("funding:allocation"))
    html = response.content.decode()
    assert f'name="year" value="{today().year}"' in html
    assert f"{today().year}年" in body_text(response)
    current = [line for line in html.splitlines() if 'aria-current="page"' in line]
    assert len(current) == 1 and "经费拨付" in current[0]


def test_the_allocation_is_issued_from_its_page_and_exported_per_township_and_for_the_county(
    client, roster, alice, carol, lily, branch_a, branch_b
):
    client.force_login(lily)
    page = _text(client.get(reverse("funding:allocation"), {"year": 2026, "as_of": "2026-06-30"}))
    assert "测算,尚未拨付" in page and "含预备党员" in page and "确认拨付" not in page
    assert client.post(reverse("funding:allocation"), {"year": 2026}).status_code == 403
    client.force_login(alice)
    refused = _text(client.post(reverse("funding:allocation"), {"year": 2026, "as_of": "2026-08-01"}))
    assert "不能晚于今天" in refused and not Allocation.objects.exists()
    response = client.post(reverse("funding:allocation"), {"year": 2026, "as_of": "2026-06-30"})
    assert response.status_code == 302
    assert Allocation.objects.get().as_of == dt.date(2026, 6, 30)
    page = _text(client.get(reverse("funding:allocation"), {"year": 2026}))
    assert "已拨付" in page and "确认拨付" not in page
    # The county's workbook: its summary by township, then one sheet per township.
    response = client.get(reverse("funding:allocation_export"), {"year": 2026})
    wb = load_workbook(io.BytesIO(sent_bytes(response)))
    assert wb.sheetnames == ["全县汇总", "罗雄街道", "板桥镇"]
    summary = [row for row in wb["全县汇总"].iter_rows(values_only=True)]
    assert ("合计", None, 2, 4, 2, 200) in [tuple(r[:6]) for r in summary]
    assert any("含预备党员" in str(r[0]) for r in summary)
    township_rows = [r for r in wb["板桥镇"].iter_rows(values_only=True) if r[2] == branch_b.name]
    assert township_rows[0][4:8] == (2, 1, 50, 100)
    assert wb["板桥镇"].cell(row=4, column=8).number_format == "#,##0.00"
    # A township clerk's workbook is his township's sheet.
    client.force_login(carol)
    wb = load_workbook(io.BytesIO(sent_bytes(client.get(reverse("funding:allocation_export"), {"year": 2026}))))
    assert wb.sheetnames == ["板桥镇"]
    assert _exports().filter(object_type="funding.allocation").count() == 2


def test_dues_amounts_are_shown_to_the_secretary_and_county_admin_only(
    client, payments, alice, carol, sam, branch_a, branch_b
):
    client.force_login(carol)
    page = _text(client.get(reverse("funding:dues", args=[branch_b.pk]), {"year": 2026}))
    assert "王二" in page and "李三" in page and "✓" in page and "欠" in page
    # No member's month shows an amount (only the party organization's total does).
    assert '<td class="num">75.00</td>' not in page and "225.00" not in page
    client.force_login(alice)
    page = _text(client.get(reverse("funding:dues", args=[branch_b.pk]), {"year": 2026}))
    assert '<td class="num">75.00</td>' in page and "225.00" in page  # 王二's three months in arrears
    client.force_login(sam)
    page = _text(client.get(reverse("funding:dues", args=[branch_a.pk]), {"year": 2026}))
    assert "15.00" in page and "张一" in page
    # The export follows the same rule, and is audited.
    client.force_login(carol)
    text = body_text(client.get(reverse("funding:dues_export", args=[branch_b.pk]), {"year": 2026}))
    assert "王二" in text and "75" not in text.replace("2026", "")
    assert _exports().filter(object_type="funding.duespayment").count() == 1


def test_a_months_payments_are_recorded_from_the_page_and_bad_amounts_refused(client, payments, sam, branch_a):
    client.force_login(sam)
    url = reverse("funding:dues_record", args=[branch_a.pk])
    page = _text(client.get(url, {"month": "2026-06"}))
    assert "张一" in page and "15.00" in page  # the month's dues prefilled for his secretary
    zhang = payments["zhang"]
    before = DuesPayment.objects.count()
    refused = _text(client.post(url, {"month": "2026-06", "paid_on": "2026-07-01", f"amount_{zhang.pk}": "-15"}))
    assert "金额必须大于0" in refused and DuesPayment.objects.count() == before
    nothing = _text(client.post(url, {"month": "2026-06", "paid_on": "2026-07-01"}))
    assert "请至少为一名党员填写交纳金额" in nothing
    response = client.post(url, {"month": "2026-06", "paid_on": "2026-07-01", f"amount_{zhang.pk}": "15"})
    assert response.status_code == 302
    assert DuesPayment.objects.get(member=zhang, month=dt.date(2026, 6, 1)).amount == D("15.00")


def test_the_dues_base_is_masked_until_revealed_and_the_reveal_is_audited(client, roster, alice, sam, carol):
    zhang = roster["zhang"]
    client.force_login(sam)
    url = reverse("funding:dues_base", args=[zhang.pk])
    response = client.post(url, {"category": "salaried", "valid_from": "2026-01", "base": "3,000.01"})
    assert response.status_code == 302
    assert DuesBase.objects.get(member=zhang).base_encrypted.startswith("v1:")
    page = _text(client.get(url))
    assert "******" in page and "3,000.01" not in page and "30.00" in page
    revealed = _text(client.post(reverse("funding:dues_base_reveal", args=[zhang.pk])))
    assert "3,000.01" in revealed
    assert AuditRecord.objects.filter(action="funding.view_dues_base", actor=sam).count() == 1
    refused = _text(client.post(url, {"category": "salaried", "valid_from": "2026-02", "base": "0"}))
    assert "金额必须大于0" in refused and DuesBase.objects.filter(member=zhang).count() == 1
    client.force_login(carol)  # a township clerk: no dues bases at all
    assert client.get(url).status_code == 403


def test_spending_beyond_the_balance_is_refused_on_the_page(client, payments, alice, sam, branch_a):
    client.force_login(alice)
    client.post(reverse("funding:allocation"), {"year": 2026, "as_of": "2026-06-30"})
    client.force_login(sam)
    url = reverse("funding:ledger", args=[branch_a.pk])
    before = LedgerEntry.objects.count()
    page = _text(client.post(url, {"on": "2026-07-10", "amount": "100.01", "description": "活动"}))
    assert "超过经费余额 100.00 元" in page and LedgerEntry.objects.count() == before
    assert client.post(url, {"on": "2026-07-10", "amount": "60", "description": "学习资料"}).status_code == 302
    page = _text(client.get(url, {"year": 2026}))
    assert "学习资料" in page and "40.00" in page
    workbook = body_text(client.get(reverse("funding:ledger_export", args=[branch_a.pk]), {"year": 2026}))
    assert "学习资料" in workbook and "年初余额" in workbook


def test_a_reward_is_applied_for_with_evidence_and_decided_by_the_county(
    client, clock, carol, alice, branch_b, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(carol)
    url = reverse("funding:reward_create", args=[branch_b.pk])
    fields = {"kind": "activity_room", "title": "党员活动室", "description": "自建活动室30平方米", "amount": "6000"}
    refused = _text(client.post(url, {**fields, "file": SimpleUploadedFile("照片.jpg", b"%PDF-1.4\n%%EOF")}))
    assert "文件内容是 PDF,与扩展名“.jpg”不符" in refused and not RewardApplication.objects.exists()
    photo = b"\xff\xd8\xff\xe0" + b"0" * 100
    response = client.post(url, {**fields, "file": SimpleUploadedFile("照片.jpg", photo, "image/jpeg")})
    reward = RewardApplication.objects.get()
    assert response.status_code == 302 and reward.evidence_kind == "jpeg"
    download = client.get(reverse("funding:reward_evidence_export", args=[reward.pk]))
    assert download["Content-Type"] == "image/jpeg" and download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == photo
    assert _exports().filter(object_type="funding.rewardapplication").count() == 1
    assert client.post(reverse("funding:reward_detail", args=[reward.pk]), {"decision": "approved"}).status_code == 403
    client.force_login(alice)
    detail = reverse("funding:reward_detail", args=[reward.pk])
    page = _text(client.post(detail, {"decision": "approved", "amount": "6000.01"}))
    assert "不超过申请金额 6000.00 元" in page
    page = _text(client.post(detail, {"decision": "rejected", "note": ""}))
    assert "驳回须写明原因" in page
    assert client.post(detail, {"decision": "approved", "amount": "5000", "note": "核定"}).status_code == 302
    reward.refresh_from_db()
    assert reward.status == "approved" and LedgerEntry.objects.get(reward=reward).amount == D("5000.00")


@pytest.mark.parametrize(
    ("amount", "says"), [("-1", "金额不能为负数"), ("1.234", "最多两位小数"), ("abc", "请输入金额")]
)
def test_activity_funds_refuse_bad_amounts(client, clock, carol, org_in_b, amount, says):
    client.force_login(carol)
    url = reverse("funding:activity_fund_record", args=[org_in_b.pk])
    page = _text(client.post(url, {"year": 2025, "amount": amount}))
    assert says in page
    assert not AuditRecord.objects.filter(object_type="funding.activityfundbooking").exists()


def test_activity_funds_list_flags_those_outside_the_range(client, clock, carol, org_in_b):
    from liangxin.funding import services
    from liangxin.registry.choices import FactSource
    from liangxin.registry.models import OrganizationFacts

    org_in_b.facts.all().delete()
    OrganizationFacts.objects.create(
        organization=org_in_b, valid_from=dt.date(2025, 1, 1), payroll=D("100"), source=FactSource.EDIT
    )
    services.record_activity_fund(by=carol, organization=org_in_b, year=2025, amount=D("30000"))
    client.force_login(carol)
    page = _text(client.get(reverse("funding:activity_funds"), {"year": 2025, "status": "above"}))
    assert org_in_b.name in page and "高于上限" in page and "3.00%" in page
    assert org_in_b.name not in _text(client.get(reverse("funding:activity_funds"), {"year": 2025, "status": "within"}))


def test_activity_funds_are_listed_a_page_at_a_time(client, settings, alice, township_a):
    """A county has a thousand organizations: the page lists PAGE_SIZE of them and a pager."""
    from liangxin.testing.factories import OrganizationFactory

    settings.PAGE_SIZE = 2
    names = sorted(OrganizationFactory(township=township_a, name=f"分页测试{n}有限公司").name for n in range(3))
    client.force_login(alice)
    first = _text(client.get(reverse("funding:activity_funds"), {"year": 2026, "township": township_a.pk}))
    assert "共 3 个组织" in first and "第 1 / 2 页" in first
    second = _text(client.get(reverse("funding:activity_funds"), {"year": 2026, "township": township_a.pk, "page": 2}))
    shown = [[n for n in names if n in page] for page in (first, second)]
    assert len(shown[0]) == 2 and len(shown[1]) == 1 and set(shown[0] + shown[1]) == set(names)


def test_the_summarys_queries_do_not_grow_with_party_organizations_and_members(
    client, payments, alice, township_a, township_b
):
    """The county's summary reads the dues, ledgers and allocations of every party organization
    in a fixed number of queries, however many there are (no query per party organization or
    member)."""
    from liangxin.funding.tests.conftest import _member, pay
    from liangxin.testing.factories import PartyOrganizationFactory

    client.force_login(alice)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("funding:index"), {"year": 2026}).status_code == 200
        return len(captured)

    before = queries()
    for i, township in enumerate((township_a, township_b, township_b)):
        branch = PartyOrganizationFactory(name=f"新增党支部{i}", township=township)
        members = [_member(f"新党员{i}{j}", [(branch, dt.date(2020, 1, 1), None)]) for j in range(3)]
        pay(alice, branch, members[:2], dt.date(2026, 2, 1), "10.00")
    page = _text(client.get(reverse("funding:index"), {"year": 2026}))
    assert "新增党支部2" in page and "新党员22" in page  # the new members are in the summary (in arrears)
    assert queries() == before
