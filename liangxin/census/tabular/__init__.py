"""Reading, normalising and validating census spreadsheets — pure Python, no Django.

Public API::

    open_census(data, filename, reference, mapping_override=None, chunk_rows=20_000) -> CensusStream
    read_census(data, filename, reference, mapping_override=None) -> CensusReadResult
    read_workbook(data, filename) -> list[Sheet]              # reading.py
    open_workbook(data, filename) -> list[SheetSource]         # reading.py, streaming
    locate_header(sheet, override=None) -> Header | None       # header.py
    parse_sheet(sheet, header, file_name) -> ParseResult       # parse.py (RowParser streams)
    validate_rows(rows, reference) -> list[Problem]            # validate.py (Validator streams)

The Django layer fills a :class:`Reference` from the database and either calls :func:`read_census`
(everything in memory) or :func:`open_census` and reads :meth:`CensusStream.chunks` (a chunk at a
time: pass 1 validates, pass 2 reads the same bytes again and writes). See ``PROBLEM_CODES.md``
for every problem code.
"""

from .api import CensusChunk, CensusReadResult, CensusStream, open_census, read_census
from .columns import BY_KEY, BY_LABEL, COLUMNS, Column
from .header import Header, HeaderColumn, locate_header
from .parse import CensusRow, ParsedChunk, ParseResult, RowParser, parse_sheet
from .problems import PROBLEM_CODES, Problem, ValueProblem
from .reading import ReadError, Sheet, SheetSource, open_workbook, read_workbook
from .validate import Place, Reference, Validator, validate_rows

__all__ = [
    "BY_KEY",
    "BY_LABEL",
    "COLUMNS",
    "PROBLEM_CODES",
    "CensusChunk",
    "CensusReadResult",
    "CensusRow",
    "CensusStream",
    "Column",
    "Header",
    "HeaderColumn",
    "ParseResult",
    "ParsedChunk",
    "Place",
    "Problem",
    "ReadError",
    "Reference",
    "RowParser",
    "Sheet",
    "SheetSource",
    "Validator",
    "ValueProblem",
    "locate_header",
    "open_census",
    "open_workbook",
    "parse_sheet",
    "read_census",
    "read_workbook",
    "validate_rows",
]
