"""The five-goods assessment: the rule for the result, the indicator that reads it on a known data
set, corrections, scope, the page and the XLSX export."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from liangxin.audit.models import AuditRecord
from liangxin.core.errors import ServiceError
from liangxin.coverage.selectors import county_indicator_table, indicator_table
from liangxin.standards import services
from liangxin.standards.models import FiveGoodsAssessment
from liangxin.testing.factories import FiveGoodsAssessmentFactory, PartyOrganizationFactory
from liangxin.testing.responses import sent_bytes

GOOD = {"leadership": 90, "team": 85, "rules": 80, "performance": 88, "public": 86}


def _data(year=2025, result="five_goods", scores=None, on=dt.date(2025, 12, 20)):
    return services.AssessmentData(
        year=year, result=result, assessed_on=on, scores=scores or GOOD, comments={"team": "党员先锋作用明显"}
    )


def test_five_goods_needs_every_dimension_scored_and_good(bob, branch_a):
    with pytest.raises(ServiceError, match="低于 60 分"):
        services.assess_five_goods(by=bob, party_organization=branch_a, data=_data(scores=GOOD | {"public": 59}))
    with pytest.raises(ServiceError, match="五个方面都须打分"):
        services.assess_five_goods(by=bob, party_organization=branch_a, data=_data(scores=GOOD | {"public": None}))
    with pytest.raises(ServiceError, match="五个方面都须打分"):
        services.assess_five_goods(by=bob, party_organization=branch_a, data=_data(scores=GOOD | {"rules": 101}))
    not_met = services.assess_five_goods(
        by=bob, party_organization=branch_a, data=_data(result="not_met", scores=GOOD | {"public": 59})
    )
    assert not_met.result == "not_met" and not_met.assessing_unit == "罗雄街道"
    assert not_met.team_comment == "党员先锋作用明显" and not_met.assessed_by == bob


def test_a_correction_is_audited_and_refused_on_a_stale_version(bob, branch_a):
    first = services.assess_five_goods(by=bob, party_organization=branch_a, data=_data(result="not_met"))
    services.assess_five_goods(by=bob, party_organization=branch_a, data=_data(), version=first.version)
    with pytest.raises(ServiceError, match="已被他人修改"):
        services.assess_five_goods(by=bob, party_organization=branch_a, data=_data(), version=first.version)
    assert FiveGoodsAssessment.objects.get().result == "five_goods"
    changes = [
        r.changes for r in AuditRecord.objects.filter(object_type="standards.fivegoodsassessment").order_by("pk")
    ]
    assert changes[-1]["result"] == ["not_met", "five_goods"]


def test_only_the_supervising_unit_in_scope_assesses(bob, dave, sam, branch_b, branch_a):
    with pytest.raises(ServiceError, match="管辖范围"):
        services.assess_five_goods(by=bob, party_organization=branch_b, data=_data())
    for user in (dave, sam):
        with pytest.raises(ServiceError, match="无权"):
            services.assess_five_goods(by=user, party_organization=branch_a, data=_data())
    assert not FiveGoodsAssessment.objects.exists()


def _five_goods(as_of, **kwargs):
    (total,) = county_indicator_table(as_of=as_of, **kwargs) if kwargs else county_indicator_table(as_of=as_of)
    value = total.values["party_orgs_five_goods"]
    return value.numerator, value.denominator


def test_the_indicator_reads_the_assessment_on_a_known_data_set(township_a, township_b, alice, bob):
    """Five party organizations on 30 June 2026: two five-goods in 2025, one not met, one rated
    five-goods only in 2023 (too old: the year of the date or the one before), one never. 2 of 5.
    An assessment dated after the as-of date does not count yet."""
    pos = [PartyOrganizationFactory(township=township_a if i < 3 else township_b) for i in range(5)]
    FiveGoodsAssessmentFactory(party_organization=pos[0], year=2025)
    FiveGoodsAssessmentFactory(party_organization=pos[1], year=2025)
    FiveGoodsAssessmentFactory(party_organization=pos[2], year=2025, result="not_met")
    FiveGoodsAssessmentFactory(party_organization=pos[3], year=2023)
    assert _five_goods(dt.date(2026, 6, 30)) == (2, 5)
    # 2026's assessment of the fourth, made in December, counts from its day on.
    FiveGoodsAssessmentFactory(party_organization=pos[3], year=2026, assessed_on=dt.date(2026, 12, 1))
    assert _five_goods(dt.date(2026, 6, 30)) == (2, 5)
    assert _five_goods(dt.date(2026, 12, 1)) == (3, 5)
    # By township, and through a township clerk's scope: A has two of three.
    (a_total,) = indicator_table(user=bob, as_of=dt.date(2026, 6, 30))
    assert (a_total.values["party_orgs_five_goods"].numerator, a_total.values["party_orgs_five_goods"].denominator) == (
        2,
        3,
    )


def test_the_page_enters_and_lists_assessments(client, bob, branch_a, member_a):
    client.force_login(bob)
    url = reverse("standards:assessment_edit", args=[branch_a.pk]) + "?year=2025"
    form = {f"{d}_score": s for d, s in GOOD.items()} | {
        "result": "five_goods",
        "assessed_on": "2025-12-20",
        "version": "0",
        "leadership_comment": "班子团结",
    }
    assert client.post(url, form).status_code == 302
    assessment = FiveGoodsAssessment.objects.get(party_organization=branch_a, year=2025)
    assert assessment.leadership_comment == "班子团结" and assessment.rules_score == 80
    page = client.get(reverse("standards:assessments"), {"year": 2025}).content.decode()
    assert branch_a.name in page and "达到“五个好”" in page and "100.0%" in page


def test_the_export_has_every_party_organization_of_the_scope(client, carol, bob, branch_a, branch_b):
    services.assess_five_goods(
        by=carol, party_organization=branch_b, data=_data(result="not_met", scores=GOOD | {"public": 50})
    )
    client.force_login(carol)
    response = client.get(reverse("standards:assessment_export"), {"year": 2025})
    rows = list(load_workbook(io.BytesIO(sent_bytes(response))).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("乡镇(街道)", "党组织名称", "年度", "领导班子好(得分)", "领导班子好(评语)")
    assert rows[1][:3] == ("板桥镇", branch_b.name, 2025)
    assert len(rows) == 2  # township A's branch is not in carol's export
    assert rows[1][13] == "未达到" and rows[1][11] == 50 and rows[1][6] == "党员先锋作用明显"
    record = AuditRecord.objects.filter(object_type="standards.fivegoodsassessment", action="export").get()
    assert record.changes["rows"] == 1 and record.changes["filters"]["year"] == 2025
    client.force_login(bob)  # an organization without an assessment is listed as not assessed
    rows = list(
        load_workbook(
            io.BytesIO(sent_bytes(client.get(reverse("standards:assessment_export"), {"year": 2025})))
        ).active.iter_rows(values_only=True)
    )
    assert [r[:2] for r in rows[1:]] == [("罗雄街道", branch_a.name)] and rows[1][13] == "未评定"
