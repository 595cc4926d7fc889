"""The lists: people at each stage, conversions due within 60 days over a frozen clock, overdue
steps, and the counts by preference category on a known data set; the page and its export."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from liangxin.audit.models import AuditRecord
from liangxin.development import selectors, services
from liangxin.development.pipeline import Preference, Stage
from liangxin.testing.factories import valid_id_number

from .conftest import D, walk_to

TODAY = D(2026, 8, 1)


def shifted_walk(by, file, stage, probation_from):
    """``walk_to`` with every date moved so that the probation starts on ``probation_from``."""
    return walk_to(by, file, stage, shift=probation_from - D(2024, 7, 1))


@pytest.fixture
def township_b_files(apply, carol):
    due = shifted_walk(carol, apply(21, on=D(2024, 3, 12)), Stage.PROBATIONARY, D(2025, 9, 1))  # ends 2026-09-01
    late = shifted_walk(carol, apply(22, on=D(2023, 11, 10)), Stage.PROBATIONARY, D(2025, 6, 1))  # ends 2026-06-01
    later = shifted_walk(carol, apply(23, on=D(2024, 6, 12)), Stage.PROBATIONARY, D(2025, 12, 1))  # ends 2026-12-01
    no_talk = apply(24, on=D(2026, 6, 20))  # talk due 2026-07-20
    talked = apply(25, on=D(2026, 7, 10))  # talk due 2026-08-09: not yet late
    return {"due": due, "late": late, "later": later, "no_talk": no_talk, "talked": talked}


def test_conversion_due_within_sixty_days_and_overdue_steps(township_b_files, carol):
    lists = selectors.development_lists(user=carol, on=TODAY)
    files = township_b_files
    assert [row.file for row in lists.due] == [files["due"]]
    assert lists.due[0].probation_ends == D(2026, 9, 1)
    assert [(row.file, what, due) for row, what, due in lists.overdue] == [
        (files["late"], "预备期已满,尚未讨论转正", D(2026, 6, 1)),
        (files["no_talk"], "谈话逾期(应在递交申请后一个月内)", D(2026, 7, 20)),
    ]
    # sixty days on, the later one is due and the first one overdue
    lists = selectors.development_lists(user=carol, on=D(2026, 10, 2))
    assert [row.file for row in lists.due] == [files["later"]]
    assert {row.file for row, _what, _due in lists.overdue} == {
        files["late"],
        files["due"],
        files["no_talk"],
        files["talked"],
    }
    assert lists.by_stage == {
        Stage.APPLICANT: 2,
        Stage.ACTIVIST: 0,
        Stage.CANDIDATE: 0,
        Stage.PROBATIONARY: 3,
        Stage.FULL: 0,
    }


def test_counts_by_preference_category(carol, bob, alice, branch_a, org_in_a, branch_b, org_in_b, member_b):
    """Township A's 罗平县蜂产业协会 has no member; township B's 星火煤业 has one (李四)."""

    def apply(by, n, birth, party_org, org, role):
        return services.open_application(
            by=by,
            data=services.ApplicationData(
                name=f"类别{n}",
                id_number=valid_id_number(850 + n, birth=birth),
                party_organization=party_org,
                organization=org,
                work_role=role,
                applied_on=D(2026, 3, 1),
            ),
        )

    apply(bob, 1, D(1996, 1, 1), branch_a, org_in_a, "manager")  # 30: young
    apply(bob, 2, D(1980, 1, 1), branch_a, org_in_a, "front_line")
    apply(bob, 3, D(2001, 1, 1), branch_a, None, "key_staff")  # 25, no organization named
    apply(carol, 4, D(1970, 1, 1), branch_b, org_in_b, "owner")
    apply(carol, 5, D(1991, 3, 1), branch_b, org_in_b, "other")  # 35 on the day: still young
    counts = {
        p: c[Stage.APPLICANT] for p, c in selectors.development_lists(user=alice, on=TODAY).preference_counts.items()
    }
    assert counts == {
        Preference.NO_MEMBERS: 2,
        Preference.FEW_MEMBERS: 2,
        Preference.MANAGER: 1,
        Preference.KEY_STAFF: 1,
        Preference.FRONT_LINE: 1,
        Preference.YOUNG: 3,
        Preference.OWNER: 1,
    }
    township_a = {
        p: c[Stage.APPLICANT] for p, c in selectors.development_lists(user=bob, on=TODAY).preference_counts.items()
    }
    assert township_a[Preference.FEW_MEMBERS] == 0 and township_a[Preference.NO_MEMBERS] == 2
    assert township_a[Preference.YOUNG] == 2


def test_the_page_shows_the_lists_on_the_frozen_day(client, carol, township_b_files, monkeypatch):
    monkeypatch.setattr("liangxin.development.views.today", lambda: TODAY)
    client.force_login(carol)
    page = client.get(reverse("development:index")).content.decode()
    due_table = page.split('id="due"')[1].split("</table>")[0]
    assert "申请人21" in due_table and "2026-09-01" in due_table and "申请人23" not in due_table
    overdue_table = page.split('id="overdue"')[1].split("</table>")[0]
    assert "申请人22" in overdue_table and "申请人24" in overdue_table and "申请人25" not in overdue_table


def test_the_export_holds_the_lists_and_is_audited(client, carol, township_b_files, monkeypatch):
    monkeypatch.setattr("liangxin.development.views.today", lambda: TODAY)
    client.force_login(carol)
    response = client.get(reverse("development:lists_export"))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["各阶段人员", "即将转正", "逾期事项", "优先发展统计"]
    people = [row[0] for row in book["各阶段人员"].iter_rows(min_row=2, values_only=True)]
    assert sorted(people) == ["申请人21", "申请人22", "申请人23", "申请人24", "申请人25"]
    assert [row[0] for row in book["即将转正"].iter_rows(min_row=2, values_only=True)] == ["申请人21"]
    record = AuditRecord.objects.filter(action="export", object_type="development.developmentfile").get()
    assert record.changes["rows"] == 5


def test_scoping_secretary_township_department(client, sam, bob, carol, dave, branch_a, org_in_a, township_b_files):
    own = services.open_application(
        by=bob,
        data=services.ApplicationData(
            name="本支部申请人",
            id_number=valid_id_number(870),
            party_organization=branch_a,
            organization=org_in_a,
            applied_on=D(2026, 3, 1),
        ),
    )
    other = township_b_files["no_talk"]
    for user in (sam, bob, dave):  # dave's department supervises 蜂产业协会, branch A's
        client.force_login(user)
        page = client.get(reverse("development:index")).content.decode()
        assert "本支部申请人" in page and "申请人24" not in page
        assert client.get(reverse("development:file_detail", args=[own.pk])).status_code == 200
        assert client.get(reverse("development:file_detail", args=[other.pk])).status_code == 404
    client.force_login(carol)
    assert client.get(reverse("development:file_detail", args=[own.pk])).status_code == 404
    # the secretary records his own branch's steps, the department only reads
    client.force_login(sam)
    response = client.post(reverse("development:file_step", args=[own.pk]), {"step": "talk", "done_on": "2026-03-10"})
    assert response.status_code == 302
    client.force_login(dave)
    assert (
        client.post(
            reverse("development:file_step", args=[own.pk]), {"step": "training", "done_on": "2026-03-10"}
        ).status_code
        == 403
    )


def test_a_refused_stage_shows_the_reason_and_keeps_the_form(client, carol, apply):
    file = apply(30)
    client.force_login(carol)
    response = client.post(reverse("development:file_stage", args=[file.pk]), {"stage": "activist", "on": "2023-03-01"})
    assert response.status_code == 200
    assert "尚未完成“谈话”" in response.content.decode()
    file.refresh_from_db()
    assert file.activist_on is None
