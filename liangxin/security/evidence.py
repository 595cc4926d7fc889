"""Evidence files kept beside a record (a reward application's, a five-ones item's): a file the
upload gate passed (``uploads.UploadField`` of kind evidence), stored with its SHA-256 through the
upload storage, and given back only as an attachment — never shown inline — whose every download
is audited like an export."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _

from liangxin.core.clients import client_address
from liangxin.core.errors import ServiceError
from liangxin.registry.services import log_export

from .uploads import EVIDENCE_CONTENT_TYPES


@dataclass(frozen=True)
class CheckedEvidence:
    name: str  # as the uploader's file was called (at most 255 characters)
    kind: str  # the type the gate found in its content: ``pdf``, ``jpeg``, ``png``, …
    sha256: str


def checked(file: UploadedFile, *, field: str = "file") -> CheckedEvidence:
    """What the gate found; ServiceError on ``field`` for a file that did not pass it."""
    kind = getattr(file, "checked_kind", None)
    if kind is None:
        raise ServiceError(_("证明材料未通过文件检查。"), field=field)
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return CheckedEvidence(name=(file.name or "")[:255], kind=kind, sha256=digest.hexdigest())


@contextmanager
def stored(field_file: FieldFile, file: UploadedFile, evidence: CheckedEvidence) -> Iterator[None]:
    """Store the file under the record's field (not saving the record); when the write inside
    the block fails, the stored file goes too, so nothing stays behind a refused write."""
    field_file.save(f"evidence.{evidence.kind}", file, save=False)
    try:
        yield
    except Exception:
        field_file.delete(save=False)
        raise


def download(
    request: HttpRequest, *, field_file: FieldFile, name: str, kind: str, object_type: str, filters: dict[str, Any]
) -> FileResponse:
    """The file as an attachment, the download audited as an export of one row."""
    log_export(
        by=request.user,  # type: ignore[arg-type]
        object_type=object_type,
        filters=filters,
        rows=1,
        file_format=kind,
        remote_addr=client_address(request),
    )
    return FileResponse(
        field_file.open("rb"),
        as_attachment=True,
        filename=name or f"evidence.{kind}",
        content_type=EVIDENCE_CONTENT_TYPES.get(kind, "application/octet-stream"),
    )
