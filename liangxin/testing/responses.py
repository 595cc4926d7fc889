"""What a response sends, whether it was rendered (``content``) or streamed (exports)."""

from __future__ import annotations

from typing import Any


def sent_bytes(response: Any) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return bytes(response.content)
