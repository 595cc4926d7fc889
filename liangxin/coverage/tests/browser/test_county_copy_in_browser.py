"""The county's kept pages in Chromium, on a desktop and on a phone: the dashboard says when its
figures were computed and offers the figures of this moment; the indicator table, a page at a time,
offers the whole table as a workbook."""

from __future__ import annotations

import pytest

from liangxin.coverage import services
from liangxin.testing.browser import visible_text


@pytest.mark.parametrize("width", [1366, 390])
def test_the_county_reads_its_kept_dashboard_and_asks_for_the_live_figures(
    page_for, county_data, alice, settings, width, tmp_path
):
    settings.DASHBOARD_COPY_SECONDS = 0.0  # as a province's: every copy is worth showing
    settings.PAGE_SIZE = 1
    services.refresh_county_snapshots()
    page = page_for(alice, width=width)
    page.goto("/coverage/")
    note = page.locator("#computed-at")
    assert note.is_visible() and "统计的全县数据" in note.inner_text()
    page.screenshot(path=str(tmp_path / f"dashboard-{width}.png"), full_page=True)
    note.get_by_role("link", name="按此刻的数据统计(需要几秒钟)").click()
    page.wait_for_url("**/coverage/?live=1")
    assert page.locator("#computed-at").count() == 0 and "覆盖率与目标" in visible_text(page)

    page.goto("/coverage/table/?by=township")
    assert page.locator("#computed-at").is_visible()
    assert "共 2 组" in visible_text(page)
    page.get_by_role("link", name="下一页").click()
    page.wait_for_url("**page=2**")
    page.screenshot(path=str(tmp_path / f"table-{width}.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel(全部分组)").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    if width == 390:  # the table scrolls inside its box, not the page
        assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
