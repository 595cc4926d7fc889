"""What a response shows a user, as text (an HTML page, a CSV file, or every cell of an XLSX), and
what it sends, whether it was rendered (``content``) or streamed (exports)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook


def sent_bytes(response: Any) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return bytes(response.content)


def body_text(response: Any) -> str:
    content_type = response.get("Content-Type", "")
    data = sent_bytes(response)
    if "spreadsheetml" in content_type:
        wb = load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row)
    if "application/pdf" in content_type:
        return pdf_text(data)
    return data.decode("utf-8", errors="replace")


def pdf_text(data: bytes) -> str:
    """The text layer of a PDF, as ``pdftotext`` (poppler-utils) reads it."""
    import subprocess

    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)  # noqa: S607
    return done.stdout.decode("utf-8")


def tiny_pdf(text: str) -> bytes:
    """A valid one-page PDF whose text layer is ``text`` (ASCII): what a scanned evidence file or an
    export stands in for where a test reads it back through :func:`pdf_text`."""
    stream = b"BT /F1 12 Tf 20 50 Td (" + text.encode("ascii") + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out
