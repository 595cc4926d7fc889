"""A township clerk's census import in Chromium, as he does it: download his township's template,
change it, upload it, read a problem in Chinese, confirm, see the organization's figures change,
and revert after confirming the dialog."""

from __future__ import annotations

import re

from openpyxl import load_workbook

from liangxin.census import services, template
from liangxin.census.models import BatchStatus, ImportBatch
from liangxin.census.tests.conftest import fixture_bytes
from liangxin.core.dates import today
from liangxin.registry.models import Organization
from liangxin.testing.browser import visible_text
from liangxin.testing.factories import OrganizationFactory


def test_a_clerk_imports_a_changed_template_confirms_and_reverts(page_for, alice, bob, census_county, tmp_path):
    services.import_file(
        by=alice, unit=census_county["county"], data=fixture_bytes("canonical.xlsx"), file_name="c.xlsx", as_of=today()
    )
    changed = Organization.objects.get(township=census_county["luoxiong"])
    broken = OrganizationFactory(
        name="罗雄鸿运商贸有限公司", township=census_county["luoxiong"], facts={"employees": 12, "full_members": 1}
    )
    mine = Organization.objects.filter(township=census_county["luoxiong"])
    page = page_for(bob)
    page.goto("/census/")

    # 1. His township's template, pre-filled with its organizations.
    with page.expect_download() as download:
        page.get_by_role("button", name="下载模板(Excel)").click()
    path = tmp_path / "template.xlsx"
    download.value.save_as(path)
    workbook = load_workbook(path)
    sheet = workbook[template.DATA_SHEET]
    header = [c.value for c in sheet[1]]
    name_col, employees_col, status_col = (header.index(label) + 1 for label in ("组织名称", "从业人员数", "经营状况"))
    rows = {sheet.cell(r, name_col).value: r for r in range(2, sheet.max_row + 1)}
    assert set(rows) == set(mine.values_list("name", flat=True))
    old_employees = changed.facts.get(valid_to__isnull=True).employees
    sheet.cell(rows[changed.name], employees_col).value = old_employees + 7
    sheet.cell(rows[broken.name], status_col).value = "红红火火"
    changed_file = tmp_path / "摸底表.xlsx"
    workbook.save(changed_file)

    # 2. Upload it: the preview names the change and the problem, in Chinese.
    page.locator("input[type=file]").set_input_files(str(changed_file))
    page.get_by_role("button", name="上传并预览").click()
    page.wait_for_url("**/census/batches/*/")
    problems = visible_text(page, "#problems")
    assert "“红红火火”不是“经营状况”的可选值" in problems
    changes = visible_text(page, "#changes")
    assert changed.name in changes and f"{old_employees} → {old_employees + 7}" in changes

    # 3. Confirm, importing the valid rows: the organization's figures change.
    page.get_by_label(re.compile("^只导入有效行")).check()
    with page.expect_navigation():
        page.get_by_role("button", name="确认导入").click()
    assert "导入完成" in visible_text(page, ".messages")
    batch = ImportBatch.objects.get(file_name="摸底表.xlsx")
    assert batch.status == BatchStatus.APPLIED
    page.goto(changed.get_absolute_url())
    assert str(old_employees + 7) in visible_text(page)

    # 4. Revert: the dialog says what it will do; cancelling changes nothing, confirming reverts.
    page.goto(batch.get_absolute_url())
    page.get_by_role("button", name="撤销本批次").click()
    dialog = page.locator("dialog.confirm")
    assert "变更的 1 个组织恢复为导入前的数据" in dialog.inner_text()
    dialog.get_by_role("button", name="取消").click()
    page.locator("dialog.confirm").wait_for(state="detached")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPLIED
    page.get_by_role("button", name="撤销本批次").click()
    with page.expect_navigation():
        page.locator("dialog.confirm").get_by_role("button", name="撤销本批次").click()
    assert "已撤销本批次" in visible_text(page, ".messages")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.REVERTED
    assert changed.facts.get(valid_to__isnull=True).employees == old_employees
