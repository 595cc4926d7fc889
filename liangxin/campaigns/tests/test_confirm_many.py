"""A department confirms several organizations at once (the ticked ones, or all still without a
verdict) instead of one form per row."""

from __future__ import annotations

from django.urls import reverse

from liangxin.audit.models import AuditRecord
from liangxin.campaigns.models import DepartmentConfirmation

from .conftest import A_FILE, B_FILE


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_a_department_confirms_the_ticked_rows_then_all_the_others(
    client, bob, carol, dave, sub_a, sub_b, sub_x, stage
):
    stage(sub_a, bob, A_FILE)
    stage(sub_b, carol, B_FILE)
    supervised_a = sub_a.entries.get(department_code="GSL")
    supervised_b = sub_b.entries.get(department_code="GSL")
    not_ours = sub_b.entries.exclude(department_code="GSL").first()
    client.force_login(dave)
    page = client.get(sub_x.get_absolute_url()).content.decode()
    assert "2 个组织尚无核实意见" in page
    assert page.count('name="entry"') == 2
    url = reverse("campaigns:entries_confirm", args=[sub_x.pk])

    response = client.post(url, {"entry": [supervised_a.pk, not_ours.pk]}, follow=True)
    assert "已将 1 个组织的核实意见记为“确认无误”。" in _messages(response)
    assert set(DepartmentConfirmation.objects.values_list("entry_id", "verdict")) == {(supervised_a.pk, "confirmed")}

    before = AuditRecord.objects.count()
    response = client.post(url, {"all": "1"}, follow=True)
    assert "已将 1 个组织的核实意见记为“确认无误”。" in _messages(response)
    assert set(DepartmentConfirmation.objects.values_list("entry_id", flat=True)) == {supervised_a.pk, supervised_b.pk}
    assert AuditRecord.objects.count() > before  # each row's verdict is audited
    assert "尚无核实意见" not in response.content.decode()

    response = client.post(url, {"all": "1"}, follow=True)
    assert "请先勾选要确认的组织。" in _messages(response)
    assert DepartmentConfirmation.objects.count() == 2


def test_a_township_clerk_may_not_confirm_for_a_department(client, bob, sub_a, sub_x, stage):
    stage(sub_a, bob, A_FILE)
    client.force_login(bob)
    assert client.post(reverse("campaigns:entries_confirm", args=[sub_x.pk]), {"all": "1"}).status_code == 403
    assert not DepartmentConfirmation.objects.exists()
