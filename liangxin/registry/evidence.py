"""Evidence files (photos, scans, spreadsheets) that passed the upload gate
(``security.uploads.UploadField`` of kind evidence): stored through Django's storage with their SHA-256,
and handed back only as an audited download. One home for both, so every app keeps and serves
its evidence the same way (funding's reward applications, organization life's activity files)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.core.clients import client_address
from liangxin.core.errors import ServiceError
from liangxin.security.uploads import EVIDENCE_CONTENT_TYPES

from .services import log_export


def checked(upload: UploadedFile) -> tuple[str, str]:
    """The kind the gate found and the file's SHA-256; refuses a file that did not pass the gate."""
    kind = getattr(upload, "checked_kind", None)
    if kind is None:
        raise ServiceError(_("证明材料未通过文件检查。"), field="file")
    digest = hashlib.sha256(upload.read()).hexdigest()
    upload.seek(0)
    return kind, digest


def store(*, field: FieldFile, upload: UploadedFile, kind: str, save: Callable[[], None]) -> None:
    """Write the file to storage, then ``save`` (the row and its audit record, in the caller's
    transaction); a refused save leaves no file behind."""
    field.save(f"evidence.{kind}", upload, save=False)
    try:
        save()
    except Exception:
        field.delete(save=False)
        raise


def download(
    request: HttpRequest,
    *,
    by: User,
    field: FieldFile,
    name: str,
    kind: str,
    object_type: str,
    filters: dict[str, object],
) -> FileResponse:
    """The file as a download (never shown inline), audited like an export."""
    log_export(
        by=by, object_type=object_type, filters=filters, rows=1, file_format=kind, remote_addr=client_address(request)
    )
    return FileResponse(
        field.open("rb"),
        as_attachment=True,
        filename=name or f"evidence.{kind}",
        content_type=EVIDENCE_CONTENT_TYPES.get(kind, "application/octet-stream"),
    )
