"""Bridge to the streaming reader: ``tabular.open_census`` when present, else one chunk."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import tabular
from .tabular import CensusRow, Problem, Reference


@dataclass
class _Chunk:
    rows: list[CensusRow]
    problems: list[Problem]


@dataclass
class _WholeFile:
    result: Any
    skipped: list[tuple[int, str]] = field(default_factory=list)

    @property
    def sheet_name(self) -> str | None:
        return self.result.sheet_name

    @property
    def header_row(self) -> int | None:
        return self.result.header_row

    @property
    def mapping(self) -> Any:
        return self.result.mapping

    @property
    def file_problems(self) -> list[Problem]:
        return list(self.result.problems)

    def chunks(self) -> Iterator[_Chunk]:
        self.skipped = list(self.result.skipped)
        yield _Chunk(rows=list(self.result.rows), problems=[])

    def final_problems(self) -> list[Problem]:
        return []


def open_census(
    data: bytes, filename: str, reference: Reference, mapping_override: Mapping[str, str | None] | None = None
) -> Any:
    opener = getattr(tabular, "open_census", None)
    if opener is not None:
        return opener(data, filename, reference, mapping_override)
    return _WholeFile(tabular.read_census(data, filename, reference, mapping_override))
