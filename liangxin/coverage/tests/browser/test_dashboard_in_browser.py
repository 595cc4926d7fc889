"""The county administrator in Chromium: logs in with two-factor (the test computes the code the
authenticator app would show), lands on the coverage dashboard, sees the charts drawn, drills down
from a figure to its organizations, and exports the gap list (audited)."""

from __future__ import annotations

from openpyxl import load_workbook

from liangxin.audit.models import AuditRecord
from liangxin.coverage.tests.conftest import ON
from liangxin.security.testing import code_for, give_totp
from liangxin.testing.browser import visible_text
from liangxin.testing.factories import PASSWORD

DRAWN = """node => {
  const canvas = node.querySelector('canvas');
  if (!canvas || !canvas.width || !canvas.height) return 0;
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i]) painted++;
  return painted;
}"""


def test_the_county_logs_in_with_two_factor_reads_the_charts_drills_down_and_exports(
    new_page, county_data, alice, tmp_path
):
    device = give_totp(alice)
    page = new_page()
    page.goto("/")
    page.get_by_label("用户名").fill("alice")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/security/2fa/verify/")
    page.locator("input[name=code]").fill(code_for(device))
    page.get_by_role("button", name="验证并登录").click()
    page.wait_for_url("**/coverage/")  # the county lands on the dashboard

    page.goto(f"/coverage/?as_of={ON.isoformat()}")
    assert "66.7%" in visible_text(page)  # 组织覆盖率, 4 of 6
    charts = page.locator("[data-chart]")
    assert charts.count() >= 2
    page.wait_for_selector("[data-chart-ready] canvas")
    for n in range(charts.count()):
        assert charts.nth(n).evaluate(DRAWN) > 500, f"chart {n} is blank"

    # Drill down: 还差 1 个 opens the organizations that miss the target.
    page.locator("a[href*='indicator=orgs_100_with_party_org'][href*='part=complement']").first.click()
    page.wait_for_url("**/coverage/organizations/**")
    listing = visible_text(page)
    assert "乙一矿业有限公司" in listing and "甲一建材有限公司" not in listing and "共 1 个" in listing

    # Export the gap list: the workbook holds the two organizations without a party organization.
    page.goto(f"/coverage/gaps/?as_of={ON.isoformat()}")
    before = AuditRecord.objects.filter(action="export").count()
    with page.expect_download() as download:
        page.locator("a[href*='/coverage/gaps/export/']").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    rows = list(load_workbook(path)["空白点台账"].iter_rows(values_only=True))
    assert {r[2] for r in rows[3:]} == {"乙一矿业有限公司", "甲二商贸有限公司"}
    assert AuditRecord.objects.filter(action="export").count() == before + 1
