"""The census import pages through the Django test client: upload → preview → confirm → revert,
problems and their filters, column mapping remembered, stale preview, scoping."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from liangxin.audit.models import AuditRecord
from liangxin.census import services
from liangxin.census.models import BatchStatus, ColumnMapping, ImportBatch, ImportJob, PreviewChange
from liangxin.core.dates import today
from liangxin.registry.models import Organization, OrganizationFacts

from .conftest import fixture_bytes

BEE = "91530324MA6K3BQ103"


def _upload(client, unit, name="canonical.xlsx", data=None, as_of=None, follow=False):
    upload = SimpleUploadedFile(name, fixture_bytes(name) if data is None else data)
    return client.post(
        reverse("census:index"),
        {"unit": unit.pk, "as_of": (as_of or today()).isoformat(), "file": upload},
        follow=follow,
    )


def _latest_batch() -> ImportBatch:
    return ImportBatch.objects.order_by("-pk")[0]


def _text(response) -> str:
    return response.content.decode()


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _xlsx_text(data: bytes) -> str:
    wb = load_workbook(io.BytesIO(data))
    return "\n".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row)


def _service_import(user, unit, name="canonical.xlsx"):
    return services.import_file(by=user, unit=unit, data=fixture_bytes(name), file_name=name, as_of=today())


# --- The whole way ------------------------------------------------------------------------------


def test_upload_preview_confirm_revert(client, alice, census_county):
    county = census_county["county"]
    _service_import(alice, county)
    bee = Organization.objects.get(uscc=BEE)
    OrganizationFacts.objects.filter(organization=bee).update(employees=100)
    client.force_login(alice)

    page = client.get(reverse("census:index"))
    assert page.status_code == 200
    assert "下载模板" in _text(page) and "上传并预览" in _text(page)

    response = _upload(client, county)
    batch = _latest_batch()
    assert response.status_code == 302 and response["Location"] == batch.get_absolute_url()
    assert batch.status == BatchStatus.PREVIEWED and batch.created_by == alice

    page = client.get(batch.get_absolute_url())
    html = _text(page)
    assert page.status_code == 200
    # What was recognised: sheet, header row, each column's mapping.
    assert "工作表“摸底表”,第 1 行是表头,共 4 行数据" in html
    rows = page.context["mapping_rows"]
    assert [(r["letter"], r["written"], r["key"]) for r in rows[:3]] == [
        ("A", "统一社会信用代码", "uscc"),
        ("B", "组织名称", "name"),
        ("C", "组织类别", "category"),
    ]
    # Counts and the diff: one organization changes, its employees 100 → 120.
    assert (batch.new_count, batch.changed_count, batch.unchanged_count, batch.rejected_count) == (0, 1, 3, 0)
    [change] = page.context["change_rows"]
    assert (change.row, change.kind, change.name, change.organization_id) == (
        2,
        "changed",
        "罗平县蜂业有限公司",
        bee.pk,
    )
    assert [(f.label, f.old, f.new) for f in change.fields] == [("从业人员数", "100", "120")]
    assert "<del>100</del> → <ins>120</ins>" in html
    # Row 4, an individual business without a credit code, is what the register holds: its
    # warning (uscc_missing_individual) is not repeated, the preview counts it as unchanged.
    assert page.context["problem_count"] == 0 and batch.warning_count == 0
    assert not OrganizationFacts.objects.filter(organization=bee, employees=120).exists()  # a dry run

    response = client.post(reverse("census:batch_confirm", args=[batch.pk]), {"mode": "all_or_nothing"}, follow=True)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPLIED
    assert "导入完成:新增 0 个,变更 1 个,无变化 3 个,退回 0 行。" in _messages(response)
    assert bee.facts.get(valid_to__isnull=True).employees == 120
    html = _text(response)
    assert "导入的变更" in html and "撤销本批次" in html
    [change] = response.context["change_rows"]
    assert [(f.label, f.old, f.new) for f in change.fields] == [("从业人员数", "100", "120")]

    response = client.post(reverse("census:batch_revert", args=[batch.pk]), follow=True)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.REVERTED
    assert "已撤销本批次,登记册已恢复到导入前的数据。" in _messages(response)
    assert bee.facts.get(valid_to__isnull=True).employees == 100

    listing = client.get(reverse("census:batch_list"))
    assert batch.file_name in _text(listing) and "已撤销" in _text(listing)
    original = client.get(reverse("census:batch_original_export", args=[batch.pk]))
    assert original.content == fixture_bytes("canonical.xlsx")
    assert "canonical.xlsx" in original["Content-Disposition"]


def test_new_organizations_preview_lists_their_values(client, alice, census_county):
    client.force_login(alice)
    _upload(client, census_county["county"])
    batch = _latest_batch()
    assert batch.new_count == 4
    page = client.get(batch.get_absolute_url(), {"kind": "new"})
    names = [c.name for c in page.context["change_rows"]]
    assert names == ["罗平县蜂业有限公司", "罗平县蜂产业协会", "板桥镇小王餐馆", "马街镇恒达农机专业合作社"]
    bee = page.context["change_rows"][0]
    shown = {f.label: f.new for f in bee.fields}
    assert shown["所属乡镇"] == "罗雄街道" and shown["组织类别"] == "新经济组织"
    assert shown["行业主管部门"] == "县工商联" and shown["从业人员数"] == "120" and shown["是否规模以上"] == "是"


def test_problem_table_filters_and_downloads(client, alice, census_county):
    client.force_login(alice)
    _upload(client, census_county["county"], "many_problems.xlsx")
    batch = _latest_batch()
    assert batch.error_count > 0 and batch.rejected_count > 0

    page = client.get(batch.get_absolute_url())
    assert page.context["problem_count"] == batch.error_count + batch.warning_count
    header_problems = {(r["p"].row, r["p"].column, r["p"].code) for r in page.context["problem_rows"][:2]}
    assert header_problems == {(1, "经度", "unknown_column"), (1, "企业名称", "duplicate_column")}

    # htmx: only the problem table, filtered by code.
    partial = client.get(
        batch.get_absolute_url(), {"code": "uscc_checksum"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="problems"
    )
    html = _text(partial)
    assert "<h1>" not in html
    [row] = partial.context["problem_rows"]
    assert (row["p"].row, row["p"].value) == (3, "91530324MA6K3BQ10X")
    assert "91530324MA6K3BQ10X" in html

    warnings = client.get(batch.get_absolute_url(), {"severity": "warning"})
    assert {r["p"].severity for r in warnings.context["problem_rows"]} == {"warning"}
    assert warnings.context["problem_count"] == batch.warning_count

    choice = client.get(batch.get_absolute_url(), {"code": "invalid_choice"})
    suggestions = {r["p"].value: r["suggestion"] for r in choice.context["problem_rows"]}
    assert suggestions["个休工商户"] == "改为“个体工商户”。"

    annotated = client.get(reverse("census:batch_annotated_export", args=[batch.pk]))
    assert annotated.status_code == 200
    wb = load_workbook(io.BytesIO(annotated.content))
    comments = [c.comment.text for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.comment]
    assert any("校验位" in text for text in comments)

    rejected = client.get(reverse("census:batch_rejected_export", args=[batch.pk]))
    assert rejected.status_code == 200
    assert "不详" in _xlsx_text(rejected.content)
    # Both downloads are one export (views._workbook_export): named after the file, audited with
    # what was taken and how many rows.
    assert "many_problems_%E9%97%AE%E9%A2%98%E6%A0%87%E6%B3%A8.xlsx" in annotated["Content-Disposition"]
    assert "many_problems_%E9%80%80%E5%9B%9E%E8%A1%8C.xlsx" in rejected["Content-Disposition"]
    exports = AuditRecord.objects.filter(action="export", object_type="census.importbatch").order_by("pk")
    assert [(r.changes["filters"]["file"], r.changes["rows"]) for r in exports] == [
        ("annotated", batch.rows_total),
        ("rejected", batch.rejected_count),
    ]


def test_errors_refuse_all_or_nothing_and_accept_valid_keeps_a_rejected_list(client, alice, census_county):
    client.force_login(alice)
    _upload(client, census_county["county"], "many_problems.xlsx")
    batch = _latest_batch()
    url = reverse("census:batch_confirm", args=[batch.pk])

    response = client.post(url, {"mode": "all_or_nothing"}, follow=True)
    assert any("没有导入任何数据" in m for m in _messages(response))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEWED
    assert not Organization.objects.exists()

    response = client.post(url, {"mode": "accept_valid"}, follow=True)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPLIED and batch.mode == "accept_valid"
    assert Organization.objects.count() == batch.new_count > 0
    assert "下载退回行" in _text(response)


# --- Column mapping -----------------------------------------------------------------------------


def _own_headers_file() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "摸底"
    ws.append(["单位的法定全称", "统一社会信用代码", "组织类别", "组织类型", "所属乡镇", "从业人员数"])
    ws.append(["罗平县蜂业有限公司", BEE, "新经济组织", "有限责任公司", "罗雄街道", 12])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_a_corrected_column_mapping_is_remembered_for_the_units_next_file(client, bob, census_county):
    client.force_login(bob)
    luoxiong = census_county["luoxiong"]
    _upload(client, luoxiong, "own_headers.xlsx", data=_own_headers_file())
    first = _latest_batch()
    assert first.problems.filter(code="required_column_missing").exists()
    page = client.get(first.get_absolute_url())
    rows = page.context["mapping_rows"]
    assert (rows[0]["written"], rows[0]["key"]) == ("单位的法定全称", None)
    assert "未识别" in _text(page)

    choices = {f"col_{i}": (r["key"] or "") for i, r in enumerate(rows)}
    choices["col_0"] = "name"
    response = client.post(reverse("census:batch_mapping", args=[first.pk]), choices)
    second = _latest_batch()
    assert response.status_code == 302 and response["Location"] == second.get_absolute_url()
    assert not ImportBatch.objects.filter(pk=first.pk).exists()  # the wrong preview is replaced
    assert not second.problems.filter(code="required_column_missing").exists()
    assert second.new_count == 1
    assert second.preview_changes.get().name == "罗平县蜂业有限公司"
    remembered = ColumnMapping.objects.get(unit=luoxiong)
    assert (remembered.written, remembered.key, remembered.updated_by) == ("单位的法定全称", "name", bob)

    # The next file of the unit, with the header spaced differently, is mapped at once.
    data = _own_headers_file().replace(b"x", b"x")  # same content
    _upload(client, luoxiong, "next_year.xlsx", data=data)
    third = _latest_batch()
    assert third.pk != second.pk
    assert third.new_count == 1 and not third.problems.filter(code="required_column_missing").exists()
    page = client.get(third.get_absolute_url())
    assert page.context["mapping_rows"][0]["key"] == "name"
    assert "本单位指定" in _text(page)

    # Another unit does not inherit it.
    assert ColumnMapping.objects.filter(unit=census_county["banqiao"]).count() == 0


def test_a_mapping_that_would_change_the_unit_is_refused(client, alice, census_county):
    client.force_login(alice)
    wb = Workbook()
    ws = wb.active
    ws.append(["组织名称", "组织类别", "所属乡镇", "统一社会信用代码", "工资总额(元)"])
    ws.append(["罗平县蜂业有限公司", "新经济组织", "罗雄街道", BEE, 3505000])
    buffer = io.BytesIO()
    wb.save(buffer)
    _upload(client, census_county["county"], "yuan.xlsx", data=buffer.getvalue())
    batch = _latest_batch()
    rows = client.get(batch.get_absolute_url()).context["mapping_rows"]
    choices = {f"col_{i}": (r["key"] or "") for i, r in enumerate(rows)}
    choices["col_4"] = "payroll"
    response = client.post(reverse("census:batch_mapping", args=[batch.pk]), choices)
    assert response.status_code == 400
    assert "单位是“元”" in _text(response)
    assert ImportBatch.objects.filter(pk=batch.pk).exists() and not ColumnMapping.objects.exists()


# --- Stale preview, later batches ---------------------------------------------------------------


def test_a_stale_preview_is_refused_with_the_new_preview(client, alice, census_county):
    county = census_county["county"]
    _service_import(alice, county)
    client.force_login(alice)
    _upload(client, county)
    batch = _latest_batch()
    assert batch.unchanged_count == 4 and not batch.preview_changes.exists()

    bee = Organization.objects.get(uscc=BEE)
    OrganizationFacts.objects.filter(organization=bee).update(employees=7)  # somebody else, meanwhile
    response = client.post(reverse("census:batch_confirm", args=[batch.pk]), {"mode": "all_or_nothing"}, follow=True)
    assert any("已重新生成预览" in m for m in _messages(response))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEWED and batch.changed_count == 1
    [change] = response.context["change_rows"]
    assert [(f.label, f.old, f.new) for f in change.fields] == [("从业人员数", "7", "120")]
    assert bee.facts.get(valid_to__isnull=True).employees == 7  # nothing written

    client.post(reverse("census:batch_confirm", args=[batch.pk]), {"mode": "all_or_nothing"})
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPLIED
    assert bee.facts.get(valid_to__isnull=True).employees == 120


def test_revert_is_refused_after_a_later_batch(client, alice, census_county):
    county = census_county["county"]
    client.force_login(alice)
    _upload(client, county)
    first = _latest_batch()
    client.post(reverse("census:batch_confirm", args=[first.pk]), {"mode": "all_or_nothing"})
    OrganizationFacts.objects.filter(organization__uscc=BEE).update(employees=1)
    _upload(client, county)
    second = _latest_batch()
    client.post(reverse("census:batch_confirm", args=[second.pk]), {"mode": "all_or_nothing"})
    second.refresh_from_db()
    assert second.status == BatchStatus.APPLIED

    response = client.post(reverse("census:batch_revert", args=[first.pk]), follow=True)
    assert any(m.startswith(f"不能撤销:后来的导入批次(#{second.pk})") for m in _messages(response))
    first.refresh_from_db()
    assert first.status == BatchStatus.APPLIED
    assert Organization.objects.count() == 4


def test_a_clerk_may_not_revert_after_seven_days(client, bob, census_county):
    import datetime as dt

    from django.utils import timezone

    client.force_login(bob)
    _upload(client, census_county["luoxiong"], "own_headers.xlsx", data=_own_headers_file())
    batch = _latest_batch()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.APPLIED, applied_at=timezone.now() - dt.timedelta(days=8)
    )
    page = client.get(batch.get_absolute_url())
    assert "只有县级管理员,或本单位在导入后 7 天内,可以撤销" in _text(page)
    response = client.post(reverse("census:batch_revert", args=[batch.pk]), follow=True)
    assert any(m.startswith("不能撤销:只有县级管理员") for m in _messages(response))


# --- Scope and refusals -------------------------------------------------------------------------


def test_a_clerk_neither_sees_nor_reverts_another_townships_batch(client, bob, carol, census_county):
    banqiao = census_county["banqiao"]
    outcome = services.import_file(
        by=carol,
        unit=banqiao,
        data="组织名称,组织类别,所属乡镇,组织类型\n板桥镇小李餐馆,新经济组织,板桥镇,个体工商户\n".encode(),
        file_name="板桥.csv",
        as_of=today(),
    )
    batch = outcome.batch
    assert batch.status == BatchStatus.APPLIED
    client.force_login(bob)
    for name in (
        "census:batch_detail",
        "census:batch_original_export",
        "census:batch_annotated_export",
        "census:batch_rejected_export",
    ):
        assert client.get(reverse(name, args=[batch.pk])).status_code == 404, name
    for name in ("census:batch_revert", "census:batch_confirm", "census:batch_mapping"):
        assert client.post(reverse(name, args=[batch.pk]), {"mode": "all_or_nothing"}).status_code == 404, name
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPLIED
    assert "板桥.csv" not in _text(client.get(reverse("census:batch_list")))

    client.force_login(carol)
    assert "板桥.csv" in _text(client.get(reverse("census:batch_list")))


def test_roles_without_import_cannot_upload(client, dave, lily, county):
    for user in (dave, lily):
        client.force_login(user)
        assert client.get(reverse("census:index")).status_code == 403
        assert _upload(client, county).status_code == 403
        assert client.get(reverse("census:template_export"), {"unit": county.pk}).status_code == 403
    assert not ImportBatch.objects.exists()


def test_a_clerk_uploads_only_for_his_township(client, bob, census_county):
    client.force_login(bob)
    page = client.get(reverse("census:index"))
    assert [u.pk for u in page.context["form"].fields["unit"].queryset] == [census_county["luoxiong"].pk]
    response = _upload(client, census_county["banqiao"])
    assert response.status_code == 200
    assert "unit" in response.context["form"].errors
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("report.xlsx", b"%PDF-1.7\n%binary", "文件内容是 PDF,不是电子表格"),
        ("photo.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(200), "文件内容是 PNG,不是电子表格"),
        ("notes.docx", b"PK\x03\x04whatever", "不支持的文件类型"),
        ("empty.csv", b"", "空"),
    ],
)
def test_a_file_that_is_no_spreadsheet_is_refused_with_a_message(client, alice, census_county, name, data, message):
    client.force_login(alice)
    response = _upload(client, census_county["county"], name, data=data)
    assert response.status_code == 200
    assert any(message in e for e in response.context["form"].errors["file"])
    assert not ImportBatch.objects.exists()


def test_future_data_date_is_refused(client, alice, census_county):
    import datetime as dt

    client.force_login(alice)
    response = _upload(client, census_county["county"], as_of=today() + dt.timedelta(days=1))
    assert response.status_code == 200 and "as_of" in response.context["form"].errors


def test_template_download_is_prefilled_for_the_unit(client, alice, bob, census_county):
    _service_import(alice, census_county["county"])
    client.force_login(bob)
    response = client.get(reverse("census:template_export"), {"unit": census_county["luoxiong"].pk})
    assert response.status_code == 200
    text = _xlsx_text(response.content)
    assert "罗平县蜂业有限公司" in text and "板桥镇小王餐馆" not in text
    # Not another township's.
    response = client.get(reverse("census:template_export"), {"unit": census_county["banqiao"].pk})
    assert response.status_code == 302


def test_nav_links_to_the_import_for_importers_only(client, alice, bob, lily, census_county):
    for user, shown in ((alice, True), (bob, True), (lily, False)):
        client.force_login(user)
        html = _text(client.get(reverse("registry:organization_list")))
        assert ('href="/census/"' in html) is shown, user.username


def test_preview_changes_are_stored_only_for_new_and_changed(client, alice, census_county):
    _service_import(alice, census_county["county"])
    client.force_login(alice)
    _upload(client, census_county["county"])
    assert PreviewChange.objects.count() == 0


def test_the_import_pages_keep_to_the_content_security_policy(client, alice, census_county, settings):
    """No inline script, style attribute or event handler (the CSP forbids them), on the pages
    the URL walk of the security tests cannot reach without an object."""
    from liangxin.security.tests.test_pages_csp import problems_in

    client.force_login(alice)
    _upload(client, census_county["county"], "many_problems.xlsx")
    batch = _latest_batch()
    client.post(reverse("census:batch_confirm", args=[batch.pk]), {"mode": "accept_valid"})
    settings.IMPORT_SYNC_MAX_ROWS = 2
    _upload(client, census_county["county"])
    job = ImportJob.objects.get()
    pages = {
        "index": client.get(reverse("census:index")),
        "list": client.get(reverse("census:batch_list")),
        "batch": client.get(batch.get_absolute_url()),
        "problems": client.get(batch.get_absolute_url(), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="problems"),
        "job": client.get(job.get_absolute_url()),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert not problems_in(response.content.decode()), name


def test_problems_lead_with_their_chinese_title_name_the_organization_and_suggest_a_fix(client, alice, census_county):
    client.force_login(alice)
    _upload(client, census_county["county"], "many_problems.xlsx")
    batch = _latest_batch()
    page = client.get(batch.get_absolute_url(), {"code": "uscc_checksum"})
    [row] = page.context["problem_rows"]
    assert row["title"] == "信用代码校验不通过"
    assert row["p"].name  # the organization's name as written on that row
    html = _text(page)
    table = html[html.index('<table class="problems">') :]
    assert row["p"].name in table and "信用代码校验不通过" in table
    assert "对照营业执照逐位核对" in table  # the 建议 column, not "—"
    # The title comes before the code, which stays, small.
    assert table.index("信用代码校验不通过") < table.index('<small class="muted code">uscc_checksum</small>')
    # The filter offers the kinds by their Chinese titles.
    code_filter = html[html.index('name="code"') : html.index("</select>", html.index('name="code"'))]
    assert "信用代码校验不通过(" in code_filter and ">uscc_checksum" not in code_filter
    # Every row-level problem names its organization (but the one of a row without a name).
    everything = client.get(batch.get_absolute_url(), {"ppage": 1}).context["problem_rows"]
    assert [r["p"].row for r in everything if r["p"].row and r["p"].row > 1 and not r["p"].name] == [7]
    assert next(r for r in everything if r["p"].row == 9)["p"].name == "大河镇庚超市有限公司"
    assert all(r["suggestion"] for r in everything)


def test_the_confirm_step_explains_both_modes_and_defaults_to_the_valid_rows_after_rejected_ones(
    client, alice, census_county
):
    client.force_login(alice)
    _upload(client, census_county["county"], "many_problems.xlsx")
    batch = _latest_batch()
    assert batch.rejected_count > 0
    html = _text(client.get(batch.get_absolute_url()))
    confirm = html[html.index('id="confirm"') :]
    checked = re.search(r'<input[^>]*name="mode"[^>]*checked[^>]*>', confirm)
    assert checked is not None and 'value="accept_valid"' in checked[0]
    valid = batch.rows_total - batch.rejected_count
    assert f"{valid} 行写入登记册,有错误的 {batch.rejected_count} 行不导入" in confirm
    assert "选这一项将不导入任何数据" in confirm

    _upload(client, census_county["county"])  # the canonical file: no error
    clean = _latest_batch()
    html = _text(client.get(clean.get_absolute_url()))
    confirm = html[html.index('id="confirm"') :]
    checked = re.search(r'<input[^>]*name="mode"[^>]*checked[^>]*>', confirm)
    assert checked is not None and 'value="all_or_nothing"' in checked[0]
    assert f"{clean.rows_total} 行全部写入登记册" in confirm


def test_the_organizations_history_lists_the_imports_that_changed_it(client, alice, census_county):
    county = census_county["county"]
    first = _service_import(alice, county)
    bee = Organization.objects.get(uscc=BEE)
    OrganizationFacts.objects.filter(organization=bee).update(employees=100)
    client.force_login(alice)
    _upload(client, county)
    batch = _latest_batch()
    client.post(reverse("census:batch_confirm", args=[batch.pk]), {"mode": "all_or_nothing"})
    page = client.get(reverse("registry:organization_detail", args=[bee.pk]))
    history = [e for e in page.context["history"] if e.link]
    assert [e.link for e in history] == [batch.get_absolute_url(), first.batch.get_absolute_url()]  # newest first
    assert history[0].action == f"摸底表导入(批次 #{batch.pk},canonical.xlsx)"
    assert [(line.label, line.old, line.new) for line in history[0].lines] == [("从业人员数", "100", "120")]
    html = _text(page)
    assert f'<a href="{batch.get_absolute_url()}">摸底表导入(批次 #{batch.pk}' in html
    # The figures history shows the union / youth league / women's federation columns.
    figures = html[html.index("普查数据历史") : html.index("变更记录")]
    assert "<th>工会</th><th>共青团</th><th>妇联</th>" in figures

    client.post(reverse("census:batch_revert", args=[batch.pk]))
    page = client.get(reverse("registry:organization_detail", args=[bee.pk]))
    assert next(e for e in page.context["history"] if e.link).action.endswith(",已撤销")
