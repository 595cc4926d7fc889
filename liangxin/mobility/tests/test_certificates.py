"""The activity certificate: every transition and refusal, numbers, the PDF, the register, 查验."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.urls import reverse

from liangxin.core.errors import ServiceError
from liangxin.mobility import services
from liangxin.mobility.models import ActivityCertificate, NumberSequence
from liangxin.testing.responses import body_text

ON = dt.date(2026, 3, 10)


@pytest.fixture
def outgoing(carol, member_b):
    return services.register_outflow(
        by=carol, member=member_b, destination="广东省东莞市长安镇", since=dt.date(2026, 3, 1), employer_name="长安某厂"
    )


def _issued(by, mobile, on=ON):
    certificate = services.apply_certificate(by=by, mobile_member=mobile, on=on)
    certificate = services.approve_certificate(by=by, certificate=certificate, on=on)
    return services.issue_certificate(by=by, certificate=certificate, on=on)


def test_the_lifecycle_from_application_to_revocation(carol, outgoing, branch_b):
    certificate = services.apply_certificate(by=carol, mobile_member=outgoing, on=ON, note="外出务工一年以上")
    assert (certificate.status, certificate.issuer, certificate.number) == ("applied", branch_b, None)
    with pytest.raises(ServiceError, match="尚未审核,不能发放"):
        services.issue_certificate(by=carol, certificate=certificate, on=ON)
    certificate = services.approve_certificate(by=carol, certificate=certificate, on=ON)
    with pytest.raises(ServiceError, match="已审核、尚未发放,不能年度查验"):
        services.check_certificate(by=carol, certificate=certificate, year=2026, result="passed", on=ON)
    certificate = services.issue_certificate(by=carol, certificate=certificate, on=ON)
    assert certificate.number == f"LDZ-2026-{branch_b.pk:04d}-0001"
    assert (certificate.issued_on, certificate.valid_until) == (ON, ON + dt.timedelta(days=365))
    check = services.check_certificate(by=carol, certificate=certificate, year=2026, result="passed", on=ON)
    certificate.refresh_from_db()
    assert check.result == "passed" and certificate.valid_until == ON + dt.timedelta(days=730)
    with pytest.raises(ServiceError, match="2026 年度已查验"):
        services.check_certificate(by=carol, certificate=certificate, year=2026, result="passed", on=ON)
    with pytest.raises(ServiceError, match="说明原因"):
        services.check_certificate(by=carol, certificate=certificate, year=2027, result="failed", on=ON)
    with pytest.raises(ServiceError, match="收回注销的原因"):
        services.revoke_certificate(by=carol, certificate=certificate, reason="", on=ON)
    certificate = services.revoke_certificate(by=carol, certificate=certificate, reason="返乡", on=ON)
    assert certificate.status == "revoked"
    with pytest.raises(ServiceError, match="已收回注销,不能补发"):
        services.reissue_certificate(by=carol, certificate=certificate, reason="lost", on=ON)


def test_rejection_needs_a_reason_and_ends_the_application(carol, outgoing):
    certificate = services.apply_certificate(by=carol, mobile_member=outgoing, on=ON)
    with pytest.raises(ServiceError, match="审核不通过的原因"):
        services.reject_certificate(by=carol, certificate=certificate, reason=" ", on=ON)
    certificate = services.reject_certificate(by=carol, certificate=certificate, reason="不属于流动党员", on=ON)
    with pytest.raises(ServiceError, match="未通过审核,不能审核"):
        services.approve_certificate(by=carol, certificate=certificate, on=ON)
    # A new application is possible after a rejection, not while one is live.
    again = services.apply_certificate(by=carol, mobile_member=outgoing, on=ON)
    with pytest.raises(ServiceError, match="已有申请中或有效的活动证"):
        services.apply_certificate(by=carol, mobile_member=outgoing, on=ON)
    assert again.status == "applied"


def test_reissue_voids_the_old_number_and_never_reuses_it(carol, outgoing, branch_b):
    first = _issued(carol, outgoing)
    second = services.reissue_certificate(by=carol, certificate=first, reason="lost", on=ON)
    first.refresh_from_db()
    assert (first.status, first.void_reason, first.number) == ("voided", "lost", f"LDZ-2026-{branch_b.pk:04d}-0001")
    assert (second.status, second.replaces, second.number) == ("issued", first, f"LDZ-2026-{branch_b.pk:04d}-0002")
    third = services.reissue_certificate(by=carol, certificate=second, reason="damaged", on=ON)
    numbers = list(ActivityCertificate.objects.order_by("pk").values_list("number", flat=True))
    assert numbers == [f"LDZ-2026-{branch_b.pk:04d}-{n:04d}" for n in (1, 2, 3)] and third.status == "issued"
    # Another year starts again at 1, for this issuer.
    assert NumberSequence.objects.get(kind="certificate", issuer=branch_b, year=2026).last == 3


def test_a_member_whose_relation_is_elsewhere_gets_no_certificate_here(carol, township_b, org_in_b):
    from liangxin.testing.factories import MemberFactory

    incoming = services.register_inflow(
        by=carol, member=MemberFactory(name="外来党员"), township=township_b, since=ON, employer=org_in_b
    )
    with pytest.raises(ServiceError, match="组织关系所在党组织发放"):
        services.apply_certificate(by=carol, mobile_member=incoming, on=ON)


def test_another_township_cannot_touch_the_certificate(bob, carol, outgoing):
    certificate = services.apply_certificate(by=carol, mobile_member=outgoing, on=ON)
    with pytest.raises(ServiceError, match="不在您的管辖范围"):
        services.approve_certificate(by=bob, certificate=certificate, on=ON)


def test_the_printable_certificate_has_the_name_in_its_text_layer(client, carol, outgoing):
    certificate = _issued(carol, outgoing)
    client.force_login(carol)
    response = client.get(reverse("mobility:certificate_pdf_export", args=[certificate.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = body_text(response)
    assert "流动党员活动证" in text and "李四" in text and certificate.number in text
    assert "板桥星火煤业有限公司党支部" in text  # issuer and relation


def test_the_register_and_its_export_list_every_numbered_certificate(client, carol, outgoing):
    first = _issued(carol, outgoing)
    second = services.reissue_certificate(by=carol, certificate=first, reason="damaged", on=ON)
    client.force_login(carol)
    page = client.get(reverse("mobility:certificate_register")).content.decode()
    assert first.number in page and second.number in page
    export = body_text(client.get(reverse("mobility:certificate_register_export")))
    assert first.number in export and second.number in export and "损坏" in export
    assert "李四" in export and "****" in export  # masked ID number, never the whole one


def test_the_check_page_shows_validity_masked_holder_and_where_the_holder_takes_part(
    client, carol, bob, outgoing, branch_b
):
    certificate = _issued(carol, outgoing)
    client.force_login(carol)
    page = client.get(reverse("mobility:certificate_check"), {"number": certificate.number.lower()}).content.decode()
    assert "有效" in page and "李*" in page and "李四" not in page
    services.revoke_certificate(by=carol, certificate=certificate, reason="返乡", on=ON)
    page = client.get(reverse("mobility:certificate_check"), {"number": certificate.number}).content.decode()
    assert "无效" in page and "已收回注销" in page
    client.force_login(bob)  # another township: like a number that does not exist
    page = client.get(reverse("mobility:certificate_check"), {"number": certificate.number}).content.decode()
    assert "查无此证" in page and certificate.number not in page.split("查无此证")[1]


@pytest.mark.django_db(transaction=True)
def test_two_issues_at_once_get_two_numbers(carol, township_b, branch_b):
    """Two transactions issue certificates of one issuer at the same moment: the sequence row's
    lock makes the second wait, and the numbers differ."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL (SQLite serialises writers)")
    from liangxin.testing.factories import MemberFactory

    certificates = []
    for n in range(2):
        member = MemberFactory(name=f"并发{n}", relation=branch_b)
        mobile = services.register_outflow(by=carol, member=member, destination="广东省东莞市", since=ON)
        certificate = services.apply_certificate(by=carol, mobile_member=mobile, on=ON)
        certificates.append(services.approve_certificate(by=carol, certificate=certificate, on=ON))
    # The year's sequence exists already (its creation alone would make the second insert wait).
    NumberSequence.objects.create(kind="certificate", issuer=branch_b, year=2026, last=0)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def issue(certificate):
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                services.issue_certificate(by=carol, certificate=certificate, on=ON)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(c,)) for c in certificates]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    numbers = sorted(ActivityCertificate.objects.values_list("number", flat=True))
    assert numbers == [f"LDZ-2026-{branch_b.pk:04d}-0001", f"LDZ-2026-{branch_b.pk:04d}-0002"]
