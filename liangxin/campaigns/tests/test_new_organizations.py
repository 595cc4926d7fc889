"""A township's row named like a registered organization with another USCC: refused until the
township says it is another organization; then staged, approved and registered as a new one."""

from __future__ import annotations

from django.urls import reverse

from liangxin.audit.models import AuditRecord
from liangxin.campaigns import services
from liangxin.campaigns.models import SubmissionState
from liangxin.registry.models import Organization
from liangxin.testing.factories import OrganizationFactory, valid_uscc

from .conftest import census_csv, fresh, row

SAME_NAME = "板桥同名建材有限公司"


def _registered(township_b):
    return OrganizationFactory(name=SAME_NAME, uscc=valid_uscc(7001), township=township_b)


def _file():
    return census_csv(row(7002, SAME_NAME, "板桥镇"), row(7003, "板桥另一家有限公司", "板桥镇"))


def test_the_upload_is_refused_and_the_page_offers_the_choice(client, sub_b, carol, township_b):
    existing = _registered(township_b)
    client.force_login(carol)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("campaigns:submission_import", args=[sub_b.pk]),
        {"version": sub_b.version, "file": SimpleUploadedFile("摸底表.csv", _file(), content_type="text/csv")},
    )
    body = response.content.decode()
    assert "name_uscc_conflict" in body and existing.uscc in body
    assert 'id="new-organizations"' in body and f'value="{valid_uscc(7002)}"' in body
    assert fresh(sub_b).entries.count() == 0


def test_declared_codes_are_staged_and_approved_as_new_organizations(client, sub_b, carol, alice, township_b, stage):
    existing = _registered(township_b)
    refused = stage(sub_b, carol, _file())
    assert [p.code for p in refused.errors] == ["name_uscc_conflict"]

    client.force_login(carol)
    response = client.post(
        reverse("campaigns:submission_new_organizations", args=[sub_b.pk]),
        {"version": fresh(sub_b).version, "new_organizations": [valid_uscc(7002)]},
    )
    assert response.status_code == 302
    sub = fresh(sub_b)
    assert sub.new_organizations == [valid_uscc(7002)]
    record = AuditRecord.objects.filter(object_type="campaigns.submission", action="campaigns.declare_new").get()
    assert record.changes["new_organizations"] == {"old": [], "new": [valid_uscc(7002)]}

    staged = stage(sub, carol, _file())
    assert staged.errors == [] and staged.staged == 2
    sub = services.submit_submission(by=carol, submission=fresh(sub), expected_version=fresh(sub).version)
    sub = services.approve_submission(by=alice, submission=sub, expected_version=sub.version)
    assert sub.state == SubmissionState.APPROVED
    same = Organization.objects.filter(name=SAME_NAME).order_by("pk")
    assert [o.uscc for o in same] == [existing.uscc, valid_uscc(7002)]


def test_only_the_township_may_declare_and_only_valid_codes_count(client, sub_b, sub_a, carol, bob, alice):
    url = reverse("campaigns:submission_new_organizations", args=[sub_b.pk])
    client.force_login(bob)
    assert client.post(url, {"version": sub_b.version, "new_organizations": [valid_uscc(7002)]}).status_code == 404
    client.force_login(alice)
    client.post(url, {"version": sub_b.version, "new_organizations": [valid_uscc(7002)]})
    assert fresh(sub_b).new_organizations == []
    client.force_login(carol)
    client.post(url, {"version": sub_b.version, "new_organizations": ["not-a-code", valid_uscc(7002)]})
    assert fresh(sub_b).new_organizations == []  # a bad value refuses the whole form
    assert client.get(url).status_code == 302 and fresh(sub_b).new_organizations == []  # back to the page
