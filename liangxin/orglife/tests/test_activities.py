"""Recording activities (services and pages), who may see and write them, and the lists built
on them: compliance by version, at risk (to-do, dashboard), 刚建了、又散了, the command's JSON."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from liangxin.accounts.roles import Role
from liangxin.audit.models import AuditRecord
from liangxin.core.dates import today
from liangxin.core.errors import ServiceError
from liangxin.orglife import compliance, selectors, services
from liangxin.orglife.models import Activity, ActivityOrganization, LifePolicyVersion
from liangxin.security.uploads import UploadField, UploadKind
from liangxin.testing.factories import (
    ActivityFactory,
    MemberFactory,
    OrganizationFactory,
    PartyOrganizationFactory,
    UserFactory,
    activity_type,
)
from liangxin.testing.responses import body_text, tiny_pdf

pytestmark = pytest.mark.django_db


def _data(party, **kwargs):
    values = {
        "party_organization": party,
        "activity_type": activity_type("members_meeting"),
        "held_on": today() - dt.timedelta(days=3),
        "duration_minutes": 120,
        "place": "活动室",
        "topic": "党员大会",
        "content": "学习",
    }
    values.update(kwargs)
    return services.ActivityData(**values)


# --- Recording ----------------------------------------------------------------------------------


def test_a_clerk_records_an_activity_with_attendance_guests_and_organizations(carol, branch_b, member_b, township_b):
    absent = MemberFactory(name="王五", relation=branch_b)
    uncovered = OrganizationFactory(name="板桥小微超市", township=township_b)
    activity = services.record_activity(
        by=carol,
        data=_data(
            branch_b,
            present=[member_b],
            absent=[(absent, "外出务工")],
            guests=[("赵六", "mobile_member")],
            held_in=uncovered,
        ),
    )
    assert [(a.member.name, a.present, a.absence_reason) for a in activity.attendance.order_by("-present")] == [
        ("李四", True, ""),
        ("王五", False, "外出务工"),
    ]
    assert [(g.name, g.kind) for g in activity.guests.all()] == [("赵六", "mobile_member")]
    (reached,) = ActivityOrganization.objects.filter(activity=activity)
    assert (reached.organization, reached.involvement) == (uncovered, "held_in")
    assert reached.valid_from == activity.held_on and (reached.valid_to - reached.valid_from).days in (365, 366)
    record = AuditRecord.objects.get(object_type="orglife.activity", object_id=str(activity.pk))
    assert record.action == "create" and record.changes["absent"] == [None, [absent.pk]]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"held_on": today() + dt.timedelta(days=1)}, "held_on"),
        ({"held_on": dt.date(2019, 1, 1)}, "held_on"),  # before the branch was founded
        ({"duration_minutes": 0}, "duration"),
        ({"absent": [("member", " ")]}, "absences"),
        ({"present": ["stranger"]}, "present"),
        ({"guests": [("赵六", "alien")]}, "guests"),
        ({"held_in": "org_in_a"}, "took_part"),  # another township's organization
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(carol, branch_b, member_b, org_in_a, change, field):
    stranger = MemberFactory(name="外人")
    resolved = {
        key: [(member_b, r) for _m, r in value]
        if key == "absent"
        else [stranger]
        if value == ["stranger"]
        else org_in_a
        if value == "org_in_a"
        else value
        for key, value in change.items()
    }
    before = AuditRecord.objects.count()
    with pytest.raises(ServiceError) as error:
        services.record_activity(by=carol, data=_data(branch_b, **resolved))
    assert error.value.field == field
    assert not Activity.objects.exists() and AuditRecord.objects.count() == before


def test_only_the_secretary_and_the_township_clerk_of_the_party_organization_record(
    bob, sam, dave, alice, branch_a, branch_b
):
    services.record_activity(by=sam, data=_data(branch_a))
    services.record_activity(by=bob, data=_data(branch_a))
    for user, party in ((sam, branch_b), (bob, branch_b), (dave, branch_a), (alice, branch_a)):
        with pytest.raises(ServiceError):
            services.record_activity(by=user, data=_data(party))
    assert Activity.objects.count() == 2


def test_the_form_takes_absences_by_name_and_asks_for_every_missing_reason(client, carol, branch_b, member_b):
    MemberFactory(name="王五", relation=branch_b)
    client.force_login(carol)
    url = reverse("orglife:activity_create", kwargs={"pk": branch_b.pk})
    fields = {
        "activity_type": activity_type("party_lecture").pk,
        "held_on": (today() - dt.timedelta(days=2)).isoformat(),
        "hours": "2",
        "minutes": "30",
        "place": "会议室",
        "topic": "书记讲党课",
        "content": "党章学习",
        "present": [member_b.pk],
        "guests": "赵六,流动党员\n钱七",
    }
    response = client.post(url, fields)
    assert response.status_code == 200 and "王五" in body_text(response) and not Activity.objects.exists()
    response = client.post(url, {**fields, "absences": "王五:生病"})
    activity = Activity.objects.get()
    assert response.status_code == 302 and response["Location"] == activity.get_absolute_url()
    assert activity.duration_minutes == 150
    assert sorted((g.name, g.kind) for g in activity.guests.all()) == [("赵六", "mobile_member"), ("钱七", "other")]
    page = body_text(client.get(activity.get_absolute_url()))
    assert "王五" in page and "生病" in page and "赵六" in page


# --- Correcting a record ---------------------------------------------------------------------------


def test_an_edit_replaces_fields_attendance_and_organizations_keeps_files_and_is_audited(
    carol, branch_b, member_b, township_b
):
    absent = MemberFactory(name="王五", relation=branch_b)
    first, second = (OrganizationFactory(name=n, township=township_b) for n in ("板桥甲店", "板桥乙店"))
    activity = services.record_activity(
        by=carol, data=_data(branch_b, present=[member_b], absent=[(absent, "外出")], held_in=first)
    )
    upload = UploadField(kind=UploadKind.EVIDENCE).clean(
        SimpleUploadedFile("照片.pdf", tiny_pdf("photo"), "application/pdf")
    )
    services.add_file(by=carol, activity=activity, upload=upload)
    day = today() - dt.timedelta(days=10)
    services.update_activity(
        by=carol,
        activity=activity,
        data=_data(branch_b, held_on=day, topic="主题党日", present=[member_b, absent], took_part=[second]),
    )
    activity.refresh_from_db()
    assert (activity.held_on, activity.topic) == (day, "主题党日")
    assert sorted(activity.attendance.values_list("member__name", "present")) == [("李四", True), ("王五", True)]
    (reached,) = ActivityOrganization.objects.filter(activity=activity)
    assert (reached.organization, reached.involvement, reached.valid_from) == (second, "took_part", day)
    assert activity.files.count() == 1
    record = AuditRecord.objects.filter(object_type="orglife.activity", action="update").get()
    assert record.changes["topic"] == ["党员大会", "主题党日"]
    assert record.changes["absent"] == [[absent.pk], []] and record.changes["held_in"] == [first.pk, None]
    assert "place" not in record.changes


def test_a_refused_edit_changes_nothing(carol, bob, branch_a, branch_b, member_b):
    activity = services.record_activity(by=carol, data=_data(branch_b, present=[member_b]))
    before = AuditRecord.objects.count()
    for user, data in (
        (carol, _data(branch_b, held_on=today() + dt.timedelta(days=1))),
        (carol, _data(branch_a)),  # another party organization
        (bob, _data(branch_b)),  # another township's clerk
    ):
        with pytest.raises(ServiceError):
            services.update_activity(by=user, activity=activity, data=data)
    activity.refresh_from_db()
    assert activity.topic == "党员大会" and activity.attendance.count() == 1
    assert AuditRecord.objects.count() == before


def test_the_edit_page_shows_the_record_as_typed_and_saves_the_correction(client, carol, branch_b, member_b):
    absent = MemberFactory(name="王五", relation=branch_b)
    activity = services.record_activity(
        by=carol,
        data=_data(branch_b, present=[member_b], absent=[(absent, "生病")], guests=[("赵六", "mobile_member")]),
    )
    client.force_login(carol)
    url = reverse("orglife:activity_edit", kwargs={"pk": activity.pk})
    assert url in client.get(activity.get_absolute_url()).content.decode()
    page = client.get(url).content.decode()
    assert "修改组织生活记录" in page and "王五:生病" in page and "赵六,流动党员" in page
    assert 'value="党员大会"' in page
    fields = {
        "activity_type": activity.activity_type_id,
        "held_on": activity.held_on.isoformat(),
        "hours": "1",
        "minutes": "0",
        "place": "活动室",
        "topic": "党员大会(补记)",
        "content": "学习",
        "present": [member_b.pk],
        "absences": "王五:生病",
    }
    response = client.post(url, fields)
    assert response.status_code == 302 and response["Location"] == activity.get_absolute_url()
    activity.refresh_from_db()
    assert (activity.topic, activity.duration_minutes, activity.guests.count()) == ("党员大会(补记)", 60, 0)


def test_a_correction_saved_meanwhile_is_not_overwritten(client, carol, township_b, branch_b, member_b):
    colleague = UserFactory(username="carol2", role=Role.TOWNSHIP_CLERK, township=township_b)
    activity = services.record_activity(by=carol, data=_data(branch_b, present=[member_b]))
    url = reverse("orglife:activity_edit", kwargs={"pk": activity.pk})
    client.force_login(carol)
    assert 'name="version" value="0"' in client.get(url).content.decode()
    fields = {
        "activity_type": activity.activity_type_id,
        "held_on": activity.held_on.isoformat(),
        "hours": "1",
        "place": "活动室",
        "content": "学习",
        "present": [member_b.pk],
        "version": "0",  # both forms were opened before either was saved
    }
    assert client.post(url, {**fields, "topic": "卡罗尔的更正"}).status_code == 302
    client.force_login(colleague)
    late = client.post(url, {**fields, "topic": "同事的更正"})
    assert late.status_code == 200 and "该记录已被他人修改" in late.content.decode()
    activity.refresh_from_db()
    assert (activity.topic, activity.version) == ("卡罗尔的更正", 1)
    assert AuditRecord.objects.filter(object_id=str(activity.pk), action="update").count() == 1


# --- Scope ----------------------------------------------------------------------------------------


def test_each_role_sees_the_activities_of_its_scope(bob, carol, sam, dave, alice, branch_a, branch_b, township_a):
    other_in_a = PartyOrganizationFactory(name="罗雄另一党支部", township=township_a)
    for party in (branch_a, branch_b, other_in_a):
        ActivityFactory(party_organization=party, topic=f"{party.name}的活动")
    seen = {
        user.username: sorted(a.party_organization.name for a in selectors.activities_for(user=user))
        for user in (alice, bob, carol, sam, dave)
    }
    assert seen["alice"] == sorted([branch_a.name, branch_b.name, other_in_a.name])
    assert seen["bob"] == sorted([branch_a.name, other_in_a.name])
    assert seen["carol"] == [branch_b.name]
    assert seen["sam"] == [branch_a.name]
    assert seen["dave"] == [branch_a.name]  # the department supervises the organization branch A covers


def test_a_department_reads_but_does_not_record(client, dave, branch_a):
    activity = ActivityFactory(party_organization=branch_a)
    client.force_login(dave)
    assert activity.topic in body_text(client.get(activity.get_absolute_url()))
    assert client.get(reverse("orglife:activity_create", kwargs={"pk": branch_a.pk})).status_code == 403


def test_the_secretary_sees_only_his_party_organization_and_other_calendars_are_404(client, sam, branch_a, branch_b):
    client.force_login(sam)
    page = body_text(client.get(reverse("orglife:index")))
    assert branch_a.name in page and branch_b.name not in page
    assert client.get(reverse("orglife:calendar", kwargs={"pk": branch_b.pk})).status_code == 404


# --- Compliance with the policy's versions ---------------------------------------------------------


def test_the_calendar_follows_a_version_changed_mid_year(client, bob, branch_a, monkeypatch):
    """From 1 July 2025 the county asks for a party lecture every month: the first half-year
    stays judged quarterly, the second monthly."""
    for module in ("liangxin.orglife.views", "liangxin.core.forms"):  # the page, and its year box
        monkeypatch.setattr(f"{module}.today", lambda: dt.date(2025, 9, 15))
    first = LifePolicyVersion.objects.get()
    second = LifePolicyVersion.objects.create(
        name="2025年调整", effective_from=dt.date(2025, 7, 1), source="县委组织部通知", at_risk_months=3,
        dissolved_within_years=3, work_coverage_months=12,
    )  # fmt: skip
    for rule in first.rules.all():
        types = list(rule.activity_types.all())
        rule.pk = None
        rule.policy = second
        if rule.code == "party_lecture":
            rule.period = "month"
        rule.save()
        rule.activity_types.set(types)
    for day in (dt.date(2025, 2, 10), dt.date(2025, 7, 20), dt.date(2025, 9, 2)):
        ActivityFactory(party_organization=branch_a, held_on=day, activity_type=activity_type("party_lecture"))
    (standing,) = selectors.standings(party_organizations=[branch_a], as_of=dt.date(2025, 9, 15))
    lectures = [(r.period.label, r.status) for r in standing.results if r.rule.code == "party_lecture"]
    assert lectures == [
        ("2025-Q1", "met"), ("2025-Q2", "missed"), ("2025-07", "met"), ("2025-08", "missed"), ("2025-09", "met"),
    ]  # fmt: skip
    client.force_login(bob)
    page = body_text(client.get(reverse("orglife:calendar", kwargs={"pk": branch_a.pk}), {"year": 2025}))
    assert "2025-Q2 ✗" in page and "2025-08 ✗" in page and "2025-09 ✓" in page
    unasked = client.get(reverse("orglife:calendar", kwargs={"pk": branch_a.pk})).content.decode()
    assert 'name="year" value="2025"' in unasked  # the year box says which year is shown


def test_the_command_prints_one_object_per_party_organization_rule_and_period(branch_a, branch_b):
    ActivityFactory(
        party_organization=branch_a, held_on=dt.date(2025, 2, 3), activity_type=activity_type("members_meeting")
    )
    out = StringIO()
    call_command("compliance", "--as-of", "2025-04-02", "--json", stdout=out)
    rows = json.loads(out.getvalue())
    assert {tuple(sorted(r)) for r in rows} == {
        ("count", "party_organization", "party_organization_name", "period", "rule", "status", "township")
    }
    meeting = {
        (r["party_organization"], r["period"]): (r["status"], r["count"])
        for r in rows
        if r["rule"] == "members_meeting"
    }
    assert meeting == {
        (branch_a.pk, "2025-Q1"): ("met", 1),
        (branch_a.pk, "2025-Q2"): ("due", 0),
        (branch_b.pk, "2025-Q1"): ("missed", 0),
        (branch_b.pk, "2025-Q2"): ("due", 0),
    }
    half_day = [r for r in rows if r["rule"] == "half_day" and r["party_organization"] == branch_a.pk]
    assert [(r["period"], r["status"], r["count"]) for r in half_day] == [
        ("2025-01", "missed", 0), ("2025-02", "missed", 120), ("2025-03", "missed", 0), ("2025-04", "due", 0),
    ]  # fmt: skip
    assert {r["township"] for r in rows} == {branch_a.township.code, branch_b.township.code}
    assert not [r for r in rows if r["rule"] == "committee_meeting"]  # one member each: no committee


def test_the_command_refuses_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("compliance", "--as-of", "2025-13-01", stdout=StringIO())


# --- At risk ----------------------------------------------------------------------------------------


def test_a_silent_party_organization_is_on_the_clerks_to_do_and_the_dashboard(client, bob, branch_a, township_a):
    lively = PartyOrganizationFactory(name="罗雄活跃党支部", township=township_a)
    ActivityFactory(party_organization=lively, held_on=today() - dt.timedelta(days=10))
    ActivityFactory(party_organization=branch_a, held_on=today() - dt.timedelta(days=120))
    client.force_login(bob)
    todo = body_text(client.get(reverse("todo")))
    assert branch_a.name in todo and "涣散风险" in todo and lively.name not in todo
    assert f"最近一次活动:{(today() - dt.timedelta(days=120)).isoformat()}" in todo
    dashboard = body_text(client.get(reverse("coverage:dashboard")))
    assert "组织生活有风险" in dashboard and branch_a.name in dashboard and lively.name not in dashboard
    index = body_text(client.get(reverse("orglife:index")))
    assert "有风险" in index and "其中 1 个有风险" in index
    ActivityFactory(party_organization=branch_a, held_on=today() - dt.timedelta(days=1))
    assert branch_a.name not in body_text(client.get(reverse("todo")))


def test_the_months_at_risk_are_policy_data(bob, branch_a):
    ActivityFactory(party_organization=branch_a, held_on=today() - dt.timedelta(days=100))
    assert list(selectors.at_risk_queryset(user=bob, as_of=today())) == [branch_a]
    LifePolicyVersion.objects.update(at_risk_months=6)
    assert list(selectors.at_risk_queryset(user=bob, as_of=today())) == []


def test_the_at_risk_query_equals_the_rule_at_every_boundary(alice, township_a, township_b):
    """``at_risk_queryset`` (one query, for counting a province's) and ``standings`` (the pure
    ``compliance.is_at_risk`` on each) pick the same party organizations: activities on, before and
    after the day the policy's months back, founded on either side of it, dissolved, none."""
    on = dt.date(2026, 6, 15)
    since = compliance.at_risk_since(on, selectors.policy_in_force(on=on).at_risk_months)
    day = dt.timedelta(days=1)
    cases = {
        "never": (since - 400 * day, None, None),
        "on the day": (since - 400 * day, since, None),
        "the day after": (since - 400 * day, since + day, None),
        "after the date": (since - 400 * day, on + day, None),
        "on the date": (since - 400 * day, on, None),
        "founded that day": (since, None, None),
        "founded the day after": (since + day, None, None),
        "dissolved": (since - 400 * day, None, on),
        "dissolved later": (since - 400 * day, None, on + day),
    }
    for n, (name, (founded, held, dissolved)) in enumerate(cases.items()):
        party = PartyOrganizationFactory(
            name=name,
            township=(township_a, township_b)[n % 2],
            founded_on=founded,
            dissolved_on=dissolved,
            dissolution_reason="企业注销" if dissolved else "",
        )
        if held is not None:
            ActivityFactory(party_organization=party, held_on=held)
    found = list(selectors.at_risk_queryset(user=alice, as_of=on))
    by_rule = [s.party_organization for s in selectors.standings_for(user=alice, as_of=on) if s.at_risk]
    assert found == by_rule
    assert {p.name for p in found} == {"never", "on the day", "after the date", "founded that day", "dissolved later"}


# --- 刚建了、又散了 ---------------------------------------------------------------------------------


def test_party_organizations_dissolved_soon_after_founding_by_township_and_year(client, bob, carol, township_a):
    def party(name, founded, dissolved, reason="企业停产,党员流失"):
        return PartyOrganizationFactory(
            name=name, township=township_a, founded_on=founded, dissolved_on=dissolved, dissolution_reason=reason
        )

    quick = party("罗雄速散党支部", dt.date(2020, 3, 1), dt.date(2022, 6, 1), "企业倒闭")
    party("罗雄三年整党支部", dt.date(2020, 3, 1), dt.date(2023, 3, 1))  # on the anniversary: not within
    party("罗雄老党支部", dt.date(2010, 1, 1), dt.date(2022, 1, 1))
    also = party("罗雄又一党支部", dt.date(2021, 5, 1), dt.date(2022, 12, 1))
    party("罗雄刚撤党支部", dt.date(2024, 5, 1), dt.date(2024, 8, 1), "企业迁出")
    years, rows = selectors.dissolved_soon_for(user=bob, as_of=dt.date(2024, 7, 1))
    assert years == 3 and [r.party_organization for r in rows] == [quick, also]  # the 2024 one: after the day
    client.force_login(bob)
    page = body_text(client.get(reverse("orglife:dissolved")))
    assert "企业倒闭" in page and "企业迁出" in page and "罗雄老党支部" not in page and "罗雄三年整党支部" not in page
    columns, table = selectors.dissolved_soon_table(selectors.dissolved_soon_for(user=bob, as_of=today())[1])
    assert columns == [2022, 2024] and [(t.name, counts, total) for t, counts, total in table] == [
        ("罗雄街道", [2, 1], 3)
    ]
    client.force_login(carol)
    assert "企业倒闭" not in body_text(client.get(reverse("orglife:dissolved")))
    LifePolicyVersion.objects.update(dissolved_within_years=5)
    assert len(selectors.dissolved_soon_for(user=bob, as_of=today())[1]) == 4
