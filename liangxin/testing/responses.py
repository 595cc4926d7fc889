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
    return data.decode("utf-8", errors="replace")
