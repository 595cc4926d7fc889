"""Reverting an import batch: refused with the reason after anything later wrote the same
organizations' figures (never a server error), and the formation plans the batch closed reopen."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from liangxin.audit.models import AuditRecord
from liangxin.census import services
from liangxin.census.models import BatchStatus
from liangxin.core.errors import ServiceError
from liangxin.formation import services as formation_services
from liangxin.registry import services as registry_services
from liangxin.registry.models import Organization, OrganizationFacts
from liangxin.testing.factories import ready_plan, valid_uscc

AS_OF = dt.date(2026, 11, 30)
LATER = dt.date(2026, 12, 3)
HEADER = "统一社会信用代码,组织名称,组织类别,组织类型,所属乡镇,从业人员数,正式党员数,经营状况\n"
U1 = valid_uscc(601)
NAME = "罗平县甲建材有限公司"


def _csv(employees: int, status: str = "正常经营", members: int = 3) -> bytes:
    return f"{HEADER}{U1},{NAME},新经济组织,有限责任公司,罗雄街道,{employees},{members},{status}\n".encode()


def _import(user, data: bytes, unit, as_of: dt.date = AS_OF):
    return services.import_file(by=user, unit=unit, data=data, file_name="census.csv", as_of=as_of)


@pytest.fixture
def imported_twice(alice, census_county):
    """A first batch creates the organization, a second one changes its figures."""
    _import(alice, _csv(10), census_county["county"], as_of=dt.date(2026, 1, 1))
    return _import(alice, _csv(20), census_county["county"]).batch


def test_revert_after_the_figures_were_recorded_by_hand_is_refused_with_the_reason(alice, imported_twice):
    org = Organization.objects.get()
    registry_services.record_facts(
        by=alice, organization=org, facts=registry_services.FactsData(employees=30, full_members=3), valid_from=LATER
    )
    with pytest.raises(ServiceError) as refused:
        services.revert_batch(by=alice, batch=imported_twice)
    assert NAME in refused.value.message and "不能整批撤销" in refused.value.message
    imported_twice.refresh_from_db()
    assert imported_twice.status == BatchStatus.APPLIED
    assert org.facts.get(valid_to__isnull=True).employees == 30


def test_revert_after_figures_written_by_any_other_path_is_refused(alice, imported_twice):
    """Not every writer goes through the services (a script, a repair): the batch's interval
    closed by a later one is enough to refuse."""
    org = Organization.objects.get()
    OrganizationFacts.objects.filter(organization=org, valid_to__isnull=True).update(valid_to=LATER)
    OrganizationFacts.objects.create(organization=org, valid_from=LATER, employees=40, source="edit")
    with pytest.raises(ServiceError) as refused:
        services.revert_batch(by=alice, batch=imported_twice)
    assert "又记录了新的普查数据" in refused.value.message and NAME in refused.value.message
    assert org.facts.get(valid_to__isnull=True).employees == 40


def test_the_revert_page_answers_a_refusal_with_a_message(client, alice, imported_twice):
    org = Organization.objects.get()
    registry_services.deregister_organization(by=alice, organization=org, on=LATER, reason="注销")
    client.force_login(alice)
    response = client.post(reverse("census:batch_revert", args=[imported_twice.pk]), follow=True)
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("不能撤销:") and NAME in m for m in messages)
    imported_twice.refresh_from_db()
    assert imported_twice.status == BatchStatus.APPLIED


def test_an_import_that_deregisters_closes_the_plan_and_its_revert_reopens_it(alice, bob, census_county):
    """The batch records the plans it closed; after the revert the organization operates again and
    its plan is open again, in the status it had."""
    _import(alice, _csv(10), census_county["county"], as_of=dt.date(2026, 1, 1))
    org = Organization.objects.get()
    plan = ready_plan(by=bob, organization=org, planned_date=dt.date(2027, 3, 1))
    plan = formation_services.start_preparing(by=bob, plan=plan)

    batch = _import(alice, _csv(10, status="注销"), census_county["county"]).batch
    plan.refresh_from_db()
    assert (plan.status, plan.closed_on) == ("cancelled", AS_OF)
    assert batch.closed_plans == [[plan.pk, "preparing"]]

    services.revert_batch(by=alice, batch=batch)
    plan.refresh_from_db()
    assert (plan.status, plan.closed_on) == ("preparing", None)
    assert org.facts.get(valid_to__isnull=True).operating_status == "operating"
    record = AuditRecord.objects.filter(object_type="census.importbatch", action="revert").latest("pk")
    assert record.changes["plans_reopened"] == 1
