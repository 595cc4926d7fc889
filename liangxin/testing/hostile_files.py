"""Files an attacker uploads, for the upload gate's tests."""

from __future__ import annotations

import io
import random
import zipfile


def zip_with(entries: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """An XLSX-shaped archive ([Content_Types].xml) with these entries."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def one_huge_cell(mib: int = 64) -> bytes:
    """The shape of the reported attack (a 524 KB file with one 512 MiB cell, which took 1 GB of
    memory to read): a small XLSX whose one shared string is ``mib`` MiB, written in pieces so
    that building it holds no such string."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/sharedStrings.xml", "w") as stream:
            stream.write(b"<sst><si><t>")
            for _n in range(mib):
                stream.write(b"A" * (1024 * 1024))
            stream.write(b"</t></si></sst>")
    return buffer.getvalue()


def ordinary_text(n_bytes: int, seed: int = 7) -> str:
    """About ``n_bytes`` of UTF-8 text that compresses like ordinary text, not like a bomb."""
    rng = random.Random(seed)  # noqa: S311 - test data, not a secret
    text = "".join(rng.choice("罗平县蜂产业协会abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n_bytes // 2))
    while len(text.encode()) < n_bytes:
        text += text[: n_bytes // 10]
    return text


def long_cell_xlsx(n_bytes: int) -> bytes:
    """An XLSX with one cell of ``n_bytes`` of ordinary text (no zip bomb; Excel would never write
    it: its cells hold at most 32,767 characters)."""
    cell = ordinary_text(n_bytes).encode()
    return zip_with([("xl/sharedStrings.xml", b'<sst count="1"><si><t>' + cell + b"</t></si></sst>")])
