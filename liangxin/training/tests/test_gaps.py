"""The yearly gap list on a known data set: who attended, who is missing, the year a training
counts for, a change of rule, the per-party-organization status the compliance calendar reads,
scoping and the export."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.core.errors import ServiceError
from liangxin.testing.responses import sent_bytes
from liangxin.training import rules, selectors, services
from liangxin.training.models import AttendeeKind

pytestmark = pytest.mark.django_db


def _missing(report):
    return sorted((s.required.audience, s.required.label, s.missing) for s in report.missing)


def _required(report):
    return sorted((s.required.audience, s.required.label) for s in report.statuses)


def test_who_attended_and_who_is_missing_in_2025(county_data, alice):
    report = selectors.training_gaps(user=alice, year=2025)
    # The dissolved 旧党支部, the not yet founded 新党支部 and the deregistered 已注销厂 are not asked for.
    assert _required(report) == sorted(
        [
            (rules.SECRETARY, "城东党支部"),
            (rules.SECRETARY, "城西党支部"),
            (rules.PARTY_WORKER, "城东党支部"),
            (rules.OWNER, "城东公司"),
            (rules.OWNER, "城西商店"),
            (rules.OWNER, "板桥公司"),
        ]
    )
    # The cross-year course does not count for 2025.
    assert _missing(report) == [
        (rules.OWNER, "城西商店", 1),
        (rules.OWNER, "板桥公司", 1),
        (rules.SECRETARY, "城西党支部", 1),
    ]


def test_a_course_over_the_new_year_counts_for_the_year_it_ends(county_data, alice):
    report = selectors.training_gaps(user=alice, year=2026)
    assert (rules.SECRETARY, "新党支部") in _required(report)
    assert _missing(report) == sorted(
        [
            (rules.SECRETARY, "城东党支部", 1),
            (rules.SECRETARY, "新党支部", 1),
            (rules.PARTY_WORKER, "城东党支部", 1),
            (rules.OWNER, "城东公司", 1),
            (rules.OWNER, "城西商店", 1),
            (rules.OWNER, "板桥公司", 1),
        ]
    )


def test_a_new_rule_version_applies_from_the_year_it_is_in_force_at_the_end_of(county_data, alice):
    services.create_rule_version(
        by=alice,
        data=services.RuleData(
            name="2026年调整",
            effective_from=dt.date(2026, 6, 1),
            source="县委组织部通知",
            secretary_times=2,
            party_worker_times=1,
            owner_times=0,
        ),
    )
    report_2026 = selectors.training_gaps(user=alice, year=2026)
    assert report_2026.policy is not None and report_2026.policy.name == "2026年调整"
    west = next(s for s in report_2026.statuses if s.required.label == "城西党支部")
    assert (west.times_required, west.times_attended, west.missing) == (2, 1, 1)
    assert not [s for s in report_2026.statuses if s.required.audience == rules.OWNER]  # 0: not asked for
    # 2025 keeps the speech's rule.
    report_2025 = selectors.training_gaps(user=alice, year=2025)
    assert report_2025.policy is not None and report_2025.policy.effective_from == dt.date(2009, 11, 1)
    assert len([s for s in report_2025.statuses if s.required.audience == rules.OWNER]) == 3


def test_a_rule_version_is_the_county_administrators_and_refuses_impossible_figures(alice, bob):
    data = services.RuleData(
        name="x", effective_from=dt.date(2027, 1, 1), source="", secretary_times=13, party_worker_times=1, owner_times=1
    )
    with pytest.raises(ServiceError, match="0到12"):
        services.create_rule_version(by=alice, data=data)
    with pytest.raises(ServiceError, match="县级管理员"):
        services.create_rule_version(by=bob, data=data)


def test_rules_for_a_year_are_those_in_force_on_its_last_day():
    first = rules.YearlyRules("a", dt.date(2009, 11, 1), {rules.SECRETARY: 1})
    second = rules.YearlyRules("b", dt.date(2026, 12, 31), {rules.SECRETARY: 2})
    assert rules.rules_for_year([first, second], 2008) is None
    assert rules.rules_for_year([first, second], 2009) is first
    assert rules.rules_for_year([first, second], 2026) is second
    assert rules.rules_for_year([second, first], 2025) is first


def test_the_status_of_one_party_organization_for_the_compliance_calendar(county_data):
    east = selectors.yearly_training_status(party_organization=county_data["east"], year=2025)
    assert east.complete
    assert east.secretary is not None and east.secretary.times_attended == 1
    assert [s.required.person for s in east.party_workers] == ["赵专职"]
    assert not selectors.yearly_training_status(party_organization=county_data["east"], year=2026).complete
    west = selectors.yearly_training_status(party_organization=county_data["west"], year=2025)
    assert west.secretary is not None and west.secretary.is_missing and west.party_workers == []
    # Dissolved before the year's end: nothing asked.
    old = selectors.yearly_training_status(party_organization=county_data["old_b"], year=2025)
    assert old.secretary is None and old.complete


def test_an_attendee_twice_in_one_training_is_refused_and_nothing_is_written(county_data, alice):
    spring = county_data["spring"]
    before = spring.attendances.count()
    with pytest.raises(ServiceError, match="已在这次培训"):
        services.add_attendees(
            by=alice,
            training=spring,
            attendees=[
                services.AttendeeData(kind=AttendeeKind.OWNER, organization=county_data["west_shop"]),
                services.AttendeeData(kind=AttendeeKind.SECRETARY, party_organization=county_data["east"]),
            ],
        )
    assert spring.attendances.count() == before


def test_a_clerk_adds_only_his_own_people_to_his_own_trainings(county_data, bob, carol):
    with pytest.raises(ServiceError, match="管理范围"):
        services.add_attendees(
            by=bob,
            training=county_data["new_year"],
            attendees=[services.AttendeeData(kind=AttendeeKind.OWNER, organization=county_data["b_org"])],
        )
    with pytest.raises(ServiceError, match="不是您所在单位"):
        services.add_attendees(
            by=carol,
            training=county_data["new_year"],
            attendees=[services.AttendeeData(kind=AttendeeKind.OWNER, organization=county_data["b_org"])],
        )


def test_the_gap_list_follows_the_scope(county_data, client, bob, carol, township_b):
    report = selectors.training_gaps(user=bob, year=2025)
    assert {s.required.label for s in report.statuses} == {"城东党支部", "城西党支部", "城东公司", "城西商店"}
    client.force_login(bob)
    page = client.get(reverse("training:gaps"), {"year": 2025}).content.decode()
    assert "罗雄街道" in page and "板桥镇" not in page
    assert client.get(reverse("training:gap_township", kwargs={"pk": township_b.pk}), {"year": 2025}).status_code == 404
    assert client.get(reverse("training:gap_export"), {"year": 2025, "township": township_b.pk}).status_code == 200
    client.force_login(carol)
    page = client.get(reverse("training:gap_township", kwargs={"pk": township_b.pk}), {"year": 2025}).content.decode()
    assert "板桥公司" in page and "城西商店" not in page


def test_drill_down_shows_attended_and_missing(county_data, client, bob, township_a):
    client.force_login(bob)
    page = client.get(reverse("training:gap_township", kwargs={"pk": township_a.pk}), {"year": 2025}).content.decode()
    assert "城西党支部" in page and "缺训 1 次" in page
    assert "赵专职" in page and "已完成" in page


def test_the_export_lists_the_missing_and_is_audited(county_data, client, bob):
    client.force_login(bob)
    response = client.get(reverse("training:gap_export"), {"year": 2025})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(sent_bytes(response)), read_only=True).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["乡镇(街道)", "培训对象", "党组织/两新组织"]
    assert sorted((r[1], r[2], r[6]) for r in rows[1:]) == [
        ("业主(负责人)", "城西商店", 1),
        ("党组织书记", "城西党支部", 1),
    ]
    record = AuditRecord.objects.filter(action=AuditAction.EXPORT, object_type="training.gap_list").get()
    assert record.actor == bob and record.changes["rows"] == 2


def test_a_training_of_another_township_is_404_and_its_attendees_hidden(county_data, client, bob, carol):
    new_year = county_data["new_year"]
    client.force_login(carol)
    assert client.get(new_year.get_absolute_url()).status_code == 404
    spring = county_data["spring"]
    page = client.get(spring.get_absolute_url()).content.decode()  # a county training: every unit sees its course
    assert "2025年书记集中培训" in page and "王书记" not in page
    client.force_login(bob)
    assert "王书记" in client.get(spring.get_absolute_url()).content.decode()


def test_the_keeper_adds_an_attendee_on_the_page_and_the_rule_form_is_the_county_administrators(
    county_data, client, bob, alice
):
    new_year = county_data["new_year"]
    client.force_login(bob)
    assert "添加参训人员" in client.get(new_year.get_absolute_url()).content.decode()
    assert "添加参训人员" not in client.get(county_data["spring"].get_absolute_url()).content.decode()
    response = client.post(new_year.get_absolute_url(), {"kind": "owner", "organization": county_data["west_shop"].pk})
    assert response.status_code == 302
    assert new_year.attendances.filter(organization=county_data["west_shop"], name="业主").exists()
    refused = client.post(new_year.get_absolute_url(), {"kind": "owner", "organization": county_data["b_org"].pk})
    assert (
        refused.status_code == 200 and "不在您的管理范围内" in refused.content.decode()
    )  # not among his organizations
    assert not new_year.attendances.filter(organization=county_data["b_org"]).exists()
    assert "<h2>新增版本</h2>" not in client.get(reverse("training:rules")).content.decode()
    client.force_login(alice)
    assert "<h2>新增版本</h2>" in client.get(reverse("training:rules")).content.decode()


def test_the_compliance_calendar_shows_the_years_training(county_data):
    """Organization life's calendar (its ``CALENDAR_SOURCES``) gets one row a year: met when the
    secretary and the full-time workers are trained, missed once the year is over, due before."""
    import datetime as dt

    from liangxin.orglife import selectors as orglife

    east, west, old = county_data["east"], county_data["west"], county_data["old_b"]
    standings = orglife.standings(party_organizations=[east, west, old], as_of=dt.date(2026, 2, 1), year=2025)
    rows = {s.party_organization.pk: [r for r in s.results if r.rule.code == "yearly_training"] for s in standings}
    assert [(r.period.label, r.status) for r in rows[east.pk]] == [("2025", "met")]
    assert [r.status for r in rows[west.pk]] == ["missed"]
    assert rows[old.pk] == []  # dissolved before the year's end: nothing asked
    (west_now,) = orglife.standings(party_organizations=[west], as_of=dt.date(2025, 6, 1), year=2025)
    assert [r.status for r in west_now.results if r.rule.code == "yearly_training"] == ["due"]


def test_the_gap_list_asked_for_no_year_shows_this_year_and_its_year_box_says_so(county_data, client, bob, monkeypatch):
    monkeypatch.setattr("liangxin.core.forms.today", lambda: dt.date(2025, 6, 1))
    client.force_login(bob)

    def shown(**query):
        html = client.get(reverse("training:gaps"), query).content.decode()
        start = html.index("<h1>")
        return html[start : html.index("</form>", start)], html[html.index("<table") : html.index("</table>")]

    (heading, table), (_, table_2025) = shown(), shown(year=2025)
    assert 'name="year" value="2025"' in heading and "2025年缺训名单" in heading
    assert table == table_2025 and "罗雄街道" in table
