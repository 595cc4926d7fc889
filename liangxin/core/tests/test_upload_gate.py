"""Every upload goes through the one gate, ``security.uploads.UploadField``.

An upload URL is found three ways: a view that reads ``request.FILES`` (its source, and that of
the functions of its module it calls), a form class with a file field, and — in the walk of
``test_no_server_error`` — a page with a file input. This test fails on an upload URL it does
not know; each one it knows gets the hostile files below and must refuse each with the gate's
message, store nothing and write nothing. A new upload (evidence, certificates, registration
documents) is added to ``UPLOADS`` with its form's other fields.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from liangxin.audit.models import AuditRecord
from liangxin.campaigns.models import PendingUpload, SubmissionEntry
from liangxin.census.models import ImportBatch, ImportJob
from liangxin.core.dates import today
from liangxin.core.tests.test_form_fields import project_forms
from liangxin.funding.models import RewardApplication
from liangxin.orglife.models import ActivityFile
from liangxin.reconcile.models import ReconcileBatch
from liangxin.security.uploads import UploadField
from liangxin.standards.models import Evidence
from liangxin.testing import walk
from liangxin.testing.factories import valid_id_number
from liangxin.testing.hostile_files import long_cell_xlsx, one_huge_cell, ordinary_text, zip_with

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Upload:
    user: str  # fixture of a user who may upload there
    target: str | None  # fixture of the object in the URL
    fields: Callable[[Any], dict[str, Any]]  # the form's other fields, from the object (or None)
    good: tuple[str, bytes]  # a file the gate lets through, so the refusals below mean something


BANQIAO_CSV = (
    "统一社会信用代码,组织名称,组织类别,组织类型,所属乡镇,行业主管部门,从业人员数\n"
    ",板桥镇上传测试餐馆,新经济组织,个体工商户,板桥镇,县工商联,3\n"
).encode()

UPLOADS: dict[str, Upload] = {
    "census:index": Upload(
        "carol", None, lambda _obj: {"unit": "", "as_of": str(today())}, ("板桥镇摸底.csv", BANQIAO_CSV)
    ),
    "campaigns:submission_import": Upload(
        "carol", "campaign_submission_b", lambda sub: {"version": sub.version}, ("板桥镇摸底.csv", BANQIAO_CSV)
    ),
    # Evidence of a reward application: PDF, JPEG, PNG or a spreadsheet (security.uploads).
    "funding:reward_create": Upload(
        "carol",
        "branch_b",
        lambda _p: {"kind": "activity_room", "title": "活动室", "description": "自建活动室", "amount": "3000"},
        ("活动室验收.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"),
    ),
    "reconcile:index": Upload(
        "carol",
        None,
        lambda _obj: {"unit": "", "source": "market"},
        ("板桥镇登记名单.csv", "名称,统一社会信用代码,登记状态\n板桥镇小李餐馆,,存续\n".encode()),
    ),
    # Evidence of a five-ones item (standards): PDF, JPEG or PNG.
    "standards:evidence_add": Upload(
        "carol",
        "branch_b",
        lambda _p: {"item": "party_flag", "description": "党旗"},
        ("党旗.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"),
    ),
    # Photos and files of an activity (组织生活): evidence, as above.
    "orglife:activity_file_add": Upload(
        "carol", "activity_b", lambda _a: {}, ("主题党日照片.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n")
    ),
    "mobility:intake": Upload(
        "carol",
        None,
        lambda _obj: {"unit": "", "mode": "all_or_nothing"},
        ("板桥镇流动人口.csv", f"姓名,公民身份号码,现住址\n赵流动,{valid_id_number(702)},板桥镇\n".encode()),
    ),
}


def _source_uploads() -> set[str]:
    return {
        name
        for name, _route, view in walk.url_views()
        if any("request.FILES" in source for source in walk.view_sources(view))
    }


def test_every_view_that_reads_files_is_a_known_upload():
    found = _source_uploads()
    assert found, "the census and campaign uploads read request.FILES"
    assert not found - set(UPLOADS), f"upload URLs without a case here: {sorted(found - set(UPLOADS))}"
    assert not set(UPLOADS) - found, f"cases for URLs that take no file: {sorted(set(UPLOADS) - found)}"


def test_every_file_field_is_the_gate():
    loose = [
        f"{form.__module__}.{form.__name__}.{name}"
        for form in project_forms()
        for name, field in form.base_fields.items()
        if isinstance(field, forms.FileField) and not isinstance(field, UploadField)
    ]
    assert not loose, f"file fields that bypass security.uploads.UploadField: {loose}"


# --- Hostile files ------------------------------------------------------------------------------


# (case, file name, content, browser's content type, what the refusal says)
HOSTILE: list[tuple[str, str, Callable[[], bytes], str, str]] = [
    ("oversized", "大表.csv", lambda: b"a,b\n" * 400_000, "text/csv", "文件过大"),
    (
        "zip bomb",
        "炸弹.xlsx",
        lambda: zip_with([("xl/worksheets/sheet1.xml", b"0" * (6 * 1024 * 1024))]),
        XLSX_TYPE,
        "压缩炸弹",
    ),
    ("one huge cell, small file", "单元格.xlsx", one_huge_cell, XLSX_TYPE, "压缩炸弹"),
    ("huge cell, ordinary ratio", "长单元格.xlsx", lambda: long_cell_xlsx(300_000), XLSX_TYPE, "单元格的内容超过"),
    (
        "huge cell in a CSV",
        "长.csv",
        lambda: f"name,note\nx,{ordinary_text(300_000)}\n".encode(),
        "text/csv",
        "单元格的内容超过",
    ),
    ("a PDF named .xlsx", "扫描件.xlsx", lambda: b"%PDF-1.7\n" + b"x" * 2000, XLSX_TYPE, "PDF"),
    ("a program named .csv", "表.csv", lambda: b"MZ\x90\x00" + b"\x00" * 2000, "text/csv", "EXE"),
    ("a spreadsheet named .exe", "表.exe", lambda: BANQIAO_CSV, "application/x-msdownload", "不支持的文件类型"),
    ("empty", "空.csv", lambda: b"", "text/csv", "空的"),
]


def _written() -> tuple[int, ...]:
    return (
        RewardApplication.objects.count(),
        Evidence.objects.count(),
        ActivityFile.objects.count(),
        ImportBatch.objects.count(),
        ImportJob.objects.count(),
        ReconcileBatch.objects.count(),
        SubmissionEntry.objects.count(),
        PendingUpload.objects.count(),
        AuditRecord.objects.exclude(action__in=["login", "login_failed", "logout"]).count(),
    )


def _stored(media) -> list[str]:
    return sorted(str(p) for p in media.rglob("*") if p.is_file()) if media.exists() else []


@pytest.fixture
def gate_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AUDIT_ANCHOR_PATH = tmp_path / "audit-anchor.json"
    settings.MAX_UPLOAD_MB = 1
    settings.UPLOAD_MAX_UNCOMPRESSED_MB = 5
    return settings


def _form(request, name: str) -> tuple[str, dict[str, Any]]:
    """The upload's URL and its form's other fields."""
    case = UPLOADS[name]
    obj = request.getfixturevalue(case.target) if case.target else None
    url = reverse(name, kwargs={"pk": obj.pk}) if obj is not None else reverse(name)
    fields = case.fields(obj)
    if "unit" in fields:
        fields["unit"] = request.getfixturevalue("township_b").pk
    return url, fields


@pytest.mark.parametrize("name", sorted(UPLOADS))
@pytest.mark.parametrize(("case", "file_name", "content", "content_type", "says"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_every_upload_refuses_hostile_files(
    client, db, request, gate_settings, name, case, file_name, content, content_type, says
):
    client.force_login(request.getfixturevalue(UPLOADS[name].user))
    url, fields = _form(request, name)
    before, stored = _written(), _stored(gate_settings.MEDIA_ROOT)
    response = client.post(url, {**fields, "file": SimpleUploadedFile(file_name, content(), content_type)})
    assert response.status_code == 200, (name, case, response.status_code)
    assert says in response.content.decode(), (name, case)
    assert _written() == before, (name, case)
    assert _stored(gate_settings.MEDIA_ROOT) == stored, (name, case)


@pytest.mark.parametrize("name", sorted(UPLOADS))
def test_every_upload_takes_a_good_file(client, db, request, gate_settings, name):
    client.force_login(request.getfixturevalue(UPLOADS[name].user))
    url, fields = _form(request, name)
    before = _written()
    file_name, data = UPLOADS[name].good
    response = client.post(url, {**fields, "file": SimpleUploadedFile(file_name, data, "text/csv")})
    # Taken: imported (a redirect), or held for the clerk's confirmation that it replaces the rows
    # a submission already has (the confirmation page).
    held = PendingUpload.objects.exists()
    assert response.status_code == (200 if held else 302), (name, response.status_code)
    assert _written() != before
