import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from liangxin.campaigns import services
from liangxin.campaigns.board import build_board
from liangxin.campaigns.models import Campaign, DepartmentConfirmation, SubmissionState
from liangxin.registry.models import OrganizationFacts
from liangxin.testing.factories import OrganizationFactory

from .conftest import A_FILE, B_FILE, fresh


def _upload(client, submission, data, name="摸底表.csv"):
    submission = fresh(submission)
    return client.post(
        reverse("campaigns:submission_import", args=[submission.pk]),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv"), "version": submission.version},
    )


def _move(client, submission, action, reason=""):
    submission = fresh(submission)
    return client.post(
        reverse("campaigns:submission_transition", args=[submission.pk]),
        {"action": action, "reason": reason, "version": submission.version},
        follow=True,
    )


def test_board_figures_with_a_frozen_clock(campaign, sub_a, sub_b, bob, carol, township_b, stage, clock, client, alice):
    OrganizationFactory(name="板桥已登记有限公司", township=township_b)
    stage(sub_a, bob, A_FILE)
    clock.set(dt.date(2026, 11, 20))
    services.submit_submission(by=bob, submission=fresh(sub_a), expected_version=fresh(sub_a).version)
    stage(sub_b, carol, B_FILE)

    clock.set(dt.date(2026, 12, 2))
    board = build_board(campaign=campaign)
    a, b = board.townships
    assert (a.submission.unit_name, a.state_label, a.rows, a.timeliness) == ("罗雄街道", "已上报", 2, "on_time")
    assert (b.state_label, b.rows, b.timeliness, b.overdue_days) == ("填报中", 3, "overdue", 2)
    assert b.known == 1 and b.matched == 0 and b.new == 3
    assert b.complete_pct == 66.7  # 板桥丁 left the owner's attitude blank
    assert a.complete_pct == 100.0
    assert (board.rates.expected, board.rates.reported, board.rates.on_time) == (2, 1, 1)
    assert board.rates.reporting_rate == 50.0 and board.rates.timeliness_rate == 50.0
    assert board.survey_days_left == -2 and board.plan_days_left == 3
    [x] = board.departments
    assert x.rows == 2  # 罗雄甲 and 板桥丙 name 县工商联
    assert [line.submission.unit_name for line in board.reminders] == ["板桥镇", "县工商联"]

    client.force_login(alice)
    page = client.get(reverse("campaigns:board", args=[campaign.pk])).content.decode()
    assert "50.0%" in page and "逾期 2 天" in page and "66.7%" in page

    services.submit_submission(by=carol, submission=fresh(sub_b), expected_version=fresh(sub_b).version)
    board = build_board(campaign=campaign)
    assert board.townships[1].timeliness == "late"
    assert board.rates.reporting_rate == 100.0 and board.rates.timeliness_rate == 50.0


def test_reminder_list_is_exported_and_audited(campaign, sub_a, bob, stage, client, alice):
    stage(sub_a, bob, A_FILE)
    services.submit_submission(by=bob, submission=fresh(sub_a), expected_version=fresh(sub_a).version)
    client.force_login(alice)
    response = client.get(reverse("campaigns:reminder_export", args=[campaign.pk]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "单位"
    assert [r[0] for r in rows[1:]] == ["板桥镇", "县工商联"]
    assert rows[1][4] == "10"  # days left on 2026-11-20


def test_township_clerk_sees_only_his_own_submission(campaign, sub_a, sub_b, bob, lily, client):
    client.force_login(bob)
    assert client.get(reverse("campaigns:submission_detail", args=[sub_b.pk])).status_code == 404
    assert client.get(reverse("campaigns:submission_detail", args=[sub_a.pk])).status_code == 200
    assert client.get(reverse("campaigns:board", args=[campaign.pk])).status_code == 403  # the county's page
    index = client.get(reverse("campaigns:index")).content.decode()
    assert sub_a.get_absolute_url() in index and sub_b.get_absolute_url() not in index
    client.force_login(lily)
    assert client.get(reverse("campaigns:board", args=[campaign.pk])).status_code == 200


def test_units_do_not_see_a_draft_campaign(alice, bob, township_a, client):
    draft = services.create_campaign(
        by=alice, name="草稿任务", code="D1", as_of=dt.date(2026, 1, 1),
        survey_deadline=dt.date(2026, 1, 31), plan_deadline=dt.date(2026, 2, 5),
    )  # fmt: skip
    own = draft.submissions.get(township=township_a)
    client.force_login(bob)
    assert client.get(reverse("campaigns:submission_detail", args=[own.pk])).status_code == 404
    assert "草稿任务" not in client.get(reverse("campaigns:index")).content.decode()


def test_department_sees_and_confirms_what_it_supervises(sub_a, sub_b, sub_x, bob, carol, dave, stage, client):
    stage(sub_a, bob, A_FILE)
    stage(sub_b, carol, B_FILE)
    client.force_login(dave)
    page = client.get(reverse("campaigns:submission_detail", args=[sub_x.pk])).content.decode()
    assert "罗雄甲科技有限公司" in page and "板桥丙建材有限公司" in page
    assert "罗雄乙商贸有限公司" not in page
    unsupervised = sub_b.entries.get(name="板桥戊运输有限公司")
    assert client.get(reverse("campaigns:entry_edit", args=[unsupervised.pk])).status_code == 404
    assert client.get(reverse("campaigns:submission_detail", args=[sub_b.pk])).status_code == 404
    entry = sub_b.entries.get(name="板桥丙建材有限公司")
    client.post(
        reverse("campaigns:entry_confirm", args=[entry.pk]), {"verdict": "commented", "comment": "从业人员数偏少"}
    )
    confirmation = DepartmentConfirmation.objects.get()
    assert (confirmation.entry, confirmation.by, confirmation.comment) == (entry, dave, "从业人员数偏少")
    assert fresh(sub_x).state == SubmissionState.IN_PROGRESS


def test_approved_submission_is_locked_against_every_url(sub_b, sub_x, carol, alice, dave, stage, client):
    stage(sub_b, carol, B_FILE)
    x = fresh(sub_x)
    services.confirm_entry(
        by=dave, submission=x, entry=sub_b.entries.get(name="板桥丙建材有限公司"), verdict="confirmed"
    )
    services.submit_submission(by=carol, submission=fresh(sub_b), expected_version=fresh(sub_b).version)
    sub = services.approve_submission(by=alice, submission=fresh(sub_b), expected_version=fresh(sub_b).version)
    entry = sub.entries.get(name="板桥丁养殖有限公司")
    x = services.submit_submission(by=dave, submission=fresh(x), expected_version=fresh(x).version)
    x = services.approve_submission(by=alice, submission=x, expected_version=x.version)
    snapshot = (sub.version, sub.state, sorted(sub.entries.values_list("pk", "version")))

    client.force_login(carol)
    page = client.get(sub.get_absolute_url()).content.decode()
    assert "上传并导入" not in page and "已审核" in page
    response = _upload(client, sub, B_FILE)
    assert response.status_code == 302
    assert "已审核" in client.get(sub.get_absolute_url()).content.decode()
    assert "已审核" in _move(client, sub, "submit").content.decode()
    response = client.post(
        reverse("campaigns:entry_edit", args=[entry.pk]),
        {"version": entry.version, "name": entry.name, "owner_attitude": "一般"},
    )
    assert "已审核" in response.content.decode()
    client.force_login(alice)
    assert "已审核" in _move(client, sub, "approve").content.decode()
    assert "已审核" in _move(client, sub, "return", "x").content.decode()
    client.force_login(dave)
    client.post(reverse("campaigns:entry_confirm", args=[entry.pk]), {"verdict": "commented", "comment": "x"})

    sub = fresh(sub)
    assert (sub.version, sub.state, sorted(sub.entries.values_list("pk", "version"))) == snapshot
    assert DepartmentConfirmation.objects.count() == 1


def test_concurrent_row_edits_through_the_page(sub_b, carol, erin, stage, client):
    stage(sub_b, carol, B_FILE)
    entry = sub_b.entries.get(name="板桥丁养殖有限公司")
    url = reverse("campaigns:entry_edit", args=[entry.pk])
    seen = entry.version  # both opened the form at this version
    client.force_login(carol)
    first = client.post(url, {"version": seen, "name": entry.name, "owner_attitude": "一般", "employees": "20"})
    assert first.status_code == 302
    client.force_login(erin)
    second = client.post(url, {"version": seen, "name": entry.name, "owner_attitude": "不支持", "employees": "20"})
    assert second.status_code == 409
    body = second.content.decode()
    assert "carol" in body and "没有保存" in body
    assert 'value="一般"' in body and f'value="{seen + 1}"' in body  # the other's change, ready to edit again
    assert fresh(entry).data["owner_attitude"] == "一般"


def test_campaign_created_in_the_page_by_the_county_only(alice, bob, township_a, township_b, client):
    client.force_login(bob)
    assert client.get(reverse("campaigns:campaign_create")).status_code == 403
    client.force_login(alice)
    response = client.post(
        reverse("campaigns:campaign_create"),
        {"name": "2027年摸底", "code": "MD2027", "as_of": "2027-01-01", "survey_deadline": "2027-01-30",
         "plan_deadline": "2027-02-05", "townships": [township_b.pk]},
    )  # fmt: skip
    campaign = Campaign.objects.get(code="MD2027")
    assert response.status_code == 302 and campaign.status == "draft"
    assert [s.township for s in campaign.submissions.all()] == [township_b]
    client.post(reverse("campaigns:campaign_open", args=[campaign.pk]))
    assert fresh(campaign).status == "open"


def test_re_import_keeps_unchanged_rows_and_their_confirmations(sub_b, sub_x, carol, dave, stage):
    from .conftest import census_csv, row

    stage(sub_b, carol, B_FILE)
    bing = sub_b.entries.get(name="板桥丙建材有限公司")
    wu = sub_b.entries.get(name="板桥戊运输有限公司")
    services.confirm_entry(by=dave, submission=fresh(sub_x), entry=bing, verdict="confirmed")
    second = census_csv(
        row(5101, "板桥丙建材有限公司", "板桥镇", department="县工商联", members=4),  # unchanged
        row(5103, "板桥戊运输有限公司", "板桥镇", members=5),  # changed
        row(5104, "板桥己餐饮有限公司", "板桥镇"),  # new; 板桥丁 left out
    )
    staging = stage(sub_b, carol, second)
    assert staging.staged == 3
    names = dict(fresh(sub_b).entries.values_list("name", "pk"))
    assert set(names) == {"板桥丙建材有限公司", "板桥戊运输有限公司", "板桥己餐饮有限公司"}
    assert names["板桥丙建材有限公司"] == bing.pk and names["板桥戊运输有限公司"] == wu.pk
    bing_version, wu_version = bing.version, wu.version
    assert fresh(bing).version == bing_version and fresh(wu).version == wu_version + 1
    assert wu.data["full_members"] == "5"
    assert DepartmentConfirmation.objects.filter(entry=bing).exists()


def test_prefilled_template_holds_the_register_of_the_township(sub_b, carol, township_b, client):
    from openpyxl import load_workbook

    OrganizationFactory(name="板桥已登记有限公司", township=township_b)
    client.force_login(carol)
    response = client.get(reverse("campaigns:submission_template_export", args=[sub_b.pk]))
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    cells = {c for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for c in r}
    assert "板桥已登记有限公司" in cells


def test_pages_keep_to_the_content_security_policy(campaign, sub_b, sub_x, carol, alice, dave, stage, client):
    from liangxin.security.tests.test_pages_csp import problems_in

    stage(sub_b, carol, B_FILE)
    entry = sub_b.entries.first()
    edit = reverse("campaigns:entry_edit", args=[entry.pk])
    pages = {
        carol: [sub_b.get_absolute_url(), edit, reverse("campaigns:index")],
        alice: [reverse("campaigns:board", args=[campaign.pk]), reverse("campaigns:campaign_create"), edit],
        dave: [sub_x.get_absolute_url(), edit],
    }
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert not problems_in(response.content.decode()), url


def test_only_the_unit_gets_a_save_button(sub_b, carol, dave, alice, stage, client):
    stage(sub_b, carol, B_FILE)
    entry = sub_b.entries.get(name="板桥丙建材有限公司")
    url = reverse("campaigns:entry_edit", args=[entry.pk])
    client.force_login(carol)
    assert "保存" in client.get(url).content.decode()
    for user in (dave, alice):
        client.force_login(user)
        assert "只有填报单位" in client.get(url).content.decode()
        # Only township clerks may write to a submission's rows: 403 before the view.
        response = client.post(url, {"version": entry.version, "name": "改名", "employees": "1"})
        assert response.status_code == 403
    assert fresh(entry).name == "板桥丙建材有限公司"


def test_the_board_costs_a_fixed_number_of_queries(
    campaign, sub_a, sub_b, bob, carol, stage, alice, client, django_assert_max_num_queries
):
    stage(sub_a, bob, A_FILE)
    stage(sub_b, carol, B_FILE)
    client.force_login(alice)
    url = reverse("campaigns:board", args=[campaign.pk])
    client.get(url)
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def test_the_next_campaign_starts_pre_filled_from_the_approved_one(
    campaign, sub_b, carol, alice, township_b, stage, client
):
    stage(sub_b, carol, B_FILE)
    services.submit_submission(by=carol, submission=fresh(sub_b), expected_version=fresh(sub_b).version)
    services.approve_submission(by=alice, submission=fresh(sub_b), expected_version=fresh(sub_b).version)
    services.close_campaign(by=alice, campaign=campaign)
    nxt = services.create_campaign(
        by=alice, name="2027年摸底", code="MD2027", as_of=dt.date(2027, 11, 1),
        survey_deadline=dt.date(2027, 11, 30), plan_deadline=dt.date(2027, 12, 5), townships=[township_b],
    )  # fmt: skip
    services.open_campaign(by=alice, campaign=nxt)
    sub = nxt.submissions.get(township=township_b)

    client.force_login(carol)
    assert "用登记册现有数据预填" in client.get(sub.get_absolute_url()).content.decode()
    response = client.post(reverse("campaigns:submission_prefill", args=[sub.pk]), {"version": sub.version})
    assert response.status_code == 302
    sub = fresh(sub)
    assert sub.state == SubmissionState.IN_PROGRESS
    staged = {e.name: e for e in sub.entries.all()}
    assert set(staged) == {"板桥丙建材有限公司", "板桥丁养殖有限公司", "板桥戊运输有限公司"}
    assert all(e.organization_id for e in staged.values())  # every row is a known organization
    assert staged["板桥丙建材有限公司"].data["full_members"] == "4"
    with pytest.raises(services.ServiceError, match="已有填报数据"):
        services.prefill_submission(by=carol, submission=sub, expected_version=sub.version)

    wu = staged["板桥戊运输有限公司"]  # the only change this year: 戊 grew
    services.update_entry(by=carol, entry=wu, values={"employees": "60"}, expected_version=wu.version)
    sub = services.submit_submission(by=carol, submission=fresh(sub), expected_version=fresh(sub).version)
    sub = services.approve_submission(by=alice, submission=sub, expected_version=sub.version)
    assert (sub.register_batch.new_count, sub.register_batch.changed_count) == (0, 1)
    facts = OrganizationFacts.objects.filter(organization__name="板桥戊运输有限公司").order_by("valid_from")
    assert [(f.employees, f.valid_from, f.valid_to) for f in facts] == [
        (20, dt.date(2026, 11, 1), dt.date(2027, 11, 1)),
        (60, dt.date(2027, 11, 1), None),
    ]


def test_register_organizations_missing_from_the_submission_are_listed(
    sub_b, carol, township_b, stage, client, campaign
):
    OrganizationFactory(name="板桥老厂有限公司", township=township_b)
    stage(sub_b, carol, B_FILE)
    client.force_login(carol)
    assert "板桥老厂有限公司" in client.get(sub_b.get_absolute_url()).content.decode()
    [_a, b] = build_board(campaign=campaign).townships
    assert (b.known, b.matched, b.missing, b.new) == (1, 0, 1, 3)


def test_organizations_the_approval_created_are_not_missing_from_it(
    sub_b, carol, alice, township_b, stage, client, campaign
):
    OrganizationFactory(name="板桥老厂有限公司", township=township_b)
    stage(sub_b, carol, B_FILE)
    services.submit_submission(by=carol, submission=fresh(sub_b), expected_version=fresh(sub_b).version)
    services.approve_submission(by=alice, submission=fresh(sub_b), expected_version=fresh(sub_b).version)

    # Every staged row now names the organization it is in the register.
    linked = dict(fresh(sub_b).entries.values_list("name", "organization__name"))
    assert linked == {name: name for name in ("板桥丙建材有限公司", "板桥丁养殖有限公司", "板桥戊运输有限公司")}
    [_a, b] = build_board(campaign=campaign).townships
    assert (b.known, b.missing) == (4, 1)  # 在册未报: only the old factory nobody reported
    assert (b.rows, b.new) == (3, 3)  # the three the approval created are still shown as new finds
    client.force_login(carol)
    page = client.get(sub_b.get_absolute_url()).content.decode()
    missing = page.split("登记册中有、本次填报中没有的组织", 1)[1]
    assert "板桥老厂有限公司" in missing
    assert not any(name in missing for name in linked)


def test_an_approved_submission_is_locked_for_the_departments_too(
    sub_a, sub_b, sub_x, bob, carol, alice, dave, stage, client
):
    stage(sub_a, bob, A_FILE)
    stage(sub_b, carol, B_FILE)
    bing = sub_b.entries.get(name="板桥丙建材有限公司")
    jia = sub_a.entries.get(name="罗雄甲科技有限公司")
    services.confirm_entry(by=dave, submission=fresh(sub_x), entry=bing, verdict="confirmed")
    services.submit_submission(by=carol, submission=fresh(sub_b), expected_version=fresh(sub_b).version)
    services.approve_submission(by=alice, submission=fresh(sub_b), expected_version=fresh(sub_b).version)
    before = list(DepartmentConfirmation.objects.values_list("pk", "verdict", "comment", "version"))

    # Neither through the service …
    with pytest.raises(services.ServiceError, match="已审核"):
        services.confirm_entry(by=dave, submission=fresh(sub_x), entry=bing, verdict="commented", comment="改")
    # … nor through the page, where the approved township's row has no form any more.
    client.force_login(dave)
    page = client.get(sub_x.get_absolute_url()).content.decode()
    assert page.count('name="verdict"') == 1  # only 罗雄甲's row (罗雄街道 is not approved)
    assert reverse("campaigns:entry_confirm", args=[jia.pk]) in page
    assert reverse("campaigns:entry_confirm", args=[bing.pk]) not in page
    response = client.post(
        reverse("campaigns:entry_confirm", args=[bing.pk]), {"verdict": "commented", "comment": "改"}, follow=True
    )
    assert "已审核" in response.content.decode()
    assert list(DepartmentConfirmation.objects.values_list("pk", "verdict", "comment", "version")) == before
    # The township that is not approved yet still takes the department's word.
    services.confirm_entry(by=dave, submission=fresh(sub_x), entry=jia, verdict="confirmed")
    assert DepartmentConfirmation.objects.count() == 2


def test_withdraw_through_the_page(sub_b, carol, alice, stage, client):
    stage(sub_b, carol, B_FILE)
    services.submit_submission(by=carol, submission=fresh(sub_b), expected_version=fresh(sub_b).version)
    client.force_login(carol)
    assert "撤回" in client.get(sub_b.get_absolute_url()).content.decode()
    page = _move(client, sub_b, "withdraw").content.decode()
    assert "填报中" in page and fresh(sub_b).state == SubmissionState.IN_PROGRESS
    assert 'value="withdraw"' not in page
    client.force_login(alice)
    assert 'value="withdraw"' not in client.get(sub_b.get_absolute_url()).content.decode()


def _input(html: str, name: str) -> str:
    import re

    found = re.search(rf'<(input|select)[^>]*name="{name}"[^>]*>(.*?</select>)?', html, re.S)
    assert found is not None, name
    return found[0]


def test_entry_edit_uses_the_registers_choices_and_number_inputs_and_marks_what_is_missing(sub_b, carol, stage, client):
    stage(sub_b, carol, B_FILE)
    entry = sub_b.entries.get(name="板桥丁养殖有限公司")  # the file left the owner's attitude blank
    services.update_entry(
        by=carol, entry=entry, values={**entry.data, "operating_status": "正常"}, expected_version=entry.version
    )
    client.force_login(carol)
    url = reverse("campaigns:entry_edit", args=[entry.pk])
    html = client.get(url).content.decode()
    status = _input(html, "operating_status")
    assert status.startswith("<select")
    import re

    assert re.findall(r'<option value="([^"]*)"', status) == ["", "正常经营", "停产", "歇业", "注销"]
    assert '<option value="正常经营" selected>' in status  # "正常" as the reader reads it
    assert _input(html, "org_type").startswith("<select") and '<option value="私营企业" selected>' in html
    secretary = _input(html, "secretary_candidate_available")
    assert secretary.startswith("<select") and '<option value="是" selected>' in secretary
    for name in ("employees", "full_members", "probationary_members"):
        assert 'type="number"' in _input(html, name) and 'min="0"' in _input(html, name)
    assert _input(html, "owner_attitude").startswith("<select")
    assert "尚缺:业主对组建党组织态度" in html and html.count("待填写") == 1
    # Saving the form as shown keeps every figure, and a count that is not a number is refused.
    bad = client.post(url, {**_form_values(html), "employees": "二十"})
    assert bad.status_code == 200 and "employees" in bad.context["form"].errors
    assert client.post(url, {**_form_values(html), "owner_attitude": "支持"}).status_code == 302
    data = fresh(entry).data
    assert (data["operating_status"], data["employees"], data["owner_attitude"]) == ("正常经营", "20", "支持")
    assert "待填写" not in client.get(url).content.decode()


def _form_values(html: str) -> dict[str, str]:
    import re

    values = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', html))
    values |= dict(re.findall(r'<select name="(\w+)"[^>]*>.*?<option value="([^"]*)" selected>', html, re.S))
    values.pop("csrfmiddlewaretoken", None)
    return values


def test_a_row_edit_conflict_says_so_once_and_shows_both_values(sub_b, carol, erin, stage, client):
    stage(sub_b, carol, B_FILE)
    entry = sub_b.entries.get(name="板桥丙建材有限公司")
    url = reverse("campaigns:entry_edit", args=[entry.pk])
    client.force_login(carol)
    opened = _form_values(client.get(url).content.decode())
    client.force_login(erin)
    assert client.post(url, {**opened, "employees": "25"}).status_code == 302
    client.force_login(carol)
    response = client.post(url, {**opened, "employees": "30"})
    assert response.status_code == 409
    body = response.content.decode()
    assert body.count("没有保存") == 1 and "版" not in body.replace("版权", "")
    assert [row for row in response.context["conflict"]] == [("从业人员数", "25", "30")]
    assert 'value="25"' in _input(body, "employees")


def test_a_cut_list_of_unreported_organizations_says_so_and_can_show_all(
    sub_b, carol, township_b, stage, client, monkeypatch
):
    from liangxin.campaigns import views

    monkeypatch.setattr(views, "MISSING_SHOWN", 2)
    for n in range(3):
        OrganizationFactory(name=f"板桥老厂{n}有限公司", township=township_b)
    stage(sub_b, carol, B_FILE)
    client.force_login(carol)
    page = client.get(sub_b.get_absolute_url())
    html = page.content.decode()
    assert len(page.context["missing"]) == 2 and page.context["missing_total"] == 3
    assert "只显示了前 2 个,共 3 个。" in html and 'href="?missing=all#missing"' in html
    everything = client.get(sub_b.get_absolute_url(), {"missing": "all"})
    assert [o.name for o in everything.context["missing"]] == [f"板桥老厂{n}有限公司" for n in range(3)]
    assert "只显示了前" not in everything.content.decode()


def test_an_approval_is_in_the_history_of_each_organization_it_created(campaign, sub_b, carol, alice, stage, client):
    from liangxin.registry.models import Organization

    stage(sub_b, carol, B_FILE)
    services.submit_submission(by=carol, submission=fresh(sub_b), expected_version=fresh(sub_b).version)
    sub = services.approve_submission(by=alice, submission=fresh(sub_b), expected_version=fresh(sub_b).version)
    bing = Organization.objects.get(name="板桥丙建材有限公司")
    client.force_login(carol)
    history = client.get(reverse("registry:organization_detail", args=[bing.pk])).context["history"]
    [approval] = [e for e in history if e.link]
    assert approval.action == f"摸底审核通过({campaign.name},导入批次 #{sub.register_batch_id})"
    assert approval.actor == sub.register_batch.created_by.get_username()
    assert [(line.label, line.old, line.new) for line in approval.lines] == [("结果", None, "新登记")]
