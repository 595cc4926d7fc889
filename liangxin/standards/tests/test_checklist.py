"""The five-ones checklist: evidence is required, the checker is never the party organization's
own secretary (service and database), the activity room is held to the standard in force, and
completion rates on a known data set."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from liangxin.audit.models import AuditRecord
from liangxin.core.errors import ServiceError
from liangxin.standards import rules, services
from liangxin.standards.models import ChecklistItem, StandardizationPolicy
from liangxin.standards.selectors import completion
from liangxin.testing.factories import PartyOrganizationFactory
from liangxin.testing.responses import body_text

from .conftest import photo

ON = dt.date(2026, 6, 1)


def _check(by, po, item, *, passed=True, area=None, note=""):
    return services.check_item(
        by=by,
        party_organization=po,
        item=item,
        data=services.CheckData(passed=passed, checked_on=ON, room_area=area, note=note),
    )


def _done(by_clerk, po, item, area=None):
    services.add_evidence(by=by_clerk, party_organization=po, item=item, file=photo(item))
    return _check(by_clerk, po, item, area=Decimal(area) if area else None)


def test_the_secretary_adds_evidence_but_cannot_check_it(sam, bob, branch_a):
    services.add_evidence(by=sam, party_organization=branch_a, item="party_flag", file=photo())
    with pytest.raises(ServiceError, match="书记不能检查"):
        _check(sam, branch_a, "party_flag")
    item = ChecklistItem.objects.get(party_organization=branch_a, item="party_flag")
    assert item.check_passed is None and not item.done
    checked = _check(bob, branch_a, "party_flag")
    assert checked.done and checked.checker_role == "township_clerk" and checked.checked_by == bob
    assert AuditRecord.objects.filter(object_type="standards.checklistitem", action="update").exists()


def test_the_database_refuses_a_check_by_the_secretary_or_without_evidence(bob, branch_a):
    evidence = services.add_evidence(by=bob, party_organization=branch_a, item="sign_board", file=photo())
    item = evidence.item
    for changes in (
        {"checker_role": "secretary", "checked_evidence": evidence},  # the secretary's own check
        {"checker_role": "township_clerk", "checked_evidence": None},  # no evidence looked at
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            ChecklistItem.objects.filter(pk=item.pk).update(check_passed=True, checked_on=ON, checked_by=bob, **changes)


def test_a_check_needs_evidence(bob, branch_a):
    with pytest.raises(ServiceError, match="还没有证明材料"):
        _check(bob, branch_a, "party_flag")
    assert not ChecklistItem.objects.filter(check_passed__isnull=False).exists()


def test_new_evidence_asks_for_a_new_check(bob, sam, branch_a):
    _done(bob, branch_a, "sign_board")
    services.add_evidence(by=sam, party_organization=branch_a, item="sign_board", file=photo("new"))
    item = ChecklistItem.objects.get(party_organization=branch_a, item="sign_board")
    assert item.check_passed is None and item.checked_evidence is None and item.checked_by is None


def test_the_activity_room_is_held_to_the_standard_in_force(bob, branch_a, standard):
    services.add_evidence(by=bob, party_organization=branch_a, item="activity_room", file=photo())
    with pytest.raises(ServiceError, match=r"未达到 30\.0 平方米"):
        _check(bob, branch_a, "activity_room", area=Decimal("25"))
    with pytest.raises(ServiceError, match="面积"):
        _check(bob, branch_a, "activity_room")
    failed = _check(bob, branch_a, "activity_room", area=Decimal("25"), passed=False, note="面积不足")
    assert failed.check_passed is False
    # A later standard (policy data) of 20 m² applies to checks from its day on.
    StandardizationPolicy.objects.create(valid_from=dt.date(2026, 1, 1), activity_room_min_area=20, basis="试行")
    assert _check(bob, branch_a, "activity_room", area=Decimal("25")).done


def test_completion_rates_per_township_on_a_known_data_set(alice, bob, carol, branch_a, branch_b, township_a):
    """Township A: branch A all five done; a second branch two done, one waiting for its check,
    one failed; a dissolved branch not counted. Township B: nothing. 7 of 10 items in A, 0 of 5
    in B, 7 of 15 in the county."""
    second = PartyOrganizationFactory(name="罗雄第二党支部", township=township_a)
    PartyOrganizationFactory(
        name="已撤销党支部", township=township_a, dissolved_on=dt.date(2025, 1, 1), dissolution_reason="企业关闭"
    )
    for item in rules.ITEMS:
        _done(bob, branch_a, item, area="32" if item == "activity_room" else None)
    _done(bob, second, "party_flag")
    _done(bob, second, "sign_board")
    services.add_evidence(by=bob, party_organization=second, item="working_rules", file=photo())
    services.add_evidence(by=bob, party_organization=second, item="bulletin_board", file=photo())
    _check(bob, second, "bulletin_board", passed=False, note="照片不全")

    county = completion(user=alice)
    rows = {
        r.township.name: (r.party_organizations, r.items_done, r.items_total, r.rate, r.complete)
        for r in county.townships
    }
    assert rows == {"罗雄街道": (2, 7, 10, Decimal("0.7000"), 1), "板桥镇": (1, 0, 5, Decimal("0"), 0)}
    total = county.total
    assert total is not None and (total.items_done, total.items_total, total.rate) == (7, 15, Decimal("0.4667"))
    drill = {
        r.party_organization.name: (sorted(r.done), sorted(r.to_check))
        for r in completion(user=alice, township=township_a).organizations
    }
    assert drill == {
        "罗平县蜂产业协会党支部": (sorted(rules.ITEMS), []),
        "罗雄第二党支部": (["party_flag", "sign_board"], ["working_rules"]),
    }
    # A township clerk sees his township only.
    assert [r.township.name for r in completion(user=bob).townships] == ["罗雄街道"]
    assert [r.township.name for r in completion(user=carol).townships] == ["板桥镇"]


# --- Pages and scope -----------------------------------------------------------------------------


def test_checklist_pages_by_role(client, sam, bob, dave, branch_a, branch_b):
    """The secretary sees his own checklist with the upload form and no check form; the township
    clerk both; the department clerk reads the party organizations of what he supervises; 404
    elsewhere."""
    url = reverse("standards:checklist", args=[branch_a.pk])
    client.force_login(sam)
    page = body_text(client.get(url))
    assert "上传证明材料" in page and "保存检查结果" not in page
    assert client.get(reverse("standards:checklist", args=[branch_b.pk])).status_code == 404
    assert client.post(reverse("standards:item_check", args=[branch_a.pk]), {"item": "party_flag"}).status_code == 403
    client.force_login(bob)
    page = body_text(client.get(url))
    assert "上传证明材料" in page and "保存检查结果" in page
    client.force_login(dave)
    page = body_text(client.get(url))
    assert branch_a.name in page and "上传证明材料" not in page
    assert client.get(reverse("standards:checklist", args=[branch_b.pk])).status_code == 404


def test_upload_and_check_through_the_pages(client, sam, bob, branch_a):
    client.force_login(sam)
    response = client.post(
        reverse("standards:evidence_add", args=[branch_a.pk]),
        {"item": "party_flag", "file": photo("flag"), "description": "活动室党旗"},
    )
    assert response.status_code == 302
    client.force_login(bob)
    response = client.post(
        reverse("standards:item_check", args=[branch_a.pk]),
        {"item": "party_flag", "passed": "yes", "checked_on": "2026-06-01", "inspector": "王指导"},
    )
    assert response.status_code == 302
    item = ChecklistItem.objects.get(party_organization=branch_a, item="party_flag")
    assert item.done and item.inspector == "王指导"
    page = body_text(client.get(reverse("standards:index")))
    assert "罗雄街道" in page and "20.0%" in page  # one of five items


def test_evidence_download_is_audited_and_scoped(client, carol, bob, standards_evidence_b):
    url = reverse("standards:evidence_export", args=[standards_evidence_b.pk])
    client.force_login(bob)
    assert client.get(url).status_code == 404
    client.force_login(carol)
    response = client.get(url)
    assert "bulletin board photo" in body_text(response)
    assert "attachment" in response["Content-Disposition"]
    record = AuditRecord.objects.filter(object_type="standards.evidence", action="export").get()
    assert record.changes["filters"]["evidence"] == standards_evidence_b.pk
