"""The pool's pages: the list per township with filters, the export (masked, audited, streamed),
the entry page, the assign and end forms; outside the scope a 404."""

import datetime as dt

from django.urls import reverse

from liangxin.audit.models import AuditRecord
from liangxin.core import crypto
from liangxin.talent import services
from liangxin.talent.models import InstructorAssignment, PoolEntry
from liangxin.testing.factories import MemberFactory
from liangxin.testing.responses import body_text

from .conftest import START


def test_the_pool_lists_the_clerks_township_with_current_assignments(client, bob, carol, wang, org_in_b, township_a):
    services.add_entry(by=bob, data=services.EntryData(name="罗雄某", township=township_a))
    services.assign_instructor(by=carol, person=wang, organization=org_in_b, valid_from=START, method="appointment")
    client.force_login(carol)
    text = body_text(client.get(reverse("talent:pool")))
    assert "王指导" in text and f"{org_in_b.name}(指导员)" in text and "罗雄某" not in text
    assert "共 1 人" in text
    assert "王指导" not in body_text(client.get(reverse("talent:pool"), {"assigned": "no"}))
    assert "王指导" in body_text(client.get(reverse("talent:pool"), {"q": "党务"}))


def test_the_export_is_masked_audited_and_scoped(client, bob, carol, wang, township_a):
    services.add_entry(by=bob, data=services.EntryData(name="罗雄某", township=township_a))
    client.force_login(carol)
    response = client.get(reverse("talent:pool_export"))
    assert response.streaming
    text = body_text(response)
    number = crypto.decrypt(wang.id_number_encrypted)
    assert "王指导" in text and wang.id_number_masked in text and number not in text and "罗雄某" not in text
    record = AuditRecord.objects.get(action="export", object_type="talent.pool")
    assert record.actor == carol and record.changes["rows"] == 1


def test_the_entry_page_shows_the_masked_number_and_the_county_reveals_it(client, alice, carol, wang):
    number = crypto.decrypt(wang.id_number_encrypted)
    client.force_login(carol)
    text = body_text(client.get(wang.get_absolute_url()))
    assert wang.id_number_masked in text and number not in text and "显示完整身份证号" not in text
    assert client.post(reverse("talent:entry_reveal_id_number", args=[wang.pk])).status_code == 403
    client.force_login(alice)
    response = client.post(reverse("talent:entry_reveal_id_number", args=[wang.pk]), HTTP_HX_REQUEST="true")
    assert number in body_text(response)
    assert AuditRecord.objects.filter(action="view_id_number", object_id=str(wang.pk)).count() == 1


def test_assign_and_end_through_the_forms(client, carol, wang, org_in_b):
    client.force_login(carol)
    url = reverse("talent:instructor_assign", args=[wang.pk])
    response = client.post(
        url, {"organization": org_in_b.pk, "valid_from": "2026-03-01", "method": "appointment", "subsidy": "1,200元"}
    )
    assert response.status_code == 302
    assignment = InstructorAssignment.objects.get(organization=org_in_b)
    assert str(assignment.subsidy) == "1200.00"
    # A second one while the first is open: the refusal on the page, nothing written.
    again = client.post(url, {"organization": org_in_b.pk, "valid_from": "2026-04-01", "method": "two_way"})
    assert "已有在任指导员" in body_text(again) and InstructorAssignment.objects.count() == 1
    end = reverse("talent:instructor_end", args=[assignment.pk])
    assert "请填写" in body_text(client.post(end, {"valid_to": "2026-06-01", "reason": "  "}))
    assert client.post(end, {"valid_to": "2026-06-01", "reason": "任期届满"}).status_code == 302
    assignment.refresh_from_db()
    assert (assignment.valid_to, assignment.end_reason) == (dt.date(2026, 6, 1), "任期届满")


def test_outside_the_scope_every_page_of_an_entry_is_404(client, bob, dave, wang, org_in_b, carol):
    assignment = services.assign_instructor(
        by=carol, person=wang, organization=org_in_b, valid_from=START, method="appointment"
    )
    for user in (bob, dave):
        client.force_login(user)
        assert client.get(wang.get_absolute_url()).status_code == 404
        assert "王指导" not in body_text(client.get(reverse("talent:pool")))
    client.force_login(bob)
    for name, pk in [
        ("talent:entry_edit", wang.pk),
        ("talent:instructor_assign", wang.pk),
        ("talent:post_assign", wang.pk),
        ("talent:instructor_end", assignment.pk),
    ]:
        assert client.post(reverse(name, args=[pk]), {"reason": "x"}).status_code == 404
    assignment.refresh_from_db()
    assert assignment.valid_to is None


def test_the_entry_form_finds_the_member_to_link_by_searching_within_the_scope(
    client, carol, township_b, member_b, branch_a, township_a
):
    other = MemberFactory(name="甲乡党员", relation=branch_a)  # township A's
    client.force_login(carol)
    url = reverse("talent:entry_create")
    page = client.get(url).content.decode()
    assert 'name="member_q"' in page and member_b.name not in page  # no list of her members
    data = {"township": township_b.pk, "availability": "part_time", "skills": "党务"}
    refused = client.post(url, {**data, "member": other.pk})
    assert refused.status_code == 200 and "不在您的管理范围内" in refused.content.decode()
    assert client.post(url, {**data, "member_q": member_b.name}).status_code == 302  # typed, no JavaScript
    assert PoolEntry.objects.get().member == member_b
