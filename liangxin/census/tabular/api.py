"""The census reader's entry points: bytes in, typed rows and every problem out.

:func:`open_census` streams: it finds the sheet and its header at once, then hands out validated
rows a chunk at a time, so a million-row file never sits in memory. :func:`read_census` is the same
stream collected into one :class:`CensusReadResult`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from .header import Header, HeaderColumn, locate_header
from .parse import CHUNK_ROWS, CensusRow, RowParser
from .problems import Problem, problem, sort_problems
from .reading import ReadError, SheetSource, open_workbook
from .validate import Reference, Validator, resolved_keys

# Sheets named like this are instructions, drop-down lists or the problem list our annotated files and
# rejected-row lists carry (census.annotate); leaving them out needs no warning.
_QUIET_SHEET_WORDS = ("说明", "填表", "须知", "选项", "字典", "代码表", "问题清单")


@dataclass(frozen=True)
class CensusReadResult:
    sheet_name: str | None  # the sheet read, None when nothing could be read
    header_row: int | None  # Excel row number of the header
    mapping: tuple[HeaderColumn, ...]  # every header cell and the template column it became
    rows: list[CensusRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (Excel row, why it is not a record)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def valid_rows(self) -> list[CensusRow]:
        """Rows without an error of their own (file-level errors aside)."""
        return [row for row in self.rows if not row.has_errors]


def read_census(
    data: bytes,
    filename: str,
    reference: Reference,
    mapping_override: Mapping[str, str | None] | None = None,
) -> CensusReadResult:
    """Read, normalise and validate a census file: :func:`open_census`, every chunk collected.

    The sheet whose header names the most template columns is read; another sheet that also has
    census data is an error (``extra_data_sheet``), any other non-empty sheet a warning
    (``sheet_ignored``). ``mapping_override`` maps headers as written to template keys or labels
    (None: ignore the column) and wins over the alias table.
    """
    stream = open_census(data, filename, reference, mapping_override)
    rows: list[CensusRow] = []
    problems = list(stream.file_problems)
    for chunk in stream.chunks():
        rows.extend(chunk.rows)
        problems.extend(chunk.problems)
    final = stream.final_problems()
    if stream.read_error is not None:  # the file broke off part-way: nothing of it is read
        return CensusReadResult(None, None, (), problems=[stream.read_error])
    return CensusReadResult(
        sheet_name=stream.sheet_name,
        header_row=stream.header_row,
        mapping=stream.mapping,
        rows=rows,
        problems=sort_problems(problems + final),
        skipped=stream.skipped,
    )


@dataclass(slots=True)
class CensusChunk:
    rows: list[CensusRow]  # validated: resolved codes filled in, ``has_errors`` set
    problems: list[Problem]  # the problems of these rows, by row (cell problems, then row checks)


class CensusStream:
    """A census file opened for reading a chunk at a time (see :func:`open_census`).

    ``file_problems`` is known at once: an unreadable file, no header, other sheets, header
    problems. :meth:`chunks` reads the rows; checks across rows (a USCC repeated, even chunks
    apart) carry over from chunk to chunk. :meth:`final_problems`, once every chunk has been read,
    has what only the whole file can tell: 合计 rows that do not add up, and a file that broke
    off part-way (``unreadable_file``, also in :attr:`read_error`). Reading the same bytes again,
    or calling :meth:`chunks` again, gives the same chunks.
    """

    def __init__(
        self,
        filename: str,
        reference: Reference,
        *,
        sheet_name: str | None = None,
        file_problems: list[Problem] | None = None,
        source: SheetSource | None = None,
        header: Header | None = None,
        chunk_rows: int = CHUNK_ROWS,
    ) -> None:
        self.filename = filename
        self.reference = reference
        self.sheet_name = sheet_name
        self.header_row = header.row if header is not None else None
        self.mapping: tuple[HeaderColumn, ...] = header.columns if header is not None else ()
        self.file_problems: list[Problem] = file_problems or []
        self.chunk_rows = chunk_rows
        self.read_error: Problem | None = None
        self._source = source
        self._parser = (
            RowParser(
                header,
                filename,
                source.name,
                text_only=source.format == "csv",
                resolved_keys=resolved_keys(header),
            )
            if source is not None and header is not None
            else None
        )
        self._exhausted = self._parser is None

    @property
    def skipped(self) -> list[tuple[int, str]]:
        """(Excel row, why it is not a record), by row; filled as the chunks are read."""
        return self._parser.skipped if self._parser is not None else []

    @property
    def has_file_errors(self) -> bool:
        return any(p.is_error for p in self.file_problems)

    def chunks(self) -> Iterator[CensusChunk]:
        """Validated rows, up to ``chunk_rows`` at a time, in file order."""
        if self._parser is None or self._source is None:
            return
        self._exhausted = False
        self.read_error = None
        validator = Validator(self.reference)
        source = self._source
        errors: tuple[type[Exception], ...] = (ReadError, *source.errors)
        parsed_chunks = self._parser.chunks(source.rows(), self.chunk_rows)
        while True:
            try:
                parsed = next(parsed_chunks, None)
                if parsed is None:
                    break
                checked = validator.validate(parsed.rows)
                problems = sort_problems(parsed.problems + checked) if parsed.problems else checked
            except errors as exc:
                self.read_error = problem("unreadable_file", source.read_error(exc).message, file=self.filename)
                break
            yield CensusChunk(parsed.rows, problems)
        self._exhausted = True

    def final_problems(self) -> list[Problem]:
        """合计 rows that do not add up, and a file that broke off part-way; after :meth:`chunks`."""
        if not self._exhausted:
            raise RuntimeError("final_problems() is known only after every chunk has been read")
        if self._parser is None:
            return []
        found = list(self._parser.total_problems)
        if self.read_error is not None:
            found.append(self.read_error)
        return found


def open_census(
    data: bytes,
    filename: str,
    reference: Reference,
    mapping_override: Mapping[str, str | None] | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> CensusStream:
    """Open a census file for :meth:`CensusStream.chunks`; the sheet and header are chosen as in
    :func:`read_census`, reading only the first rows of each sheet."""
    try:
        sources = open_workbook(data, filename)
        if all(source.is_empty() for source in sources):
            return CensusStream(
                filename,
                reference,
                file_problems=[
                    problem("unreadable_file", "文件中没有任何数据。请确认上传的是填好的摸底表。", file=filename)
                ],
            )
        found: list[tuple[SheetSource, Header | None]] = [
            (source, locate_header(source.head_sheet(), mapping_override)) for source in sources
        ]
        candidates: list[tuple[SheetSource, Header]] = [(s, h) for s, h in found if h is not None]
        chosen = max(candidates, key=lambda pair: pair[1].score, default=None)
        if chosen is None:
            sheet = next((s for s, _h in found if not s.is_empty()), sources[0])
            return CensusStream(
                filename,
                reference,
                sheet_name=sheet.name,
                file_problems=[
                    problem(
                        "no_header",
                        f"工作表“{sheet.name}”前{30}行中找不到表头(应有“组织名称”“组织类别”“所属乡镇”等列名)。"
                        "请使用摸底模板,或在导入页面上指定各列对应的模板列。",
                        file=filename,
                        sheet=sheet.name,
                    )
                ],
            )
        source, header = chosen
        problems: list[Problem] = []
        for other, other_header in found:
            if other is source:
                continue
            if other_header is not None and "name" in other_header.written:
                problems.append(
                    problem(
                        "extra_data_sheet",
                        f"工作表“{other.name}”也有摸底数据,但本次只导入了工作表“{source.name}”。"
                        "请把数据合并到一个工作表,或把该工作表另存为单独的文件再导入。",
                        file=filename,
                        sheet=other.name,
                    )
                )
            elif other.visible and not other.is_empty() and not any(w in other.name for w in _QUIET_SHEET_WORDS):
                problems.append(
                    problem(
                        "sheet_ignored",
                        f"工作表“{other.name}”不是摸底数据,没有导入。如果其中有需要导入的组织,请按模板整理后导入。",
                        file=filename,
                        sheet=other.name,
                    )
                )
    except ReadError as exc:
        return CensusStream(filename, reference, file_problems=[problem("unreadable_file", exc.message, file=filename)])
    problems.extend(header.problems(filename, source.name))
    return CensusStream(
        filename,
        reference,
        sheet_name=source.name,
        file_problems=problems,
        source=source,
        header=header,
        chunk_rows=chunk_rows,
    )
