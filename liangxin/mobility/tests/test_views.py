"""The mobility pages that write: the ledger's forms, the certificate's and the transfer's actions,
the police file's upload → preview → confirm → verify → revert. Each through the page, as a clerk
would, with what it refuses and who may not."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from liangxin.mobility import services
from liangxin.mobility.models import (
    ActivityCertificate,
    BatchStatus,
    Contact,
    ExternalPartyOrganization,
    HelpRecord,
    IntakeBatch,
    IntroductionLetter,
    MigrantRecord,
    MobileMember,
    RelationTransfer,
)
from liangxin.registry.models import PartyRelation
from liangxin.testing.responses import body_text

from .conftest import police_csv

ON = "2026-03-10"


def _text(response) -> str:
    return body_text(response)


@pytest.fixture
def outgoing(carol, member_b):
    return services.register_outflow(
        by=carol, member=member_b, destination="广东省东莞市长安镇", since=dt.date(2026, 3, 1), employer_name="长安某厂"
    )


def test_outflow_registration_through_its_page(client, carol, member_b, branch_b):
    client.force_login(carol)
    url = reverse("mobility:outflow_create")
    # The member is found by searching, not listed: the page holds no select of the scope's members.
    assert "李四" not in _text(client.get(url))
    found = client.get(reverse("mobility:outflow_member_pick"), {"name": "member", "member_q": "李"})
    assert f'name="member" value="{member_b.pk}"' in found.content.decode() and "李四" in _text(found)
    # Bad input: the page says what is missing and nothing is written.
    page = _text(client.post(url, {"member": member_b.pk, "since": ON}))
    assert "请填写这一项" in page and not MobileMember.objects.exists()
    # Without JavaScript the name typed in full chooses the member.
    page = _text(client.post(url, {"member_q": "李四", "since": ON}))
    assert "请填写这一项" in page and "李四" in page and "没有找到" not in page
    response = client.post(
        url,
        {"member": member_b.pk, "destination": "广东省东莞市长安镇", "since": ON, "employer_name": "长安某厂",
         "phone": "13800001234", "liaison": branch_b.pk},
    )  # fmt: skip
    mobile = MobileMember.objects.get(member=member_b)
    assert response.status_code == 302 and response["Location"] == mobile.get_absolute_url()
    assert (mobile.direction, mobile.destination_code, mobile.liaison) == ("out", "441900", branch_b)
    detail = _text(client.get(mobile.get_absolute_url()))
    assert "长安某厂" in detail and "东莞" in detail


def test_ledger_forms_edit_contact_letter_help_and_end(client, carol, bob, outgoing, branch_b):
    client.force_login(carol)
    pk = outgoing.pk
    edit = reverse("mobility:member_edit", args=[pk])
    version = outgoing.version
    data = {"place": "广东省深圳市宝安区", "employer_name": "宝安某厂", "phone": "", "version": version}
    assert client.post(edit, data).status_code == 302
    outgoing.refresh_from_db()
    assert (outgoing.employer_name, outgoing.destination_code, outgoing.version) == ("宝安某厂", "440306", version + 1)
    # The same form sent again with the old version: someone changed the entry meanwhile.
    page = _text(client.post(edit, {**data, "employer_name": "别的厂"}))
    assert "已被他人修改" in page
    outgoing.refresh_from_db()
    assert outgoing.employer_name == "宝安某厂"

    contact = reverse("mobility:contact_add", args=[pk])
    assert "请填写这一项" in _text(client.post(contact, {"contacted_on": ON, "method": "phone"}))
    post = {
        "contacted_on": ON,
        "method": "phone",
        "situation": "在厂里上班",
        "thoughts": "想回乡创业",
        "whereabouts": "年底返乡",
    }
    assert client.post(contact, post).status_code == 302
    assert list(Contact.objects.values_list("situation", "thoughts", "whereabouts")) == [
        ("在厂里上班", "想回乡创业", "年底返乡")
    ]

    letter = reverse("mobility:letter_issue", args=[pk])
    letter_data = {"addressee_name": "宝安区某街道党工委", "issued_on": ON}
    assert "临时性、季节性务工" in _text(client.post(letter, letter_data))  # a long stay gets no letter
    assert not IntroductionLetter.objects.exists()
    outgoing.refresh_from_db()
    client.post(edit, {**data, "temporary": "on", "version": outgoing.version})
    assert client.post(letter, {"addressee_name": "宝安区某街道党工委", "issued_on": ON}).status_code == 302
    number = IntroductionLetter.objects.get().number
    assert number == f"ZMX-2026-{branch_b.pk:04d}-0001"

    help_url = reverse("mobility:help_add", args=[pk])
    assert client.post(help_url, {"kind": "training", "helped_on": ON, "description": "电工培训"}).status_code == 302
    assert list(HelpRecord.objects.values_list("kind", "description")) == [("training", "电工培训")]

    detail = _text(client.get(outgoing.get_absolute_url()))
    assert all(text in detail for text in ("在厂里上班", "想回乡创业", number, "电工培训", "宝安某厂"))

    end = reverse("mobility:member_end", args=[pk])
    assert "请填写这一项" in _text(client.post(end, {"ended_on": ON}))
    assert "不能早于登记日期" in _text(client.post(end, {"ended_on": ON, "reason": "返乡"}))
    ended = outgoing.registered_on
    assert client.post(end, {"ended_on": ended.isoformat(), "reason": "返乡"}).status_code == 302
    outgoing.refresh_from_db()
    assert (outgoing.ended_on, outgoing.end_reason) == (ended, "返乡")

    # Another township: every one of these pages is 404, and nothing changes.
    client.force_login(bob)
    for name in ("member_detail", "member_edit", "member_end", "contact_add", "letter_issue", "help_add"):
        assert client.get(reverse(f"mobility:{name}", args=[pk])).status_code == 404, name
    assert client.post(help_url, {"kind": "training", "helped_on": ON, "description": "x"}).status_code == 404
    assert HelpRecord.objects.count() == 1


def test_read_only_roles_cannot_post_ledger_forms(client, lily, outgoing):
    client.force_login(lily)  # the leader sees the county's ledger but changes nothing
    assert "长安某厂" in _text(client.get(outgoing.get_absolute_url()))
    url = reverse("mobility:help_add", args=[outgoing.pk])
    assert client.post(url, {"kind": "training", "helped_on": ON, "description": "x"}).status_code == 403
    assert not HelpRecord.objects.exists()


def test_certificate_pages_walk_the_lifecycle(client, carol, bob, outgoing, branch_b):
    client.force_login(carol)
    assert client.post(reverse("mobility:certificate_apply", args=[outgoing.pk]), {"applied_on": ON}).status_code == 302
    certificate = ActivityCertificate.objects.get()
    url = reverse("mobility:certificate_detail", args=[certificate.pk])

    def act(action, **extra):
        return client.post(url, {"action": action, "on": ON, **extra}, follow=True)

    # Issuing before the review is refused with the reason, and nothing changes.
    assert "尚未审核,不能发放" in _text(act("issue"))
    certificate.refresh_from_db()
    assert (certificate.status, certificate.number) == ("applied", None)
    act("approve")
    act("issue")
    certificate.refresh_from_db()
    first = f"LDZ-2026-{branch_b.pk:04d}-0001"
    assert (certificate.status, certificate.number) == ("issued", first)
    assert first in _text(client.get(url))
    act("check", year="2026", result="passed")
    assert certificate.checks.get().result == "passed"
    page = _text(act("reissue", void_reason="lost"))
    new = ActivityCertificate.objects.get(replaces=certificate)
    assert f"LDZ-2026-{branch_b.pk:04d}-0002" in page and new.status == "issued"
    certificate.refresh_from_db()
    assert certificate.status == "voided"
    new_url = reverse("mobility:certificate_detail", args=[new.pk])
    assert "收回注销的原因" in _text(client.post(new_url, {"action": "revoke", "on": ON}, follow=True))
    client.post(new_url, {"action": "revoke", "on": ON, "reason": "返乡"})
    new.refresh_from_db()
    assert (new.status, new.revoke_reason) == ("revoked", "返乡")

    client.force_login(bob)
    assert client.get(url).status_code == 404
    assert client.post(new_url, {"action": "reissue", "on": ON, "void_reason": "lost"}).status_code == 404
    assert client.get(reverse("mobility:certificate_pdf_export", args=[new.pk])).status_code == 404
    assert ActivityCertificate.objects.count() == 2


def test_transfer_pages_open_receive_complete(client, carol, bob, outgoing, member_b, branch_b):
    client.force_login(carol)
    url = reverse("mobility:transfer_create", args=[outgoing.pk])
    data = {"direction": "out", "local": branch_b.pk, "external_name": "东莞市长安镇流动党员党支部",
            "external_place": "广东省东莞市长安镇", "issued_on": ON}  # fmt: skip
    response = client.post(url, data)
    transfer = RelationTransfer.objects.get()
    assert response.status_code == 302 and response["Location"] == transfer.get_absolute_url()
    assert transfer.letter_number == f"JSX-2026-{branch_b.pk:04d}-0001"
    detail = transfer.get_absolute_url()
    assert "尚未接收,不能办结" in _text(client.post(detail, {"action": "complete", "on": ON}, follow=True))
    client.post(detail, {"action": "receive", "on": ON})
    client.post(detail, {"action": "complete", "on": "2026-03-12"})
    transfer.refresh_from_db()
    assert transfer.state == "completed"
    assert PartyRelation.objects.get(member=member_b).valid_to == dt.date(2026, 3, 12)
    client.force_login(bob)
    assert client.get(detail).status_code == 404
    assert client.post(detail, {"action": "return", "on": ON, "reason": "x"}).status_code == 404


def test_a_refused_transfer_leaves_no_external_party_organization(client, carol, outgoing, branch_b):
    client.force_login(carol)
    url = reverse("mobility:transfer_create", args=[outgoing.pk])
    # Into the county for a member whose relation is already here: refused, and nothing written.
    data = {"direction": "in", "local": branch_b.pk, "external_name": "某地党支部", "external_place": "广东省东莞市",
            "letter_number": "外-1", "issued_on": ON}  # fmt: skip
    assert "组织关系已在本县" in _text(client.post(url, data))
    assert not RelationTransfer.objects.exists() and not ExternalPartyOrganization.objects.exists()


def test_police_file_upload_preview_confirm_verify_and_revert(client, carol, bob, township_b, newcomer_number):
    client.force_login(carol)
    upload = SimpleUploadedFile(
        "公安.csv",
        police_csv(f"赵流动,{newcomer_number},男,贵州省兴义市,罗平县板桥镇街上,2026-02-01,星火煤业,13800001111"),
    )
    response = client.post(
        reverse("mobility:intake"), {"unit": township_b.pk, "mode": "all_or_nothing", "file": upload}
    )
    batch = IntakeBatch.objects.get()
    assert response.status_code == 302 and batch.status == BatchStatus.PREVIEWED
    preview = _text(client.get(reverse("mobility:batch_detail", args=[batch.pk])))
    # Names and labels, not codes; and a preview writes nothing.
    assert "<td>赵流动</td><td>新增</td><td>板桥镇</td><td>无匹配</td>" in preview
    assert not MigrantRecord.objects.exists()
    client.force_login(bob)
    assert client.post(reverse("mobility:batch_confirm", args=[batch.pk])).status_code == 404
    client.force_login(carol)
    client.post(reverse("mobility:batch_confirm", args=[batch.pk]))
    record = MigrantRecord.objects.get()
    assert record.status == "pending" and record.township == township_b
    verify = reverse("mobility:registration_detail", args=[record.pk])
    assert "赵流动" in _text(client.get(verify))
    client.post(verify, {"result": "not_found", "verified_on": ON, "note": "走访未见其人"})
    record.refresh_from_db()
    assert (record.status, record.verification_note) == ("not_found", "走访未见其人")
    # Once a registration is verified the batch can no longer be reverted.
    page = _text(client.post(reverse("mobility:batch_revert", args=[batch.pk]), follow=True))
    assert "不能撤销" in page
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPLIED and MigrantRecord.objects.count() == 1
